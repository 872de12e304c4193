// The "consumers" section of a scenario: built-in long-polling consumers and consumers deployed as
// Lambda functions (detail/lambda_parse.hpp).
#pragma once

#include "scenarios/detail/checker.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios::detail {

/// Parses "consumers" into out.consumers; out.queues must be parsed already.
void parse_consumers(checker& c, const json& consumers, scenario& out);

}  // namespace scenarios::detail

// The "lambda" object of a consumer entry: a consumer deployed as a Lambda function behind an SQS
// event source mapping.
#pragma once

#include "scenarios/detail/checker.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios::detail {

/// The handler names scenario files use, in order.
const std::vector<std::pair<const char*, lambda_handler>>& lambda_handler_names();

/// Parses consumer `k`'s "lambda" object (at `pointer`, the consumer's) into spec.lambda, with
/// Lambda's defaults, checking what CreateEventSourceMapping checks against the scenario's queue
/// (spec.queue, already parsed). Reports consumer members that do not apply to a Lambda.
void parse_lambda(checker& c, const json& k, const std::string& pointer,
                  const std::vector<queue_spec>& queues, consumer_spec& spec);

}  // namespace scenarios::detail

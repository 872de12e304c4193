// The scripted half of a scenario: "actions" (calls at given times, "as" bindings and "${...}"
// references) and "expect" (statuses, counts, invariants), and the checks that need the whole
// scenario (references bound before use, requests AWS would refuse whatever the state).
#pragma once

#include "scenarios/detail/checker.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios::detail {

void parse_actions(checker& c, const json& actions, scenario& out);
void parse_expect(checker& c, const json& expect, scenario& out);
/// Checks across sections, once every section is parsed.
void cross_checks(checker& c, scenario& out);

}  // namespace scenarios::detail

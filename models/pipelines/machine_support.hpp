// What the three state machine translation units share without seeing each other's MSM types.
#pragma once

#include "sim/error.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace models::pipelines::detail {

/// Throws the model_error for an event a machine has no row for, or an exception an action threw.
/// Machines never throw through MSM: no_transition and exception_caught only note the problem,
/// and the facade throws after process_event returns, so the back-end's bookkeeping stays intact.
[[noreturn]] inline void raise(sim::simulation& s, const std::string& machine,
                               const std::string& problem) {
  if (s.trace().enabled()) {
    s.record("pipeline.model_error", {{"machine", machine}, {"problem", problem}});
  }
  throw sim::model_error(machine + ": " + problem, s.now(), s.trace().size());
}

}  // namespace models::pipelines::detail

// The exploration engine's internals that tests and the benchmark reach (never installed).
#pragma once

#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"

#include <cstdint>
#include <optional>
#include <pipesim/explore.hpp>
#include <string>
#include <vector>

namespace pipesim::detail {

/// Applies a profile to run options (knobs, crash probability).
void apply_faults(scenarios::run_options& options, const fault_profile& profile);

/// plan_heal on the parsed scenario.
heal_plan plan_heal(const scenarios::scenario& sc,
                    const std::map<std::string, consumer_factory>& consumers,
                    std::optional<sim::time_us> heal_at_us,
                    std::optional<sim::time_us> heal_deadline_us);

/// What shrinking starts from: the failing run of an exploration.
struct failing_run {
  std::uint64_t run_index = 0;
  std::uint64_t seed = 0;
  fault_profile profile;
  std::vector<std::uint64_t> picks;
  std::string failed_check;  ///< check_result::id
};

/// Shrinks a failing schedule: fewer and smaller picks (nominal past the end), fault classes off,
/// as long as the same check still fails; then runs the shrunk schedule once more, traced.
explore_failure shrink(const scenarios::scenario& sc, const explore_options& options,
                       const failing_run& run, const heal_plan& heal);

}  // namespace pipesim::detail

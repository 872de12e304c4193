// An exploration's report as JSON: what `pipesim explore --json` prints, less where the scenario
// came from and where the failing run's trace was written (the command adds those).
#include "sim/time.hpp"

#include <pipesim/explore.hpp>

namespace pipesim {

using nlohmann::json;

namespace {

// Whether the shrunk run, as traced, fails the check the original run failed.
bool reproduces(const explore_failure& f) {
  for (const auto* checks : {&f.report.invariants, &f.report.expectations}) {
    for (const check_result& c : *checks) {
      if (!c.ok && c.id == f.failed_check) return true;
    }
  }
  return false;
}

}  // namespace

json explore_result::to_json() const {
  json out{{"runs", runs},
           {"events", events},
           {"seconds", seconds},
           {"runs_executed", runs_executed},
           {"runs_per_second", seconds > 0 ? static_cast<double>(runs_executed) / seconds : 0},
           {"sim_seconds", static_cast<double>(sim_time_us) / sim::k_second_us},
           {"heal_at", sim::format_duration(heal_at_us)},
           {"heal_deadline", sim::format_duration(heal_deadline_us)},
           {"reached_before_heal",
            {{"callback_message", runs_reaching_callback_message},
             {"receive", runs_reaching_receive},
             {"answer", runs_reaching_answer}}},
           {"warnings", warnings},
           {"ok", ok()}};
  json situations = json::array();
  std::uint64_t reached = 0;
  for (const situation_coverage& c : coverage) {
    situations.push_back(
        {{"id", c.id}, {"description", c.description}, {"runs", c.runs}, {"hits", c.hits}});
    if (c.runs > 0) ++reached;
  }
  out["coverage"] = {{"situations", situations}, {"reached", reached}, {"of", coverage.size()}};
  out["unreached_required"] = unreached_required;
  if (!failure) return out;
  const explore_failure& f = *failure;
  json deviations = json::array();
  for (const deviation& d : f.deviations) {
    deviations.push_back({{"position", d.position},
                          {"at_us", d.at_us},
                          {"at", sim::format_duration(d.at_us)},
                          {"label", d.label},
                          {"pick", d.pick},
                          {"options", d.options}});
  }
  out["failure"] = {{"run", f.run_index},
                    {"run_seed", f.seed},
                    {"check", f.failed_check},
                    {"fault_profile", f.original_fault_profile.to_json()},
                    {"fault_profile_text", f.original_fault_profile.to_string()},
                    {"shrunk_fault_profile", f.fault_profile.to_json()},
                    {"shrunk_fault_profile_text", f.fault_profile.to_string()},
                    {"original_choices", f.original_choices},
                    {"schedule", f.picks},
                    {"deviations", deviations},
                    {"shrink_runs", f.shrink_runs},
                    {"shrink_seconds", f.shrink_seconds},
                    {"heal_at", sim::format_duration(f.heal_at_us)},
                    {"heal_deadline", sim::format_duration(f.heal_deadline_us)},
                    {"reproduces", reproduces(f)},
                    {"report", f.report.to_json()}};
  return out;
}

}  // namespace pipesim

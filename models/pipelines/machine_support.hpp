// What the three state machine translation units share without seeing each other's MSM types.
// Included only by those translation units: it brings in MSM's front-end.
#pragma once

#include "sim/error.hpp"
#include "sim/simulation.hpp"

#include <boost/msm/front/state_machine_def.hpp>
#include <nlohmann/json.hpp>

#include <exception>
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

/// A state whose entry publishes `Status` as the machine's current status, so the facade reads
/// one value instead of asking MSM which state is active.
template <auto Status>
struct publishing_state : boost::msm::front::state<> {
  template <class Event, class Fsm>
  void on_entry(const Event&, Fsm& fsm) {
    fsm.status = Status;
  }
};

/// Front-end base of every machine: MSM's default no_transition and exception_caught assert, so
/// these only note the problem for process_or_raise to report.
template <class Derived, class Status, Status Initial>
struct reporting_def : boost::msm::front::state_machine_def<Derived> {
  template <class Event, class Fsm>
  void no_transition(const Event&, Fsm&, int) {
    problem =
        std::string("no transition from ") + std::string(to_string(status)) + " on " + Event::name;
  }
  template <class Event, class Fsm>
  void exception_caught(const Event&, Fsm&, std::exception& e) {
    problem = std::string("exception in action on ") + Event::name + ": " + e.what();
  }

  Status status = Initial;
  std::string problem;
};

/// Processes `e` and throws the model_error for whatever problem the machine noted.
template <class Fsm, class Event>
void process_or_raise(Fsm& fsm, const Event& e, sim::simulation& s, const std::string& machine) {
  fsm.process_event(e);
  if (!fsm.problem.empty()) {
    std::string problem;
    problem.swap(fsm.problem);
    raise(s, machine, problem);
  }
}

}  // namespace models::pipelines::detail

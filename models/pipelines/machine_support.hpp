// What the three state machine translation units share without seeing each other's MSM types.
// Included only by those translation units: it brings in MSM's front-end.
#pragma once

#include "models/pipelines/effects.hpp"
#include "sim/error.hpp"
#include "sim/simulation.hpp"

#include <boost/mpl/for_each.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>
#include <nlohmann/json.hpp>

#include <exception>
#include <string>
#include <type_traits>
#include <vector>

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

/// A state whose entry publishes `Status` and the state's name as the machine's current status,
/// so the facade reads one value instead of asking MSM which state is active. `Derived` names
/// itself (`static constexpr const char* name`), as the table spells it.
template <class Derived, auto Status>
struct publishing_state : boost::msm::front::state<> {
  template <class Event, class Fsm>
  void on_entry(const Event&, Fsm& fsm) {
    fsm.status = Status;
    fsm.state_name = Derived::name;
  }
};

/// A row's action: asks the service for `E` (see effects.hpp). At most one per transition.
template <effect E>
struct ask {
  template <class Event, class Fsm, class Source, class Target>
  void operator()(const Event&, Fsm& fsm, Source&, Target&) const {
    fsm.requested = E;
  }
};

template <class T>
std::string name_of() {
  if constexpr (std::is_same_v<T, boost::msm::front::none>) {
    return "none";
  } else {
    return T::name;
  }
}
template <effect E>
std::string action_name(const ask<E>*) {
  return std::string(to_string(E));
}
inline std::string action_name(const boost::msm::front::none*) { return "none"; }

/// The rows of an MSM functor-row table, by name, in table order.
template <class Table>
std::vector<table_row> rows_of() {
  std::vector<table_row> rows;
  boost::mpl::for_each<Table, boost::mpl::make_identity<>>([&](auto identity) {
    using row = typename decltype(identity)::type;
    rows.push_back({name_of<typename row::Source>(), std::string(row::Evt::name),
                    name_of<typename row::Target>(),
                    action_name(static_cast<const typename row::Action*>(nullptr)),
                    name_of<typename row::Guard>()});
  });
  return rows;
}

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
  const char* state_name = "";
  effect requested = effect::none;
  std::string problem;
};

/// Processes `e`, throws the model_error for whatever problem the machine noted, and returns the
/// effect the row asked for.
template <class Fsm, class Event>
effect process_or_raise(Fsm& fsm, const Event& e, sim::simulation& s, const std::string& machine) {
  fsm.requested = effect::none;
  const char* from = fsm.state_name;
  fsm.process_event(e);
  if (!fsm.problem.empty()) {
    std::string problem;
    problem.swap(fsm.problem);
    raise(s, machine, problem);
  }
  // Every row is a situation worth reaching (situations() lists them): the machine's kind is
  // the first word of `machine` ("callback <token>").
  s.reach(row_situation(std::string_view(machine).substr(0, machine.find(' ')), from, Event::name));
  return fsm.requested;
}

}  // namespace models::pipelines::detail

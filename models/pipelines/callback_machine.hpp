// A callback step's own path (token issued, message sent, waiting, Stopping message sent,
// answered) as a Boost.MSM machine, behind a facade so that nothing else includes MSM.
#pragma once

#include "models/pipelines/effects.hpp"
#include "models/pipelines/events.hpp"
#include "models/pipelines/statuses.hpp"
#include "sim/simulation.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace models::pipelines {

struct callback_fsm;  // The MSM back-end; defined in callback_machine.cpp only.

/// One callback attempt: starts in token_issued. The table has no row for a second answer or a
/// second Stopping message, so "resolved at most once" and "at most one Stopping message" are
/// enforced here: breaking either throws sim::model_error.
class callback_machine {
 public:
  callback_machine(sim::simulation& s, std::string name);
  ~callback_machine();
  callback_machine(const callback_machine&) = delete;
  callback_machine& operator=(const callback_machine&) = delete;

  callback_state state() const noexcept;
  /// The current state as the table names it ("token_issued", ...).
  std::string_view state_name() const noexcept;

  /// The transition table, row by row (the same rows the machine runs).
  static const std::vector<table_row>& table();

  /// Applies the table row for `e` (see callback_machine.cpp) and returns the effect the row asks
  /// the service for. Instantiated there for exactly the events the table has rows for, so
  /// processing any other event fails to link.
  template <class Event>
  effect process(const Event& e);

 private:
  sim::simulation& sim_;
  std::string name_;
  std::unique_ptr<callback_fsm> fsm_;
};

}  // namespace models::pipelines

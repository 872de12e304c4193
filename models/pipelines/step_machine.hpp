// A pipeline step's lifecycle (StepStatus) as a Boost.MSM machine, behind a facade so that nothing
// outside step_machine.cpp includes MSM. The callback step's own path is callback_machine.
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

struct step_fsm;  // The MSM back-end; defined in step_machine.cpp only.

/// Starts in Starting. An event without a row in the table (step_machine.cpp) throws
/// sim::model_error with time and trace position and leaves the status unchanged.
class step_machine {
 public:
  /// `name` identifies the machine in errors ("<execution arn>/<step name>").
  step_machine(sim::simulation& s, std::string name);
  ~step_machine();
  step_machine(const step_machine&) = delete;
  step_machine& operator=(const step_machine&) = delete;

  step_status status() const noexcept;
  /// The current state as the table names it ("starting", ...).
  std::string_view state_name() const noexcept;

  /// The transition table, row by row (the same rows the machine runs).
  static const std::vector<table_row>& table();

  /// Applies the table row for `e` (see step_machine.cpp) and returns the effect the row asks the
  /// service for. Instantiated there for exactly the events the table has rows for, so processing
  /// any other event fails to link.
  template <class Event>
  effect process(const Event& e);

 private:
  sim::simulation& sim_;
  std::string name_;
  std::unique_ptr<step_fsm> fsm_;
};

}  // namespace models::pipelines

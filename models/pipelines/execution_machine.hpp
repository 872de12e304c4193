// A pipeline execution's lifecycle (PipelineExecutionStatus) as a Boost.MSM machine, behind a
// facade so that nothing outside execution_machine.cpp includes MSM.
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

struct execution_fsm;  // The MSM back-end; defined in execution_machine.cpp only.

/// Starts in Executing. Each process() applies one row of the table in execution_machine.cpp;
/// an event without a row throws sim::model_error (with time and trace position) and leaves the
/// status unchanged.
class execution_machine {
 public:
  /// `name` identifies the machine in errors (the execution ARN).
  execution_machine(sim::simulation& s, std::string name);
  ~execution_machine();
  execution_machine(const execution_machine&) = delete;
  execution_machine& operator=(const execution_machine&) = delete;

  execution_status status() const noexcept;
  /// The current state as the table names it ("executing", ...).
  std::string_view state_name() const noexcept;

  /// The transition table, row by row (the same rows the machine runs).
  static const std::vector<table_row>& table();

  /// Applies the table row for `e` (see execution_machine.cpp) and returns the effect the row asks
  /// the service for. Instantiated there for exactly the events the table has rows for, so
  /// processing any other event fails to link.
  template <class Event>
  effect process(const Event& e);

 private:
  sim::simulation& sim_;
  std::string name_;
  std::unique_ptr<execution_fsm> fsm_;
};

}  // namespace models::pipelines

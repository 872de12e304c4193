// A pipeline execution's lifecycle (PipelineExecutionStatus) as a Boost.MSM machine, behind a
// facade so that nothing outside execution_machine.cpp includes MSM.
#pragma once

#include "models/pipelines/events.hpp"
#include "models/pipelines/statuses.hpp"
#include "sim/simulation.hpp"

#include <memory>
#include <string>

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

  void process(const events::stop_requested& e);
  void process(const events::all_steps_succeeded& e);
  void process(const events::execution_failed& e);
  void process(const events::running_steps_stopped& e);
  void process(const events::stop_ended_in_failure& e);
  void process(const events::execution_timed_out& e);
  void process(const events::retry_requested& e);

 private:
  template <class Event>
  void dispatch(const Event& e);
  sim::simulation& sim_;
  std::string name_;
  std::unique_ptr<execution_fsm> fsm_;
};

}  // namespace models::pipelines

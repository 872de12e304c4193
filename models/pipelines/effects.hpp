// What a transition asks the service to do. The state machines decide *what* happens on an event
// (their tables are the behaviour spec); the service carries the effect out after the transition
// is on record, so an effect that drives another machine never re-enters the one that asked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace models::pipelines {

enum class effect {
  none,
  // Execution.
  stop_running_steps,  ///< [AR-Stop]: steps not started never start; running ones are stopped.
  rerun_ended_steps,   ///< RetryPipelineExecution: Failed and Stopped steps run again.
  // Step.
  stop_work,  ///< A job stops after its stop latency; a Lambda function runs on;
              ///< a callback step's path is told (see the callback table).
  // Callback path.
  start_callback_timer,   ///< The callback step's timeout starts when its message is sent.
  send_stopping_message,  ///< [AR-Stop]: one more message, status Stopping, the same token.
  abandon_message_send,   ///< Stopped while the first message was still being retried.
  end_step_succeeded,     ///< SendPipelineExecutionStepSuccess: the step succeeds.
  end_step_failed,        ///< SendPipelineExecutionStepFailure: the step fails.
  end_stopping_step_after_success,  ///< An answer while stopping ends the step (knobs say how).
  end_stopping_step_after_failure,
  fail_step_timed_out,  ///< No answer within the callback timeout: the step fails.
};

/// snake_case name, as the tables spell it.
std::string_view to_string(effect e) noexcept;

/// One row of a transition table, by name, for documentation and table-driven tests.
struct table_row {
  std::string from, event, to, action, guard;
};

/// The three tables as Markdown, the form models/pipelines/README.md carries (a test compares).
std::string transition_tables_markdown();

/// The situation id of a table row: "sagemaker.<machine>.<from>.<event>" (machine: execution,
/// step or callback). A state has one row per event, so the start state and the event name it.
std::string row_situation(std::string_view machine, std::string_view from, std::string_view event);

}  // namespace models::pipelines

// AWS status enumerations of pipeline executions and steps, and the callback path's own states.
#pragma once

#include <optional>
#include <string_view>

namespace models::pipelines {

/// PipelineExecutionStatus [M].
enum class execution_status { executing, stopping, stopped, failed, succeeded };
/// StepStatus [M].
enum class step_status { starting, executing, stopping, stopped, failed, succeeded };
/// Where a callback step is on its own path (not an AWS enum; pipesim's view of the token).
enum class callback_state {
  token_issued,
  waiting_for_answer,
  stopping_message_pending,  ///< Stop requested; the Stopping message has yet to leave.
  stopping_message_sent,     ///< Waiting for the answer after the Stopping message (or its
                             ///< failed send).
  answered_success,
  answered_failure,
  message_send_failed,
  timed_out,
};

/// AWS spelling: "Executing", "Stopping", ...
std::string_view to_string(execution_status s) noexcept;
std::string_view to_string(step_status s) noexcept;
/// snake_case name of the state: "waiting_for_answer", ...
std::string_view to_string(callback_state s) noexcept;

std::optional<execution_status> parse_execution_status(std::string_view s) noexcept;
std::optional<step_status> parse_step_status(std::string_view s) noexcept;

constexpr bool is_terminal(execution_status s) noexcept {
  return s == execution_status::stopped || s == execution_status::failed ||
         s == execution_status::succeeded;
}
constexpr bool is_terminal(step_status s) noexcept {
  return s == step_status::stopped || s == step_status::failed || s == step_status::succeeded;
}

}  // namespace models::pipelines

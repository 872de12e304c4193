// Events of the pipelines state machines: data-only facts, shared by the facades and the machines.
#pragma once

namespace models::pipelines::events {

// Each event names what happened, in the past tense. `name` is what a model_error reports.
// clang-format off

// Pipeline execution.
struct stop_requested { static constexpr const char* name = "stop_requested"; };
struct all_steps_succeeded { static constexpr const char* name = "all_steps_succeeded"; };
struct execution_failed { static constexpr const char* name = "execution_failed"; };
struct running_steps_stopped { static constexpr const char* name = "running_steps_stopped"; };
struct stop_ended_in_failure { static constexpr const char* name = "stop_ended_in_failure"; };
struct execution_timed_out { static constexpr const char* name = "execution_timed_out"; };
struct retry_requested { static constexpr const char* name = "retry_requested"; };

// Step (stop_requested and retry_requested are shared with the execution).
struct step_started { static constexpr const char* name = "step_started"; };
struct work_succeeded { static constexpr const char* name = "work_succeeded"; };
struct work_failed { static constexpr const char* name = "work_failed"; };
struct attempt_failed_will_retry { static constexpr const char* name = "attempt_failed_will_retry"; };
struct stop_confirmed { static constexpr const char* name = "stop_confirmed"; };

// Callback step's own path.
struct callback_message_sent { static constexpr const char* name = "callback_message_sent"; };
struct callback_message_send_failed { static constexpr const char* name = "callback_message_send_failed"; };
struct stopping_message_sent { static constexpr const char* name = "stopping_message_sent"; };
struct stopping_message_send_failed { static constexpr const char* name = "stopping_message_send_failed"; };
struct callback_answered_success { static constexpr const char* name = "callback_answered_success"; };
struct callback_answered_failure { static constexpr const char* name = "callback_answered_failure"; };
struct callback_timed_out { static constexpr const char* name = "callback_timed_out"; };
// clang-format on

}  // namespace models::pipelines::events

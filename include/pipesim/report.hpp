// What one run of a scenario reports: every expectation and invariant, the executions and actions,
// the choices made (to replay it) and, when asked, the trace.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pipesim {

/// One expectation or invariant outcome.
struct check_result {
  /// Stable: an invariant's name ("liveness"), "model_error", or for an expectation its place in
  /// the file ("expect.execution.run.status", "expect.queue.callbacks.sent", "expect.action.1").
  /// Tools and tests match this, never the sentence.
  std::string id;
  std::string name;  ///< The sentence: "execution run is Stopped".
  bool ok = true;
  std::string detail;
};

struct action_outcome {
  std::size_t index = 0;
  std::string call;
  std::int64_t at_us = 0;
  bool ok = false;
  std::string error_code;     ///< When !ok.
  std::string error_message;  ///< When !ok.
  nlohmann::json response;    ///< When ok.
  bool ran = false;           ///< False if the run ended before the action's time.
};

struct execution_outcome {
  std::string name;  ///< The "as" name that bound it.
  std::string arn;
  std::string status;
  std::string failure_reason;  ///< FailureReason, when it has one.
  struct step {
    std::string name;
    std::string status;          ///< StepStatus.
    std::string failure_reason;  ///< FailureReason, when it has one.
  };
  std::vector<step> steps;  ///< In start order.
};

/// One answer to a choice point, in the order the run asked them.
struct choice_record {
  std::string label;
  std::uint64_t options = 0;
  std::uint64_t pick = 0;  ///< 0 is the nominal option.
  std::int64_t at_us = 0;
};

/// One external effect a consumer recorded (context::created / deleted).
struct effect_record {
  std::int64_t at_us = 0;
  std::string consumer;
  std::string resource;
  std::string token;    ///< Callback token the resource works for ("" if none).
  bool created = true;  ///< false: deleted.
};

/// When the things faults are meant to hit first happened in a run (unset: never). Exploration
/// compares them with its heal point: faults that end before the first callback message, receive
/// or answer never touched what the scenario is about.
struct run_milestones {
  std::optional<std::int64_t> first_callback_message_us;  ///< SageMaker's first SQS send.
  std::optional<std::int64_t> first_receive_us;           ///< A consumer got its first message.
  std::optional<std::int64_t> first_answer_us;            ///< A consumer's first Send* call.
  std::optional<std::int64_t> last_activity_us;           ///< The latest of any of those.
  /// Since when every execution has been terminal (unset if one is not, at the end).
  std::optional<std::int64_t> all_terminal_us;
};

struct run_report {
  std::uint64_t seed = 0;
  std::string profile;  ///< The knob profile: ideal, aws_documented or adversarial.
  std::string strategy;
  std::string stop_reason;
  std::int64_t sim_time_us = 0;
  std::uint64_t events = 0;
  std::uint64_t trace_records = 0;
  std::uint64_t digest = 0;
  std::vector<std::uint64_t> choices;     ///< Every pick, in order: what a replay needs.
  std::vector<choice_record> choice_log;  ///< The same picks with their labels and times.
  nlohmann::json knobs;                   ///< Resolved: {"sqs": {...}, "sagemaker": {...}}.
  std::vector<execution_outcome> executions;
  std::vector<action_outcome> actions;
  std::vector<check_result> expectations;
  std::vector<check_result> invariants;
  std::vector<std::string> trace_lines;  ///< When trace lines were kept.
  std::vector<effect_record> effects;    ///< Every created/deleted, in order.
  std::vector<std::string> leaked;       ///< Resources still alive at the end.
  run_milestones milestones;
  /// Behaviour coverage: how often the run reached each situation it reached, by id (see
  /// scenarios::situations).
  std::map<std::string, std::uint64_t> reached;

  bool ok() const noexcept;
  /// The --json shape of `pipesim run`.
  nlohmann::json to_json() const;
};

}  // namespace pipesim

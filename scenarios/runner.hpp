// Runs a scenario: builds the simulated SQS and SageMaker, starts the consumers, plays the
// actions, checks the built-in invariants after every event and the expectations at the end.
#pragma once

#include "scenarios/consumer_host.hpp"
#include "scenarios/scenario.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <pipesim/consumer.hpp>
#include <string>
#include <vector>

namespace scenarios {

struct run_options {
  std::optional<std::uint64_t> seed;        ///< Overrides the scenario's seed.
  std::unique_ptr<sim::strategy> strategy;  ///< Default: random_strategy(seed).
  std::ostream* trace_sink = nullptr;       ///< Receives every trace line as it is recorded.
  bool keep_trace_lines = false;
  /// False: record nothing (exploration's speed); the digest then covers nothing either.
  bool trace = true;
  /// Consumers to run instead of the built-in behaviour of the scenario's consumer of that name
  /// (its queue and polling settings still apply). A name the scenario lacks is an error.
  std::map<std::string, pipesim::consumer_factory> consumers;
  /// Knob values over the scenario's own "knobs" (same names, same validation).
  nlohmann::json knob_overrides = nlohmann::json::object();
  /// Injected process crashes for every consumer (see host_options).
  host_options hosts;
  /// Exploration's heal phase. From `heal_at_us` on no fault strikes (the strategy sees to that),
  /// so a live system converges: by `heal_at_us + heal_deadline_us` every execution must be
  /// terminal and every message of a consumed queue gone, or `liveness` fails there (the run ends
  /// at that time at the latest). Unset: a plain run, whose liveness is judged at its end.
  std::optional<sim::time_us> heal_at_us;
  std::optional<sim::time_us> heal_deadline_us;
};

/// When the things faults are meant to hit first happened in a run (unset: never). Exploration
/// compares them with its heal point: faults that end before the first callback message, receive
/// or answer never touched what the scenario is about.
struct run_milestones {
  std::optional<sim::time_us> first_callback_message_us;  ///< SageMaker's first SQS send.
  std::optional<sim::time_us> first_receive_us;           ///< A consumer got its first message.
  std::optional<sim::time_us> first_answer_us;            ///< A consumer's first Send* call.
  std::optional<sim::time_us> last_activity_us;           ///< The latest of any of those.
  /// Since when every execution has been terminal (unset if one is not, at the end).
  std::optional<sim::time_us> all_terminal_us;
};

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
  sim::time_us at_us = 0;
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

struct run_report {
  std::uint64_t seed = 0;
  std::string profile;
  std::string strategy;
  std::string stop_reason;
  sim::time_us sim_time_us = 0;
  std::uint64_t events = 0;
  std::uint64_t trace_records = 0;
  std::uint64_t digest = 0;
  std::vector<std::uint64_t> choices;          ///< Every pick, for replay_strategy.
  std::vector<sim::choice_record> choice_log;  ///< The same picks with their labels and times.
  nlohmann::json knobs;                        ///< Resolved: {"sqs": {...}, "sagemaker": {...}}.
  std::vector<execution_outcome> executions;
  std::vector<action_outcome> actions;
  std::vector<check_result> expectations;
  std::vector<check_result> invariants;
  std::vector<std::string> trace_lines;  ///< When run_options::keep_trace_lines.
  std::vector<effect_record> effects;    ///< Every created/deleted, in order.
  std::vector<std::string> leaked;       ///< Resources still alive at the end.
  run_milestones milestones;

  bool ok() const noexcept;
  /// The --json shape of `pipesim run`.
  nlohmann::json to_json() const;
};

/// Errors the AWS SDKs' standard retry mode retries: HTTP 500/502/503/504, the transient codes
/// and the throttling codes.
bool retryable(const models::api_error& e) noexcept;

/// Runs one scenario. A model meeting an event it has no transition for ends the run with a
/// failed "model_error" check (time, trace position and seed in its detail). Throws
/// scenario_error if SQS refuses a queue the scenario describes.
run_report run_scenario(const scenario& sc, run_options options = {});

}  // namespace scenarios

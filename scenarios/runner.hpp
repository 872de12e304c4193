// Runs a scenario: builds the simulated SQS and SageMaker, starts the consumers, plays the
// actions, checks the built-in invariants after every event and the expectations at the end.
#pragma once

#include "scenarios/consumer_host.hpp"
#include "scenarios/scenario.hpp"
#include "sim/simulation.hpp"

#include <pipesim/consumer.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace models::sqs {
class service;
}
namespace models::pipelines {
class service;
}

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
};

/// One expectation or invariant outcome.
struct check_result {
  std::string name;
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
  std::vector<std::pair<std::string, std::string>> steps;  ///< (step, StepStatus) in start order.
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
  std::vector<std::uint64_t> choices;  ///< Every pick, for replay_strategy.
  std::vector<sim::choice_record> choice_log;  ///< The same picks with their labels and times.
  nlohmann::json knobs;                ///< Resolved: {"sqs": {...}, "sagemaker": {...}}.
  std::vector<execution_outcome> executions;
  std::vector<action_outcome> actions;
  std::vector<check_result> expectations;
  std::vector<check_result> invariants;
  std::vector<std::string> trace_lines;  ///< When run_options::keep_trace_lines.
  std::vector<effect_record> effects;    ///< Every created/deleted, in order.
  std::vector<std::string> leaked;       ///< Resources still alive at the end.

  bool ok() const noexcept;
  /// The --json shape of `pipesim run`.
  nlohmann::json to_json() const;
};

/// Errors an SDK retries (spec sagemaker.md, "Common AWS errors and SDK retry").
bool retryable(const models::api_error& e) noexcept;

/// Runs one scenario. A model meeting an event it has no transition for ends the run with a
/// failed "model_error" check (time, trace position and seed in its detail). Throws
/// scenario_error if SQS refuses a queue the scenario describes.
run_report run_scenario(const scenario& sc, run_options options = {});

/// A scenario's world driven step by step from outside (`pipesim serve`): the same queues,
/// pipelines, consumers, actions and checks as run_scenario, but virtual time moves only through
/// advance(), and callers may use the services between steps (at the current virtual time).
class stepped_run {
 public:
  stepped_run(const scenario& sc, run_options options = {});
  ~stepped_run();
  stepped_run(const stepped_run&) = delete;
  stepped_run& operator=(const stepped_run&) = delete;

  /// Creates queues and pipelines, starts consumers and schedules actions. Call once, first.
  void start();
  /// Runs events up to limits.horizon_us (the clock then stands there even if nothing ran).
  /// A model error ends the world: it is reported as a failed "model_error" check and later
  /// calls run nothing. Returns the simulation's reason for stopping. With `until_quiescent`
  /// it returns as soon as every execution is terminal and nothing is in flight, as a run does.
  sim::run_result advance(const sim::run_limits& limits, bool until_quiescent = false);
  /// Whether a model error has ended the world.
  bool failed() const noexcept;
  /// The report as of now (the run goes on): what run_scenario returns at the end of a run.
  run_report report();

  sim::simulation& simulation() noexcept;
  models::sqs::service& sqs() noexcept;
  models::pipelines::service& sagemaker() noexcept;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace scenarios

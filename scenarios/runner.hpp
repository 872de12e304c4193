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
#include <pipesim/lambda.hpp>
#include <pipesim/report.hpp>
#include <string>
#include <string_view>
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
  /// Handlers to run instead of the built-in handler of the scenario's Lambda consumer of that
  /// name. A name the scenario lacks (or that is no Lambda consumer) is an error.
  std::map<std::string, pipesim::lambda::handler_factory> lambda_handlers;
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

// The report is public vocabulary (<pipesim/report.hpp>); the runner fills it.
using pipesim::action_outcome;
using pipesim::check_result;
using pipesim::execution_outcome;
using pipesim::run_milestones;
using pipesim::run_report;

/// Errors the AWS SDKs' standard retry mode retries: HTTP 500/502/503/504, the transient codes
/// and the throttling codes.
bool retryable(std::string_view code, int http_status) noexcept;

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

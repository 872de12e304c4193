// One run of a scenario, from a seed: the simulated SQS and SageMaker, the scenario's consumers
// (or yours), its actions, every invariant checked after every event and the expectations at
// the end.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <pipesim/consumer.hpp>
#include <pipesim/lambda.hpp>
#include <pipesim/report.hpp>
#include <pipesim/scenario.hpp>
#include <string>
#include <vector>

namespace pipesim {

/// Who answers the run's choice points (which racing actor goes first, whether a fault strikes,
/// how long a delay lasts).
enum class run_strategy {
  random,   ///< Seeded random picks, each fault at its knob's probability.
  nominal,  ///< Option 0 everywhere: no fault, first-in first-out, shortest delays.
  pct,      ///< Probabilistic concurrency testing with its default depth.
};

struct run_options {
  std::optional<std::uint64_t> seed;  ///< Default: the scenario's.
  run_strategy strategy = run_strategy::random;
  /// Replays these picks, one per choice point in order (nominal past the end), instead of
  /// asking `strategy`: what explore_failure::replay_options() and a recorded run give.
  std::optional<std::vector<std::uint64_t>> picks;
  bool keep_trace = false;  ///< Keep the trace lines in the report.
  /// Consumers replacing the built-in behaviour of the scenario's consumers of those names (their
  /// queue and polling settings still apply). A name the scenario lacks is a scenario_error.
  std::map<std::string, consumer_factory> consumers;
  /// Handlers replacing the built-in handler of the scenario's Lambda consumers of those names
  /// (their mapping settings still apply). A name the scenario lacks is a scenario_error.
  std::map<std::string, lambda::handler_factory> lambda_handlers;
  /// Knob values over the scenario's own "knobs" (same names, same validation).
  nlohmann::json knob_overrides = nlohmann::json::object();
  /// Probability that a consumer process dies at each crash point (0: only when it asks).
  double crash_probability = 0.0;
  /// Exploration's heal phase: from `heal_at` on nothing fails, and the run must settle within
  /// `heal_deadline` (else `liveness` fails). Unset: a plain run.
  std::optional<duration> heal_at;
  std::optional<duration> heal_deadline;
};

/// Runs the scenario once. Throws scenario_error for consumers the scenario lacks.
run_report run(const scenario& sc, const run_options& options = {});

}  // namespace pipesim

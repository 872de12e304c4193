// Exploration: run a scenario under many schedules and fault profiles, find a run that breaks an
// expectation or an invariant, and shrink it to a minimal schedule that still does.
//
// Every run has two phases (as TigerBeetle's VOPR does). In the safety phase the run's fault
// profile is on and the strategy decides every race; invariants are checked after every event.
// From `heal_at` on, every choice point takes its nominal option: no fault, first-in first-out,
// shortest delays; consumers restart healthy. At the end liveness is checked: every execution
// terminal. A bug that only shows as "never finishes" is thereby told apart from bad luck.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <pipesim/consumer.hpp>
#include <pipesim/lambda.hpp>
#include <pipesim/report.hpp>
#include <pipesim/run.hpp>
#include <pipesim/scenario.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace pipesim {

/// A swarm configuration: which fault classes are on in one run, and how hard they hit.
/// Swarm testing (Groce et al., ISSTA 2012): turning whole classes off in some runs finds bugs
/// that one always-on mix hides, e.g. a duplicate-delivery bug masked by crashes that happen first.
struct fault_profile {
  double duplicates = 0;       ///< sqs.duplicate.probability: a copy per send/receive.
  bool reordering = false;     ///< sqs.reorder.window widened: deliveries out of send order.
  double crashes = 0;          ///< Consumer process crash probability at each crash point.
  double throttling = 0;       ///< SageMaker ThrottlingException probability per call.
  double server_errors = 0;    ///< 5xx (InternalFailure/ServiceUnavailable) per call, both APIs.
  bool stale_handles = false;  ///< sqs.stale_delete.policy: deleting with an old handle may fail.
  bool delays = false;         ///< API latency, send-to-visible latency, Stopping message delay.

  /// "duplicates=0.05 reordering=on crashes=off ..." (every class, in this order).
  std::string to_string() const;
  nlohmann::json to_json() const;
  /// Throws std::invalid_argument naming the bad member.
  static fault_profile from_json(const nlohmann::json& j);
  /// The knob values that realise the profile (run_options::knob_overrides).
  nlohmann::json knob_overrides() const;
  /// Number of classes on.
  int classes_on() const;
  bool operator==(const fault_profile& o) const;
};

/// One swarm fault class. Every function that handles profiles (printing, parsing, drawing,
/// shrinking, generating) iterates fault_classes(), so a new class is one row there.
struct fault_class {
  const char* name;
  double fault_profile::*rate;  ///< A class with a rate (0 = off), or nullptr.
  bool fault_profile::*toggle;  ///< A class that is on or off, or nullptr.
  /// Sets the knobs (run_options::knob_overrides) that realise the class; an off
  /// class sets them to their ideal values.
  void (*apply)(const fault_profile& p, nlohmann::json& knobs);

  bool on(const fault_profile& p) const { return rate ? p.*rate > 0 : p.*toggle; }
  /// Turns the class on (at `r` for a rate class) or off.
  void set(fault_profile& p, bool on, double r) const {
    if (rate) {
      p.*rate = on ? r : 0.0;
    } else {
      p.*toggle = on;
    }
  }
};

/// The seven fault classes, in the order profiles print and draw them.
const std::vector<fault_class>& fault_classes();

/// The profile of run `run_seed`: each class on with probability 1/2, its rate drawn from a small
/// set of decades. A pure function of the seed.
fault_profile swarm_profile(std::uint64_t run_seed);

/// The seed of run `index` of an exploration started from `seed`.
std::uint64_t run_seed(std::uint64_t seed, std::uint64_t index);

/// The heal phase of an exploration: when faults stop, and by when the run must have settled.
struct heal_plan {
  std::int64_t heal_at_us = 0;
  std::int64_t heal_deadline_us = 0;
  run_milestones nominal;  ///< Of the nominal run the defaults are derived from.
};

/// Derives the heal phase from the scenario's nominal run (every choice nominal, no fault; with
/// `consumers` replacing built-in ones as in explore_options). Faults stay on until every
/// execution of that run is terminal (or, if one never is, until its last callback message,
/// receive or answer), plus a quarter of that time and at least five minutes, and never end
/// before five minutes after the last action: so they reach the work the scenario is about. The
/// deadline is what a healed run needs to settle: the nominal run's span again, plus two of the
/// longest visibility timeout of a consumed queue, the longest queue delay, the longest consumer
/// work and cleanup, and ten minutes. Given values are kept as they are.
heal_plan plan_heal(const scenario& sc,
                    const std::map<std::string, consumer_factory>& consumers = {},
                    std::optional<duration> heal_at = std::nullopt,
                    std::optional<duration> heal_deadline = std::nullopt);

/// Who answers the choice points of an exploration's safety phase.
enum class explore_strategy {
  random,  ///< Seeded random picks per run, under the run's swarm fault profile.
  pct,     ///< Probabilistic concurrency testing (depth pct_depth), under the same profiles.
};

struct explore_options {
  std::uint64_t runs = 1000;
  std::uint64_t seed = 1;
  explore_strategy strategy = explore_strategy::random;
  std::uint32_t pct_depth = 3;            ///< PCT's bug depth d.
  unsigned jobs = 1;                      ///< Worker threads; results do not depend on it.
  std::optional<duration> heal_at;        ///< Default: plan_heal(scenario).
  std::optional<duration> heal_deadline;  ///< Default: plan_heal(scenario).
  /// Fix the fault profile instead of drawing one per run (swarm).
  std::optional<pipesim::fault_profile> fault_profile;
  bool shrink = true;
  std::uint64_t max_shrink_runs = 5000;
  /// Consumers replacing the scenario's built-in ones (see run_options::consumers).
  std::map<std::string, consumer_factory> consumers;
  /// Handlers replacing the built-in handlers of the scenario's Lambda consumers (see
  /// run_options::lambda_handlers). The default heal point comes from a nominal run with the
  /// built-in handlers.
  std::map<std::string, lambda::handler_factory> lambda_handlers;
  /// Called after each batch of runs with (runs done, runs planned); from the calling thread.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  /// Sharding: this exploration makes only the runs whose index i has i % shard_count ==
  /// shard_index, with the seeds the unsharded exploration gives them, and stops at the first of
  /// its own runs that fails. The union of the shards is the unsharded exploration, run for run;
  /// merge_shards() combines their results.
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
};

/// One deviation from the nominal schedule in a (shrunk) failing run.
struct deviation {
  std::size_t position = 0;  ///< Index among the run's choice points.
  std::int64_t at_us = 0;
  std::string label;
  std::uint64_t pick = 0;
  std::uint64_t options = 0;
};

struct explore_failure {
  std::uint64_t run_index = 0;  ///< 0-based.
  std::uint64_t seed = 0;       ///< The run's own seed.
  pipesim::fault_profile original_fault_profile;
  /// After shrinking (classes the failure does not need off).
  pipesim::fault_profile fault_profile;
  std::string failed_check;           ///< The id of the first failed check of the original run.
  std::size_t original_choices = 0;   ///< Choice points of the original failing run.
  std::vector<std::uint64_t> picks;   ///< The shrunk schedule: every pick, replayable.
  std::vector<deviation> deviations;  ///< Its non-nominal picks.
  std::uint64_t shrink_runs = 0;
  double shrink_seconds = 0;
  std::int64_t heal_at_us = 0;
  std::int64_t heal_deadline_us = 0;
  /// The shrunk run, traced (trace lines kept), reproducible with replay_options().
  run_report report;

  /// Run options that replay the shrunk run exactly (seed, faults, heal phase, picks); add the
  /// consumers the exploration used.
  run_options replay_options() const;
};

struct explore_result {
  /// Runs judged until the first failure (included) or all of them; a shard counts its own.
  std::uint64_t runs = 0;
  std::uint64_t events = 0;
  std::int64_t sim_time_us = 0;  ///< Virtual time simulated over all runs.
  double seconds = 0;            ///< Wall-clock time of the runs (shrinking excluded).
  /// Runs actually made, with their events and virtual time: runs go in batches, so the batch
  /// that holds the first failure also runs past it. Speeds are these over `seconds`.
  std::uint64_t runs_executed = 0;
  std::uint64_t events_executed = 0;
  std::int64_t sim_time_executed_us = 0;
  std::uint64_t expected_steps = 0;  ///< PCT's k, measured on a nominal run.
  std::int64_t heal_at_us = 0;
  std::int64_t heal_deadline_us = 0;
  /// Runs (of `runs`) whose safety phase, with faults on, saw a callback message sent, a
  /// consumer receive, a consumer's Send* answer.
  std::uint64_t runs_reaching_callback_message = 0;
  std::uint64_t runs_reaching_receive = 0;
  std::uint64_t runs_reaching_answer = 0;
  /// "faults never reached ..." when one of those counts is 0: the pass says little.
  std::vector<std::string> warnings;
  /// Behaviour coverage over the `runs` judged: every situation the scenario can reach, with the
  /// runs that reached it (0: never), in catalog order.
  struct situation_coverage {
    std::string id;
    std::string description;
    std::uint64_t runs = 0;
    std::uint64_t hits = 0;  ///< Times reached, over all those runs.
  };
  std::vector<situation_coverage> coverage;
  /// The scenario's expect.reached that no run reached: the exploration fails on these.
  std::vector<std::string> unreached_required;
  std::optional<explore_failure> failure;

  /// The JSON report (`pipesim explore --json` adds the scenario, its file and the trace path).
  nlohmann::json to_json() const;
  /// No run failed and every required situation was reached.
  bool ok() const noexcept { return !failure && unreached_required.empty(); }
};

/// Shard results that cannot be merged: of different explorations, missing, duplicated, or not
/// shard results at all. Bad input (exit 2), never a verdict.
class shard_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Merges the results of every shard of one exploration (what `pipesim explore --shard I/N --out
/// FILE` writes; `names` say where each came from, for messages) into the `--json` object the
/// unsharded exploration prints: the same `ok`, `runs` and `failure` (the lowest failing run
/// index, shrunk by the shard that made it), coverage summed. Throws shard_error when the shards
/// are not all the shards of one exploration (scenario, seed, strategy, runs, version) or one is
/// missing, naming it.
nlohmann::json merge_shards(const std::vector<nlohmann::json>& shards,
                            const std::vector<std::string>& names = {});

/// Explores; deterministic for the same scenario, options and seed, whatever `jobs` is.
explore_result explore(const scenario& sc, const explore_options& options);

/// The id (check_result::id) of the first failed check of a report ("" if it passed).
std::string first_failed_check(const run_report& r);

/// One run of `sc` under a schedule given as a list: pick i of the list answers the run's i-th
/// choice point (reduced modulo its options), every choice point past the list is nominal, and so
/// is every one after `heal_at` (default: plan_heal). This is what a RapidCheck property
/// runs (<pipesim/rapidcheck.hpp>): shrinking the list shrinks the schedule. The report carries
/// the run's choice_log; with `keep_trace` its trace lines too.
run_report run_schedule(const scenario& sc, const std::vector<std::uint64_t>& picks,
                        const fault_profile& profile,
                        const std::map<std::string, consumer_factory>& consumers = {},
                        std::optional<duration> heal_at = std::nullopt, bool keep_trace = false);

/// Every failed check of a run, then its deviations from the nominal schedule (position, time,
/// label, pick): what a failing property prints.
std::string describe_failure(const run_report& r);

}  // namespace pipesim

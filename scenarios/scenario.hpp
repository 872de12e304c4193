// Scenario files (format version 1): parsing and validation. Every error names the file, the JSON
// pointer of the bad field and what was expected.
#pragma once

#include "models/common/knobs.hpp"
#include "models/pipelines/service.hpp"
#include "runtimes/spec.hpp"
#include "sim/time.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <pipesim/scenario.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace scenarios {

// Problems and the error that carries them are public vocabulary (<pipesim/scenario.hpp>).
using pipesim::problem;
using pipesim::scenario_error;

/// A duration, fixed or drawn from [min_us, max_us] through a choice point (min is nominal).
struct duration_range {
  sim::time_us min_us = 0;
  sim::time_us max_us = 0;
};

struct redrive_spec {
  std::string dead_letter_queue;  ///< Name of another queue in the scenario.
  std::int64_t max_receive_count = 10;
};

struct queue_spec {
  std::string name;
  bool fifo = false;
  std::optional<sim::time_us> visibility_timeout_us;
  std::optional<sim::time_us> delay_us;
  std::optional<sim::time_us> retention_us;
  std::optional<sim::time_us> receive_wait_us;
  std::optional<bool> content_based_deduplication;
  std::optional<redrive_spec> redrive;
  nlohmann::json adversity = nlohmann::json::object();  ///< "sqs.*" knob overrides for this queue.
};

struct pipeline_spec {
  std::string name;
  nlohmann::json definition;                        ///< The SageMaker definition object.
  nlohmann::json steps = nlohmann::json::object();  ///< Step name -> simulated behaviour.
  std::optional<std::int64_t> parallelism;
  /// Both parsed once, when the scenario is: every run of it starts from these.
  std::shared_ptr<const models::pipelines::pipeline_definition> parsed_definition;
  models::pipelines::behaviour_map behaviour;
};

/// The built-in consumer behaviours: the consumers people write, correct and buggy.
enum class consumer_behavior {
  succeed,              ///< Work, answer Success, delete; on Stopping clean up, answer Failure.
  fail,                 ///< Answer Failure for every message.
  ignore_stopping,      ///< Treats the Stopping message as a new job (AWS's own sample's bug).
  never_answer,         ///< Receives and deletes, never calls Send*.
  crash_before_delete,  ///< Answers, then dies before deleting, so SQS redelivers.
  slow,                 ///< Works longer than the visibility timeout without extending it.
  // Seeded bugs that a plain run does not show and exploration finds (their authors believe them
  // correct, so liveness is promised for them as for succeed):
  not_idempotent,        ///< Starts a job on every delivery, even while one runs for the token.
  delete_before_answer,  ///< Deletes the message on receipt, before the work and the answer.
};
std::string_view to_string(consumer_behavior b) noexcept;
/// Whether the behaviour is meant as a correct consumer (succeed, and the seeded bugs, whose
/// authors believe them correct): the scenario then promises liveness for it.
bool claims_correctness(consumer_behavior b) noexcept;

/// The built-in Lambda handlers (scenarios/lambda_handlers.hpp): what published callback
/// consumers do, correct and buggy.
enum class lambda_handler {
  hand_off,                   ///< Starts an external job with the token; the job answers later.
  hand_off_ignores_stopping,  ///< The same, never reading status (seeded bug).
  poll_by_raising,            ///< Raises while the job runs, so SQS redelivers; then answers.
  batch_answer,               ///< Answers every record, reports failed ones (RBIF).
  // Seeded bugs seen in published code:
  returns_early,            ///< Returns inside its batch loop after a Stopping record.
  fails_whole_batch,        ///< Raises on one record; the records before it are handed off again.
  answers_twice,            ///< Answers a redelivered token again and raises on the conflict.
  raises_in_error_handler,  ///< Its except branch raises, so the message comes back.
};
std::string_view to_string(lambda_handler h) noexcept;

/// A consumer deployed as a Lambda function behind an SQS event source mapping. Defaults are
/// Lambda's (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
struct lambda_spec {
  lambda_handler handler = lambda_handler::hand_off;
  std::int64_t batch_size = 10;
  sim::time_us batching_window_us = 0;
  bool report_batch_item_failures = false;
  std::optional<std::int64_t> maximum_concurrency;
  sim::time_us timeout_us = 3 * sim::k_second_us;
  /// How long one invoke runs (a choice point in [min, max]); pipesim's default 100 ms.
  duration_range duration{100 * sim::k_millisecond_us, 100 * sim::k_millisecond_us};
  std::map<std::string, std::string> environment;  ///< The function's environment variables.
  nlohmann::json filter = nullptr;                 ///< FilterCriteria, as the API takes it.
  /// Set: the user's own handler ("runtime", "code", "handler": runtimes/), not a built-in one.
  std::optional<runtimes::runtime_spec> runtime;
};

/// A consumer that is a program of the user's (an ECS task, a script) long-polling the queue
/// itself through pipesim's loopback AWS endpoint (runtimes/worker.hpp).
struct process_spec {
  std::vector<std::string> command;  ///< argv; a relative program path is the scenario's.
  std::string cwd;                   ///< Absolute: the scenario file's directory unless "cwd".
  std::map<std::string, std::string> environment;
  /// How long pipesim waits, in wall-clock time, for the program's next call (a hang guard).
  std::int64_t wall_clock_guard_ms = 10'000;
};

struct consumer_spec {
  std::string name;
  std::string queue;
  consumer_behavior behavior = consumer_behavior::succeed;
  duration_range work{10 * sim::k_second_us, 10 * sim::k_second_us};
  duration_range cleanup{sim::k_second_us, sim::k_second_us};
  sim::time_us poll_wait_us = 20 * sim::k_second_us;
  std::int64_t max_messages = 1;
  bool extend_visibility = false;
  bool use_client_request_token = true;
  nlohmann::json outputs = nlohmann::json::object();  ///< OutputParameters {name: value}.
  double crash_probability = 0.0;
  std::string failure_reason = "Consumer reported failure";
  /// Set: the consumer is a Lambda function (the members above then do not apply).
  std::optional<lambda_spec> lambda;
  /// Set: the consumer is the user's own program (the members above but crash_probability do
  /// not apply).
  std::optional<process_spec> process;
};

struct action_spec {
  sim::time_us at_us = 0;
  std::string call;                                  ///< SageMaker or SQS operation name.
  nlohmann::json params = nlohmann::json::object();  ///< AWS-shaped request; "${name}" expands.
  std::optional<std::string> bind_as;                ///< "as": a name for the call's result.
  std::optional<std::string> expect_error;           ///< expect {"error": "<Code>"}.
  bool expect_ok = false;                            ///< expect {"ok": true}.
};

struct execution_expectation {
  std::optional<std::string> status;
  /// "by": the status was reached no later than this virtual time (a bound on how long, say, a
  /// stop may take).
  std::optional<sim::time_us> by_us;
  /// Step name -> expected StepStatus, or nullopt for "never started".
  std::map<std::string, std::optional<std::string>> steps;
};

/// An expected count: exactly n ({n, n}), or a range that survives faults ({"min", "max"}).
struct count_range {
  std::int64_t min = 0;
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  bool contains(std::uint64_t n) const noexcept {
    return n >= static_cast<std::uint64_t>(min) && n <= static_cast<std::uint64_t>(max);
  }
  /// "3", "at least 1", "at most 4", "between 1 and 4".
  std::string to_string() const;
};

struct queue_expectation {
  std::optional<count_range> sent, received, deleted, in_dlq;
};

struct expectations {
  std::map<std::string, execution_expectation> executions;  ///< By "as" name.
  std::map<std::string, queue_expectation> queues;          ///< By queue name.
  std::vector<std::string> invariants;                      ///< Names to check (default all).
  /// Situations an exploration must reach in at least one run (pipesim explore checks them
  /// across its runs; a single run does not).
  std::vector<std::string> reached;
};

struct scenario {
  std::string file;  ///< Where it was read from ("<inline>" for parse_scenario without a file).
  nlohmann::json document;  ///< The file as read, definition_file references inlined.
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  models::profile selected_profile = models::profile::aws_documented;
  nlohmann::json knobs = nlohmann::json::object();
  sim::time_us until_us = 30 * sim::k_day_us;
  std::uint64_t max_events = 10'000'000;
  std::string region = "us-east-1";
  std::string account = "123456789012";
  std::vector<queue_spec> queues;        ///< In name order.
  std::vector<pipeline_spec> pipelines;  ///< In name order.
  std::vector<consumer_spec> consumers;  ///< In file order.
  std::vector<action_spec> actions;      ///< In file order.
  /// Other AWS services users' handlers call ("mocks"); shared by every run of the scenario.
  std::shared_ptr<const runtimes::mock_table> mocks;
  /// What AWS allows but is most likely a mistake (a callback step's queue that the scenario does
  /// not declare, say): `pipesim validate` prints them, runs go on.
  std::vector<problem> warnings;
  expectations expect;
};

/// The members of every closed object of the format, keyed by the object's JSON pointer in
/// scenario.schema.json. The validator takes its lists from here, and a test checks that the
/// schema declares exactly these, so `pipesim validate` and the schema accept the same members.
const std::map<std::string, std::vector<std::string>>& closed_objects();

/// The situations the runs of `sc` can reach (behaviour coverage): every SageMaker state machine
/// row, the SQS situations, the Lambda ones when a consumer is a Lambda function, and those that
/// span the services. all_situations() is every one pipesim knows.
std::vector<sim::situation> situations(const scenario& sc);
std::vector<sim::situation> all_situations();

/// The built-in invariants, by the names scenario files use.
const std::vector<std::string>& invariant_names();

/// The SageMaker and SQS operations an action may call.
const std::vector<std::string>& action_operations();

/// Validates and parses a scenario document. `file` is used in messages and to resolve
/// definition_file paths (relative to the file's directory). Throws scenario_error.
scenario parse_scenario(const nlohmann::json& document, const std::string& file);

/// Reads, validates and parses a scenario file. Throws scenario_error (unreadable file or invalid
/// JSON included, with the line and column of a syntax error).
scenario load_scenario(const std::string& path);

}  // namespace scenarios

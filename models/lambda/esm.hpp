// An SQS event source mapping on virtual time: pollers that long-poll the queue, assemble
// batches (batch size, batching window, payload limit, filter criteria), invoke the function in
// execution environments (warm or cold, a choice point), and settle each batch the documented
// way: delete on success, nothing on an error or timeout (SQS makes the messages visible again
// after their visibility timeout), only the unreported ones on a ReportBatchItemFailures answer.
// Concurrency: pollers start at 5 batches and scale up (knobs), capped by MaximumConcurrency;
// reserved and account concurrency throttle invokes (the mapping overpulls).
//
// The function's code is not here: a function_runtime (scenarios/ hosts the handlers) runs it.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
#pragma once

#include "models/lambda/mapping.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace models::sqs {
class service;
}

namespace models::lambda {

/// What Lambda hands the function for one invoke.
struct invocation {
  std::string request_id;
  std::uint64_t environment = 0;  ///< The execution environment (1, 2, ...).
  bool cold = false;              ///< The environment's first invoke: its init just ran.
  sim::time_us deadline_us = 0;   ///< Virtual time at which the function times out.
  nlohmann::json event;           ///< {"Records": [...]}
};

/// What the function did: returned a value, or raised.
struct invocation_result {
  bool raised = false;
  nlohmann::json response;  ///< The returned value (null for None / undefined).
  std::string error_type;   ///< When raised: errorType (the exception's class name).
  std::string error_message;
  bool runtime_exited = false;  ///< The process died (crash): Runtime.ExitError, environment reset.
};

/// The function's code as the mapping sees it.
class function_runtime {
 public:
  virtual ~function_runtime() = default;
  /// Runs the handler at the start of an invoke; what it does to the world happens now, its
  /// result counts when the invoke ends (after its duration, or at the timeout).
  virtual invocation_result invoke(const invocation& inv) = 0;
  /// An execution environment was shut down or reset: its module-level state is gone.
  virtual void environment_gone(std::uint64_t environment) = 0;
  /// The invoke `request_id` ended; Lambda deletes `deleted` (records of its batch) now.
  virtual void settled(const std::string& request_id,
                       const std::vector<nlohmann::json>& deleted) = 0;
};

struct esm_config {
  std::string name;  ///< Labels: "lambda.<name>.*" choice points, lanes and streams.
  std::string queue_url;
  event_source source;
  function_config function;
  mapping_config mapping;
  /// How long the handler runs per invoke: a value in [min, max] through a choice point.
  sim::time_us duration_min_us = 100 * sim::k_millisecond_us;
  sim::time_us duration_max_us = 100 * sim::k_millisecond_us;
  /// Chance that the runtime is killed during an invoke (exploration's crash faults).
  double crash_probability = 0.0;
};

class event_source_mapping {
 public:
  event_source_mapping(sim::simulation& s, models::sqs::service& sqs, models::knob_values knobs,
                       esm_config config, function_runtime& runtime);
  ~event_source_mapping();
  event_source_mapping(const event_source_mapping&) = delete;
  event_source_mapping& operator=(const event_source_mapping&) = delete;

  /// CreateEventSourceMapping: validates against the queue (the AWS error if refused) and, if
  /// valid, starts polling now.
  std::optional<models::api_error> start();

  /// Invocations running (or initialising) now.
  bool busy() const noexcept { return in_flight_ > 0; }
  const esm_config& config() const noexcept { return config_; }

  struct stats {
    std::uint64_t invocations = 0, errors = 0, timeouts = 0, throttles = 0, filtered = 0,
                  deleted = 0, cold_starts = 0;
  };
  const stats& counters() const noexcept { return stats_; }

 private:
  struct slot;
  struct environment {
    std::uint64_t id = 0;
    bool busy = false;
    bool alive = true;
    sim::time_us last_used_us = 0;
  };

  void spawn_slots();
  void poll(std::size_t s);
  void receive(std::size_t s, const nlohmann::json& request);
  void on_receive(std::size_t s, const nlohmann::json& messages);
  void invoke(std::size_t s);
  void start_handler(std::size_t s, std::uint64_t env, bool cold, std::string request_id);
  void finish(std::size_t s, std::uint64_t env, const std::string& request_id,
              const invocation_result& result, bool timed_out, bool killed);
  void delete_records(const std::vector<nlohmann::json>& records);
  void release_batch(std::size_t s);
  std::uint64_t acquire_environment(bool& cold);
  void reset_environment(std::uint64_t env);
  void note_error();
  void arm_scaling();
  std::int64_t concurrency_limit() const;
  std::int64_t floor_slots() const;
  std::int64_t cap_slots() const;
  std::string label(const char* what) const;
  void record(const char* type, nlohmann::json fields);

  sim::simulation& sim_;
  models::sqs::service& sqs_;
  models::knob_values knobs_;
  esm_config config_;
  function_runtime& runtime_;
  sim::rng ids_;
  sim::time_us visibility_timeout_us_ = 30 * sim::k_second_us;  // the queue's, at creation
  sim::time_us receive_visibility_us_ = 0;  // what receives ask for (effective-visibility rule)
  nlohmann::json idle_request_;             // a poller's ReceiveMessage while it has no batch
  std::deque<slot> slots_;                  // a deque: spawning a poller must not move the others
  std::vector<environment> environments_;
  std::int64_t active_slots_ = 0;
  std::int64_t target_slots_ = 0;
  std::int64_t in_flight_ = 0;
  bool scaling_armed_ = false;
  bool messages_this_step_ = false;
  bool errors_this_step_ = false;
  stats stats_;
};

}  // namespace models::lambda

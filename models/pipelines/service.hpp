// The simulated SageMaker Pipelines service: registered pipelines, executions running in virtual
// time, callback messages sent through an SQS SendMessage function, and the SageMaker API.
#pragma once

#include "models/common/api.hpp"
#include "models/common/knobs.hpp"
#include "models/pipelines/definition.hpp"
#include "models/pipelines/statuses.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace models::pipelines {

/// Every knob of this model (the README table is generated from it; see knobs.cpp).
const std::vector<models::knob_spec>& knobs();

/// The situations this model can reach (sim::simulation::reach): every row of the three
/// transition tables, then the named ones (see tables.cpp).
std::vector<sim::situation> situations();

/// Sends one SQS SendMessage request {"QueueUrl", "MessageBody"[, "MessageGroupId"]} and returns
/// the SQS response (with "MessageId") or the SQS error. The lead wires it to the SQS model; tests
/// use a recording fake. The service never sees the SQS model's internals. The function must not
/// call back into the service synchronously (the callback step is not waiting yet while it runs).
using send_message_fn = std::function<models::api_result(const nlohmann::json& request)>;

/// How one step behaves when simulated (not part of the definition: supplied by the caller).
struct step_behaviour {
  sim::time_us duration_min_us = 0;  ///< Job/Lambda run time, drawn from [min, max] in seconds.
  sim::time_us duration_max_us = 0;
  bool succeeds = true;  ///< Outcome of the last attempt (jobs, Lambda).
  std::string failure_reason = "Simulated failure";
  int failed_attempts = 0;  ///< Job attempts that fail (with failure_type) before the outcome.
  std::string failure_type = "SageMaker.JOB_INTERNAL_ERROR";  ///< Matched against RetryPolicies.
  sim::time_us lambda_timeout_us =
      120 * sim::k_second_us;                   ///< [DG-Steps]: default 120 s, max 10 min.
  std::optional<sim::time_us> stop_latency_us;  ///< Job Stopping -> Stopped; knob default if unset.
  nlohmann::json outputs = nlohmann::json::object();     ///< Lambda outputs {name: value}.
  nlohmann::json properties = nlohmann::json::object();  ///< Property path -> value for Get refs.
};
using behaviour_map = std::map<std::string, step_behaviour>;

/// Fixed identity and clock origin of the simulated account (never the wall clock).
struct service_options {
  std::string region = "us-east-1";
  std::string account = "123456789012";
  std::int64_t epoch_unix_ms = 1767225600000;  ///< Virtual time 0 = 2026-01-01T00:00:00Z.
};

/// What invariant checkers see of one step.
struct step_observation {
  std::string name;
  std::string type;
  step_status status = step_status::starting;
  int attempt_count = 0;
  std::optional<callback_state> callback;  ///< Callback steps: the current attempt's path state.
  std::string callback_token;              ///< Current token (callback steps).
  int callback_messages_sent = 0;          ///< Initial messages accepted by SQS, all attempts.
  int stopping_messages_sent = 0;          ///< Stopping messages accepted by SQS, all attempts.
  int token_resolutions = 0;               ///< Successful Send* answers, all attempts.
  std::vector<step_status> history;
  std::string
      failure_reason;  ///< FailureReason as ListPipelineExecutionSteps shows it (observe()).
};

/// What invariant checkers see of one execution.
struct execution_observation {
  std::string arn;
  std::string pipeline_name;
  execution_status status = execution_status::executing;
  std::vector<execution_status> history;  ///< Every status it has had, in order.
  std::vector<step_observation> steps;    ///< Steps that have started, in start order.
  int max_running_steps = 0;              ///< Most steps running at once (parallelism check).
  std::optional<std::int64_t> max_parallel_steps;  ///< The MaxParallelExecutionSteps in force.
  std::string failure_reason;  ///< As DescribePipelineExecution shows it (observe() only).
};

/// Contract: call() answers at once (SageMaker calls are synchronous) and never throws for bad
/// requests: it returns the AWS error. Work that takes time runs as events on the simulation, one
/// lane per execution. A state machine meeting an event it has no row for throws sim::model_error.
class service {
 public:
  service(sim::simulation& s, const models::knob_values& knob_values, send_message_fn send,
          service_options options = {});
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// Setup (not an AWS operation): registers or replaces pipeline `name` with its definition
  /// (object or JSON string) and behaviour map. Throws definition_error. Returns the pipeline ARN.
  std::string create_pipeline(const std::string& name, const nlohmann::json& definition,
                              behaviour_map behaviour = {},
                              std::optional<std::int64_t> max_parallel_steps = std::nullopt);
  /// The same with a definition parsed already (parse_definition), which is then neither parsed
  /// nor copied again: a scenario parses its pipelines once and all of its runs share them.
  std::string create_pipeline(const std::string& name,
                              std::shared_ptr<const pipeline_definition> definition,
                              behaviour_map behaviour = {},
                              std::optional<std::int64_t> max_parallel_steps = std::nullopt);

  /// Runs one SageMaker operation ("StopPipelineExecution", ...) with AWS member names.
  models::api_result call(std::string_view operation, const nlohmann::json& request);

  /// The operations call() accepts and the error codes it can return.
  static const std::vector<std::string>& operations();
  static const std::set<std::string>& error_codes();

  std::vector<std::string> execution_arns() const;  ///< In creation order.
  /// Throws std::out_of_range for an unknown ARN.
  execution_observation observe(const std::string& execution_arn) const;
  /// Observes every execution, in creation order, into `out` (resized to the execution count).
  /// For checkers that look after every event: it overwrites `out` in place, so once its strings
  /// and vectors have grown to size an observation allocates nothing.
  void observe_all(std::vector<execution_observation>& out) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace models::pipelines

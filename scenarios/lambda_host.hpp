// A scenario consumer deployed as a Lambda function: the event source mapping of models/lambda
// on the consumer's queue, running a pipesim::lambda::handler per execution environment, with
// the Lambda context (request id, function ARN, memory, remaining time from virtual time) and
// the simulated world (SageMaker, SQS, effects, external jobs).
#pragma once

#include "models/lambda/esm.hpp"
#include "scenarios/consumer_host.hpp"
#include "scenarios/scenario.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <pipesim/lambda.hpp>
#include <set>
#include <string>
#include <vector>

namespace scenarios {

class lambda_host final : public models::lambda::function_runtime {
 public:
  lambda_host(sim::simulation& s, const consumer_spec& spec, const std::string& region,
              const std::string& account, models::sqs::service& sqs, sagemaker_call_fn sagemaker,
              pipesim::lambda::handler_factory factory, effect_log& effects,
              const models::knob_values& lambda_knobs, host_options options);
  ~lambda_host() override;
  lambda_host(const lambda_host&) = delete;
  lambda_host& operator=(const lambda_host&) = delete;

  /// Creates the event source mapping (the AWS error if Lambda refuses it) and starts polling.
  std::optional<models::api_error> start();
  /// Invokes running, or external jobs the handlers started still pending.
  bool busy() const noexcept { return esm_.busy() || pending_jobs_ > 0; }
  const consumer_spec& spec() const noexcept { return spec_; }
  const std::string& polled_queue_url() const noexcept { return queue_url_; }
  /// Called for every record handed to the function (before it runs).
  void on_deliver(std::function<void()> f) { on_deliver_ = std::move(f); }
  /// Called when Lambda deletes a callback record that no invoke handled (a lost callback).
  void on_lost_callback(std::function<void(const std::string&)> f) { on_lost_ = std::move(f); }

  // models::lambda::function_runtime
  models::lambda::invocation_result invoke(const models::lambda::invocation& inv) override;
  void environment_gone(std::uint64_t environment) override;
  void settled(const std::string& request_id, const std::vector<nlohmann::json>& deleted) override;

  class invoke_context;
  class job_context;

 private:
  friend class invoke_context;
  friend class job_context;
  struct handled_set {
    std::set<std::string> tokens;
    std::set<std::string> message_ids;
  };

  sim::simulation& sim_;
  consumer_spec spec_;
  std::string queue_url_;
  std::string function_arn_;
  std::string memory_text_;
  models::sqs::service& sqs_;
  sagemaker_call_fn sagemaker_;
  pipesim::lambda::handler_factory factory_;
  effect_log& effects_;
  host_options options_;
  sim::lane_id jobs_lane_;
  sim::rng ids_;
  std::uint64_t pending_jobs_ = 0;
  // Execution environment -> its loaded module (the handler object and its state).
  std::map<std::uint64_t, std::unique_ptr<pipesim::lambda::handler>> modules_;
  std::map<std::string, handled_set> handled_;  // request id -> what the invoke handled
  std::function<void()> on_deliver_;
  std::function<void(const std::string&)> on_lost_;
  models::lambda::event_source_mapping esm_;
};

}  // namespace scenarios

// The built-in consumers: the SQS callback consumers people actually write, correct and buggy,
// running in virtual time against the simulated SQS and SageMaker APIs.
#pragma once

#include "models/common/api.hpp"
#include "scenarios/scenario.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace models::sqs {
class service;
}

namespace scenarios {

/// Routes an AWS-shaped call to the SageMaker model (synchronous).
using sagemaker_call_fn =
    std::function<models::api_result(const std::string& operation, const nlohmann::json& request)>;

/// One consumer process. It long-polls its queue, handles each message as its own task (like a
/// Lambda event source mapping with concurrency), answers with Send* and deletes the message,
/// each step as its behaviour dictates. A crash kills every task in flight; the process restarts
/// after k_restart_after_us and polls again.
class consumer {
 public:
  static constexpr sim::time_us k_restart_after_us = 30 * sim::k_second_us;

  consumer(sim::simulation& s, consumer_spec spec, std::string queue_url, models::sqs::service& sqs,
           sagemaker_call_fn sagemaker);
  ~consumer();
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;

  /// Starts polling at the current virtual time.
  void start();
  /// True while a received message is being worked on.
  bool busy() const noexcept { return tasks_in_flight_ > 0; }
  const consumer_spec& spec() const noexcept { return spec_; }

  /// What the consumer did, for reports and properties.
  struct stats {
    std::uint64_t received = 0;
    std::uint64_t answered_success = 0;
    std::uint64_t answered_failure = 0;
    std::uint64_t answer_errors = 0;
    std::uint64_t deleted = 0;
    std::uint64_t crashes = 0;
  };
  const stats& counters() const noexcept { return stats_; }

 private:
  struct task;
  void poll();
  void handle(const nlohmann::json& message);
  void answer(const std::shared_ptr<task>& t, bool success);
  void finish(const std::shared_ptr<task>& t);
  void crash();
  bool alive(const std::shared_ptr<task>& t) const noexcept;
  std::string client_request_token(const std::string& callback_token, const char* kind);
  void record(const char* type, nlohmann::json fields);

  sim::simulation& sim_;
  consumer_spec spec_;
  std::string queue_url_;
  models::sqs::service& sqs_;
  sagemaker_call_fn sagemaker_;
  sim::lane_id lane_;
  sim::rng ids_;
  std::uint64_t generation_ = 0;  // bumped by a crash: tasks of an older generation are dead
  std::uint64_t tasks_in_flight_ = 0;
  stats stats_;
};

}  // namespace scenarios

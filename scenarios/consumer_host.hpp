// Runs a pipesim::consumer as a simulated process: polls its queue, delivers messages, runs its
// scheduled work on the process's lane, injects crashes and restarts it from its factory.
#pragma once

#include "models/common/api.hpp"
#include "scenarios/scenario.hpp"
#include "sim/simulation.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <pipesim/consumer.hpp>
#include <pipesim/report.hpp>
#include <string>
#include <vector>

namespace models::sqs {
class service;
}

namespace scenarios {

/// Routes an AWS-shaped call to the SageMaker model (synchronous).
using sagemaker_call_fn =
    std::function<models::api_result(std::string_view operation, const nlohmann::json& request)>;

using pipesim::effect_record;

/// A model's answer in the consumer API's vocabulary (moved, not copied).
pipesim::api_result to_public(models::api_result r);

/// The world outside AWS that consumers act on: which resources exist. It outlives every crash.
class effect_log {
 public:
  /// Called when a resource is created while it already exists (a double start).
  using double_create_fn = std::function<void(const effect_record&)>;

  void on_double_create(double_create_fn f) { on_double_create_ = std::move(f); }
  void created(effect_record r);
  void deleted(effect_record r);
  bool exists(const std::string& resource) const { return alive_.count(resource) > 0; }
  /// Live resources, by name, with the record that created them.
  const std::map<std::string, effect_record>& alive() const noexcept { return alive_; }
  const std::vector<effect_record>& history() const noexcept { return history_; }

 private:
  std::map<std::string, effect_record> alive_;
  std::vector<effect_record> history_;
  double_create_fn on_double_create_;
};

/// How the simulator treats a consumer process beyond what its spec says.
struct host_options {
  /// Probability that the process dies at each crash point: every API call it makes through the
  /// context, every message delivery and every piece of scheduled work. The swarm profile's
  /// "crashes" fault class sets it; 0 means crashes happen only when the consumer asks.
  double crash_probability = 0.0;
};

class consumer_host final : private pipesim::context {
 public:
  static constexpr sim::time_us k_restart_after_us = 30 * sim::k_second_us;

  consumer_host(sim::simulation& s, consumer_spec spec, std::string queue_url,
                models::sqs::service& sqs, sagemaker_call_fn sagemaker,
                pipesim::consumer_factory factory, effect_log& effects, host_options options);
  ~consumer_host() override;
  consumer_host(const consumer_host&) = delete;
  consumer_host& operator=(const consumer_host&) = delete;

  /// Starts polling at the current virtual time.
  void start();
  /// True while the process has scheduled work pending.
  bool busy() const noexcept { return pending_work_ > 0; }
  const consumer_spec& spec() const noexcept { return spec_; }
  const std::string& polled_queue_url() const noexcept { return queue_url_; }
  /// Called whenever a message is handed to the consumer (before it sees it).
  void on_deliver(std::function<void()> f) { on_deliver_ = std::move(f); }

  struct stats {
    std::uint64_t received = 0;
    std::uint64_t api_calls = 0;
    std::uint64_t api_errors = 0;
    std::uint64_t crashes = 0;
  };
  const stats& counters() const noexcept { return stats_; }

 private:
  // pipesim::context
  pipesim::duration now() const override { return pipesim::duration(sim_.now()); }
  const std::string& name() const override { return spec_.name; }
  const std::string& queue_url() const override { return queue_url_; }
  pipesim::api_result sagemaker(std::string_view operation, const nlohmann::json& request) override;
  pipesim::api_result sqs(std::string_view operation, const nlohmann::json& request) override;
  void after(pipesim::duration delay, std::function<void(pipesim::context&)> work) override;
  std::int64_t choose_between(std::string_view what, std::int64_t lo, std::int64_t hi) override;
  bool chance(std::string_view what, double p) override;
  std::string uuid() override;
  void created(const std::string& resource, const std::string& token) override;
  void deleted(const std::string& resource) override;
  bool exists(const std::string& resource) const override { return effects_.exists(resource); }
  void log(std::string_view type, const nlohmann::json& fields) override;
  [[noreturn]] void crash() override;

  void poll();
  void deliver(const nlohmann::json& m);
  // Runs consumer code; a pipesim::crashed escaping it takes the process down.
  template <typename Fn>
  void guarded(Fn&& fn);
  void crash_point();  // throws pipesim::crashed when the injected fault strikes
  void went_down();
  std::string label(std::string_view what) const;

  sim::simulation& sim_;
  consumer_spec spec_;
  std::string queue_url_;
  models::sqs::service& sqs_;
  sagemaker_call_fn sagemaker_;
  pipesim::consumer_factory factory_;
  effect_log& effects_;
  host_options options_;
  std::string crash_label_;
  nlohmann::json poll_request_;  // the same ReceiveMessage request every poll, built once
  sim::lane_id lane_;
  sim::rng ids_;
  std::unique_ptr<pipesim::consumer> process_;  // null while the process is down
  std::uint64_t generation_ = 0;  // bumped by a crash: work of an older generation is dead
  std::uint64_t pending_work_ = 0;
  stats stats_;
  std::function<void()> on_deliver_;
};

}  // namespace scenarios

// A consumer that is the user's own program (runtimes/worker.hpp), in the simulated world: its
// calls are answered by the SQS and SageMaker models at the virtual instant they are made (or by
// the scenario's mocks), a long poll waits in virtual time, and the world lets time move on only
// once every worker waits in such a call or has exited (world::settle_workers).
#pragma once

#include "runtimes/calls.hpp"
#include "runtimes/worker.hpp"
#include "scenarios/consumer_host.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scenarios {

class worker_host final : private pipesim::context {
 public:
  static constexpr sim::time_us k_restart_after_us = consumer_host::k_restart_after_us;

  struct setup {
    std::string scenario_file;
    std::string pointer;  ///< The consumer's "process" object, for errors.
    std::string region;
    std::string account;
    std::shared_ptr<const runtimes::mock_table> mocks;
    /// A check the worker failed: (invariant, what happened).
    std::function<void(const std::string&, const std::string&)> violate;
  };

  worker_host(sim::simulation& s, const consumer_spec& spec, std::string queue_url,
              models::sqs::service& sqs, sagemaker_call_fn sagemaker, effect_log& effects,
              host_options options, setup how);
  ~worker_host() override;
  worker_host(const worker_host&) = delete;
  worker_host& operator=(const worker_host&) = delete;

  /// Starts the program (throws pipesim::scenario_error if it cannot be started).
  void start();
  /// True while the program runs towards its next call or has an answer to receive: the world
  /// must serve it before virtual time moves.
  bool runnable() const noexcept { return process_ && (running_ || ready_.has_value()); }
  /// Sends the answer it waits for, if one is ready, and serves its calls until it waits in one
  /// the simulation answers later (a long poll), or exits. Throws pipesim::scenario_error when
  /// it makes no call within the wall-clock guard.
  void serve();
  /// Stops the program (the end of the run).
  void stop();
  /// External jobs its mocked calls started are still pending.
  bool busy() const noexcept { return pending_jobs_ > 0; }
  const consumer_spec& spec() const noexcept { return spec_; }
  const std::string& polled_queue_url() const noexcept { return queue_url_; }
  /// Called whenever the program receives a message.
  void on_deliver(std::function<void()> f) { on_deliver_ = std::move(f); }

 private:
  // pipesim::context, for the effects of mocked calls (jobs they start, resources)
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

  void launch();
  void dispatch(std::uint64_t connection, const wire::http_request& req);
  void answered(std::uint64_t connection, const wire::call& call, const wire::context& wctx,
                models::api_result r);
  void killed();
  [[noreturn]] void fail(const std::string& message) const;

  sim::simulation& sim_;
  consumer_spec spec_;
  std::string queue_url_;
  models::sqs::service& sqs_;
  sagemaker_call_fn sagemaker_;
  effect_log& effects_;
  host_options options_;
  setup how_;
  sim::lane_id lane_;
  sim::rng ids_;
  runtimes::call_ledger ledger_;
  std::unique_ptr<runtimes::worker_process> process_;
  std::uint64_t generation_ = 0;  // bumped when the process is killed: its open calls are void
  bool running_ = false;
  // The virtual instant it was last served at, when (wall clock) and how often: a worker that
  // holds virtual time still for longer than its guard is spinning.
  sim::time_us instant_us_ = -1;
  std::chrono::steady_clock::duration instant_held_{};
  std::uint64_t calls_at_instant_ = 0;
  std::uint64_t pending_jobs_ = 0;
  /// The answer to send, and on which connection.
  std::optional<std::pair<std::uint64_t, wire::http_response>> ready_;
  std::vector<std::string> tokens_;  // callback tokens of the messages it received last
  std::function<void()> on_deliver_;
};

}  // namespace scenarios

// The consumer API: what your SQS callback consumer sees of the simulated world.
//
// You write a class derived from pipesim::consumer. The simulator runs it as one process: it
// long-polls the consumer's queue (ReceiveMessage with the scenario's WaitTimeSeconds and
// MaxNumberOfMessages) and hands every message to on_message. Everything else is yours to do
// through the context, exactly as you would against AWS: call SendPipelineExecutionStepSuccess,
// DeleteMessage, ChangeMessageVisibility... with AWS-shaped requests, and get AWS-shaped answers
// and errors (throttling and 5xx included when the fault profile turns them on).
//
// The simulator may crash your process at any call you make through the context (and before it
// delivers a message or runs your scheduled work). A crash throws pipesim::crashed out of the call;
// let it pass (it is not a std::exception, so `catch (const std::exception&)` does not stop it).
// The process restarts later as a new object from your factory: in-memory state is gone, what you
// did in the world (answers sent, messages deleted, resources created) stays.
//
// Record the effects your consumer has outside AWS (a training job started, a cluster deleted)
// with created()/deleted(); the built-in invariants and your own properties speak about them.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <pipesim/aws.hpp>
#include <string>
#include <string_view>

namespace pipesim {

/// Virtual time: microseconds since the start of the run (never the wall clock).
using duration = std::chrono::microseconds;

/// One SQS message as ReceiveMessage returned it.
struct message {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  std::int64_t receive_count = 1;  ///< ApproximateReceiveCount: 1 on first delivery.
  nlohmann::json raw;              ///< The whole AWS-shaped Message object.
};

/// Thrown out of a context call when the simulator crashes the consumer's process there.
struct crashed {};

/// What a consumer can do. Valid only during the call that received it (on_message or work
/// scheduled with after()); do not keep it.
class context {
 public:
  virtual ~context() = default;

  /// Virtual time now, since the start of the run.
  virtual duration now() const = 0;
  /// The consumer's name in the scenario and the URL of the queue it polls.
  virtual const std::string& name() const = 0;
  virtual const std::string& queue_url() const = 0;

  /// Calls a simulated SageMaker operation, e.g. "SendPipelineExecutionStepSuccess".
  virtual api_result sagemaker(std::string_view operation, const nlohmann::json& request) = 0;
  /// Calls a simulated SQS operation, e.g. "DeleteMessage" (QueueUrl is not filled in for you).
  virtual api_result sqs(std::string_view operation, const nlohmann::json& request) = 0;

  /// Runs `work` `delay` from now, on this process. Work scheduled before a crash never runs.
  virtual void after(duration delay, std::function<void(context&)> work) = 0;

  /// A decision the consumer leaves to the explorer (how long a job takes, say): a value in
  /// [lo, hi], lo being the nominal one. `what` names it; the choice point is
  /// "consumer.<name>.<what>".
  virtual std::int64_t choose_between(std::string_view what, std::int64_t lo, std::int64_t hi) = 0;
  /// A yes/no decision that the random strategy answers yes with probability p ("no" is nominal).
  virtual bool chance(std::string_view what, double p) = 0;

  /// A fresh UUID from the run's seed, as an SDK would generate for an idempotency token.
  virtual std::string uuid() = 0;

  /// External effects. `resource` is your name for it ("training-job/abc"); `token` the callback
  /// token it works for, if any, so invariants can tie it to its pipeline execution.
  virtual void created(const std::string& resource, const std::string& token = {}) = 0;
  virtual void deleted(const std::string& resource) = 0;
  /// Whether a resource is alive now: the external world's state, which survives crashes (what
  /// a DescribeTrainingJob call would tell you).
  virtual bool exists(const std::string& resource) const = 0;

  /// Writes a record of type "consumer.<type>" to the trace, with the consumer's name added.
  virtual void log(std::string_view type, const nlohmann::json& fields) = 0;

  /// Crashes the process now (throws pipesim::crashed).
  [[noreturn]] virtual void crash() = 0;
};

/// Your consumer. One object lives as long as one process incarnation.
class consumer {
 public:
  virtual ~consumer() = default;
  /// Handles one received message. Messages of one receive batch arrive one after another; work
  /// the consumer schedules with context::after runs concurrently with later messages.
  virtual void on_message(context& ctx, const message& m) = 0;
};

/// Makes a fresh consumer: at the start of a run and at every restart after a crash.
using consumer_factory = std::function<std::unique_ptr<consumer>()>;

}  // namespace pipesim

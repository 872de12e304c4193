// The Lambda handler API: an AWS Lambda function behind an SQS event source mapping, as the
// simulator runs it.
//
// You write a class derived from pipesim::lambda::handler. Lambda's event source mapping polls the
// queue, builds the event exactly as AWS does ({"Records": [...]}, one record per message with
// messageId, receiptHandle, body, attributes, messageAttributes in lower camel case, md5OfBody,
// eventSource "aws:sqs", eventSourceARN, awsRegion) and calls handle(event, context). What you
// return is the function's response (null for Python's None; with ReportBatchItemFailures,
// {"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}); throw pipesim::lambda::raised to
// raise. Lambda then deletes the batch, or only the unreported records, or nothing, by AWS's
// rules (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html).
//
// One handler object lives as long as one execution environment: its members are the module-level
// state (caches, clients) that persists across warm invokes and is lost on a cold start. The
// simulator decides which environment serves a batch (a choice point), so code that relies on
// module state is explored both ways.
//
// Virtual time: the handler runs at the start of the invoke; its calls happen then. How long the
// invoke takes is the scenario's "duration"; past the function's timeout Lambda counts it failed.
// The context's after() schedules work *outside* the function (an external job the handler
// handed off to, e.g. an ECS task that answers SageMaker later): it survives the environment.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <pipesim/consumer.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pipesim::lambda {

/// What a handler throws to raise: Lambda reports {"errorType", "errorMessage"} and the
/// invocation fails (the whole batch comes back, ReportBatchItemFailures or not).
class raised : public std::runtime_error {
 public:
  raised(std::string error_type, const std::string& message)
      : std::runtime_error(message), type_(std::move(error_type)) {}
  const std::string& error_type() const noexcept { return type_; }

 private:
  std::string type_;
};

/// The Lambda context object, plus the simulated world. The pipesim::context part (sagemaker(),
/// sqs(), created()/deleted()/exists(), log(), uuid(), choose_between(), chance()) works as for
/// a long-polling consumer; after() runs work outside the function (an external job); crash()
/// kills the runtime (Runtime.ExitError; the environment is reset).
class context : public pipesim::context {
 public:
  /// context.aws_request_id / awsRequestId.
  virtual const std::string& aws_request_id() const = 0;
  /// context.invoked_function_arn: arn:aws:lambda:<region>:<account>:function:<name>.
  virtual const std::string& invoked_function_arn() const = 0;
  virtual const std::string& function_name() const = 0;
  /// A string, as both runtimes give it (they read it from the environment).
  virtual const std::string& memory_limit_in_mb() const = 0;
  /// Deadline minus now, in virtual time (never negative).
  virtual std::int64_t remaining_time_in_millis() const = 0;
  /// An environment variable of the function ("environment" in the scenario), or null.
  virtual const std::string* env(std::string_view name) const = 0;
  /// Whether this invoke is the environment's first (its module state is fresh).
  virtual bool cold_start() const = 0;
  /// Marks a record as handled by this invoke without an answer or a job for its token (a
  /// message the handler judged obsolete, say). Records whose callback token the handler
  /// answered or started a resource for count as handled already. Lambda deleting a record that
  /// no invoke handled is the invariant no_lost_callback.
  virtual void handled(const std::string& message_id) = 0;
};

/// Your function.
class handler {
 public:
  virtual ~handler() = default;
  /// Handles one batch; returns the response (null for none) or throws raised.
  virtual nlohmann::json handle(const nlohmann::json& event, context& ctx) = 0;
};

/// Makes the handler of a new execution environment (its module is loaded afresh).
using handler_factory = std::function<std::unique_ptr<handler>()>;

}  // namespace pipesim::lambda

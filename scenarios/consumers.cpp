// Built-in consumer behaviours.
#include "consumers.hpp"

#include "scenarios/runner.hpp"

#include <algorithm>

namespace scenarios {

using nlohmann::json;

namespace {

class callback_worker final : public pipesim::consumer {
 public:
  explicit callback_worker(const consumer_spec& spec) : spec_(spec) {}

  void on_message(pipesim::context& ctx, const pipesim::message& m) override;

 private:
  struct job {
    std::string receipt_handle;
    std::string message_id;
    std::string token;
    bool stopping = false;
    std::int64_t receive_count = 1;
  };
  static std::string resource_of(const std::string& token) { return "job/" + token; }
  void answer(pipesim::context& ctx, const job& j, bool success, int attempt = 1);
  void finish(pipesim::context& ctx, const job& j);
  enum class execution_state { executing, not_executing, unknown };
  static execution_state execution_of(pipesim::context& ctx, const std::string& arn);
  std::string client_request_token(pipesim::context& ctx, const std::string& callback_token,
                                   const char* kind) const;

  const consumer_spec& spec_;
};

void callback_worker::on_message(pipesim::context& ctx, const pipesim::message& m) {
  job j;
  j.receipt_handle = m.receipt_handle;
  j.message_id = m.message_id;
  j.receive_count = m.receive_count;
  const json body = json::parse(m.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("token") ||
      !body["token"].is_string()) {
    ctx.log("message_ignored", {{"message_id", j.message_id}});
    finish(ctx, j);  // not a callback message: delete it so it does not come back forever
    return;
  }
  j.token = body["token"].get<std::string>();
  // AWS's documents spell the key both ways: "Status" in the StopPipelineExecution reference
  // (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopPipelineExecution.html),
  // "status" in the developer guide's callback example
  // (https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html); a careful
  // consumer reads both.
  const std::string status = body.contains("status") && body["status"].is_string()
                                 ? body["status"].get<std::string>()
                                 : body.value("Status", "");
  j.stopping = status == "Stopping";
  ctx.log("message_received", {{"message_id", j.message_id},
                               {"token", j.token},
                               {"stopping", j.stopping},
                               {"receive_count", j.receive_count}});

  if (spec_.behavior == consumer_behavior::never_answer) {
    finish(ctx, j);
    return;
  }
  const bool treat_as_stopping = j.stopping && spec_.behavior != consumer_behavior::ignore_stopping;
  const duration_range& d = treat_as_stopping ? spec_.cleanup : spec_.work;
  const sim::time_us work_us =
      ctx.choose_between(treat_as_stopping ? "cleanup_ms" : "work_ms",
                         d.min_us / sim::k_millisecond_us, d.max_us / sim::k_millisecond_us) *
      sim::k_millisecond_us;
  if (spec_.behavior == consumer_behavior::delete_before_answer) {
    // The bug: the message is gone before the answer is out. A crash in between loses the
    // callback for good; nothing will ever answer it.
    finish(ctx, j);
  }
  // Starting the job is idempotent: a redelivered message finds it running (as DescribeTrainingJob
  // would tell) and does not start a second one.
  const bool running = ctx.exists(resource_of(j.token));
  // The not_idempotent bug: every delivery starts a job, so a redelivered or duplicated message
  // starts a second one while the first still runs.
  if (!treat_as_stopping && (!running || spec_.behavior == consumer_behavior::not_idempotent)) {
    // A message can come back after its execution was stopped (a crash lost the task that would
    // have deleted it, or SQS delivered a copy): starting a job then would leak it. So the correct
    // consumer asks SageMaker first; an execution it cannot see as Executing gets no new job.
    if (claims_correctness(spec_.behavior) && j.receive_count > 1 && !running) {
      switch (execution_of(ctx, body.value("pipelineExecutionArn", ""))) {
        case execution_state::executing:
          break;
        case execution_state::not_executing:
          finish(ctx, j);  // nothing left to do for it
          return;
        case execution_state::unknown:
          // Throttled or 5xx: keep the message; it comes back after its visibility timeout and
          // the question is asked again. Deleting it could drop a live callback.
          return;
      }
    }
    ctx.created(resource_of(j.token), j.token);
  }
  if (spec_.extend_visibility && spec_.behavior != consumer_behavior::slow) {
    // Keep the message hidden for the whole job plus a margin, within SQS's 12-hour cap.
    const std::int64_t seconds = std::min<std::int64_t>(work_us / sim::k_second_us + 30, 43'000);
    const pipesim::api_result r =
        ctx.sqs("ChangeMessageVisibility", {{"QueueUrl", ctx.queue_url()},
                                            {"ReceiptHandle", j.receipt_handle},
                                            {"VisibilityTimeout", seconds}});
    ctx.log("visibility_extended",
            {{"message_id", j.message_id}, {"seconds", seconds}, {"ok", r.ok()}});
  }
  const bool success = !treat_as_stopping && spec_.behavior != consumer_behavior::fail;
  ctx.after(pipesim::duration(work_us), [this, j, success, treat_as_stopping](pipesim::context& c) {
    // The job is over: it finished, or (on Stopping) it was cancelled. Either way it is gone
    // before the answer goes out, so a Stopped execution leaves nothing running.
    if (c.exists(resource_of(j.token))) {
      c.deleted(resource_of(j.token));
    } else if (!treat_as_stopping && spec_.behavior != consumer_behavior::ignore_stopping) {
      // Another delivery's cleanup cancelled this job: nothing to report; forget the message.
      c.log("job_cancelled", {{"token", j.token}});
      finish(c, j);
      return;
    }
    answer(c, j, success);
  });
}

callback_worker::execution_state callback_worker::execution_of(pipesim::context& ctx,
                                                               const std::string& arn) {
  const pipesim::api_result r =
      ctx.sagemaker("DescribePipelineExecution", {{"PipelineExecutionArn", arn}});
  if (!r.ok()) {
    ctx.log("describe_failed", {{"execution", arn}, {"error", r.error->code}});
    return execution_state::unknown;
  }
  const std::string status = r.response.value("PipelineExecutionStatus", "");
  if (status == "Executing") return execution_state::executing;
  ctx.log("message_obsolete", {{"execution", arn}, {"status", status}});
  return execution_state::not_executing;
}

std::string callback_worker::client_request_token(pipesim::context& ctx,
                                                  const std::string& callback_token,
                                                  const char* kind) const {
  if (spec_.use_client_request_token) {
    // Derived from the callback token, so a redelivered message repeats the same request and
    // SageMaker's idempotency makes the second answer harmless.
    return "pipesim-" + callback_token + "-" + kind + "-idempotency-key";
  }
  return ctx.uuid();  // what the SDK does when the caller passes none: a fresh UUID per call
}

// The AWS SDKs' standard retry mode: three attempts; before attempt n+1 the SDK sleeps
// rand(0,1) * min(2^(n-1) s, 20 s) (exponential backoff with full jitter).
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
constexpr int k_sdk_max_attempts = 3;
constexpr std::int64_t k_sdk_max_backoff_ms = 20'000;

// The jitter is a choice point in milliseconds; its nominal value is the shortest sleep, 1 ms (a
// retry never lands at the very instant of the failure it retries).
std::int64_t sdk_backoff_ms(pipesim::context& ctx, int failed_attempt) {
  const std::int64_t cap_ms =
      std::min<std::int64_t>(1000LL << (failed_attempt - 1), k_sdk_max_backoff_ms);
  return ctx.choose_between("retry_backoff_ms", 1, cap_ms);
}

void callback_worker::answer(pipesim::context& ctx, const job& j, bool success, int attempt) {
  json request{{"CallbackToken", j.token}};
  if (success) {
    json outputs = json::array();
    for (const auto& [name, value] : spec_.outputs.items()) {
      outputs.push_back({{"Name", name}, {"Value", value}});
    }
    request["OutputParameters"] = outputs;
    request["ClientRequestToken"] = client_request_token(ctx, j.token, "success");
  } else {
    request["FailureReason"] = j.stopping
                                   ? "Stopped: the consumer cleaned up after StopPipelineExecution"
                                   : spec_.failure_reason;
    request["ClientRequestToken"] = client_request_token(ctx, j.token, "failure");
  }
  const char* operation =
      success ? "SendPipelineExecutionStepSuccess" : "SendPipelineExecutionStepFailure";
  const pipesim::api_result r = ctx.sagemaker(operation, request);
  ctx.log("answered", {{"token", j.token},
                       {"operation", operation},
                       {"ok", r.ok()},
                       {"error", r.ok() ? "" : r.error->code}});
  if (!r.ok() && retryable(r.error->code, r.error->http_status)) {
    // The repeat carries the same ClientRequestToken, which SageMaker's idempotency makes safe
    // if the first call landed before the error came back.
    if (attempt < k_sdk_max_attempts) {
      const std::int64_t backoff_ms = sdk_backoff_ms(ctx, attempt);
      ctx.after(
          std::chrono::milliseconds(backoff_ms),
          [this, j, success, attempt](pipesim::context& c) { answer(c, j, success, attempt + 1); });
      return;
    }
    // Out of attempts: keep the message; it becomes visible again and the job is redone.
    ctx.log("answer_deferred", {{"token", j.token}, {"error", r.error->code}});
    return;
  }
  // Crash between the side effect (the answer) and the delete: SQS will deliver the message again.
  const double p_crash =
      spec_.behavior == consumer_behavior::crash_before_delete && j.receive_count == 1
          ? (spec_.crash_probability > 0 ? spec_.crash_probability : 1.0)
          : spec_.crash_probability;
  if (ctx.chance("crash", p_crash)) ctx.crash();
  if (spec_.behavior != consumer_behavior::delete_before_answer) finish(ctx, j);
}

void callback_worker::finish(pipesim::context& ctx, const job& j) {
  const pipesim::api_result r = ctx.sqs(
      "DeleteMessage", {{"QueueUrl", ctx.queue_url()}, {"ReceiptHandle", j.receipt_handle}});
  ctx.log("deleted",
          {{"message_id", j.message_id}, {"ok", r.ok()}, {"error", r.ok() ? "" : r.error->code}});
}

}  // namespace

pipesim::consumer_factory builtin_consumer(const consumer_spec& spec) {
  return [&spec] { return std::make_unique<callback_worker>(spec); };
}

}  // namespace scenarios

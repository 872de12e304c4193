// The built-in Lambda handlers, written on the public handler API (<pipesim/lambda.hpp>) as a
// user's would be. They model what published callback consumers do: AWS's sample (a loop over
// event["Records"] answering each token, https://docs.aws.amazon.com/sagemaker/latest/dg/
// build-and-manage-steps.html), the hand-off to an external job, the geospatial example's
// raise-until-done polling (https://github.com/aws/amazon-sagemaker-examples, sagemaker-geospatial/
// geospatial-pipeline/assets/eoj_pipeline_lambda.py), and bugs seen in such code.
//
// Configuration comes from the function's environment variables, as a deployed function's does:
// JOB_DURATION (default 10m) and JOB_DURATION_MAX (default JOB_DURATION): how long an external
// job runs (a choice point); OUTPUTS: a JSON object {name: value} of the Success answer's
// OutputParameters.
#include "scenarios/lambda_handlers.hpp"

#include "scenarios/runner.hpp"

namespace scenarios {

using nlohmann::json;
using pipesim::lambda::raised;

namespace {

struct callback_record {
  std::string message_id;
  std::string token;  // empty: not a callback message
  std::string execution_arn;
  bool stopping = false;
  std::int64_t receive_count = 1;
};

callback_record read_record(const json& r) {
  callback_record c;
  c.message_id = r.value("messageId", "");
  const json& attrs = r.contains("attributes") ? r["attributes"] : json::object();
  if (attrs.contains("ApproximateReceiveCount") && attrs["ApproximateReceiveCount"].is_string()) {
    c.receive_count = std::stoll(attrs["ApproximateReceiveCount"].get<std::string>());
  }
  const json body = json::parse(r.value("body", std::string()), nullptr, false);
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) return c;
  c.token = body["token"].get<std::string>();
  c.execution_arn = body.value("pipelineExecutionArn", "");
  // AWS spells the key "status" (developer guide example) and "Status" (API reference).
  const std::string status = body.contains("status") && body["status"].is_string()
                                 ? body["status"].get<std::string>()
                                 : body.value("Status", "");
  c.stopping = status == "Stopping";
  return c;
}

std::string job_of(const std::string& token) { return "job/" + token; }
std::string result_of(const std::string& token) { return "result/" + token; }

sim::time_us env_duration(pipesim::lambda::context& ctx, const char* name, sim::time_us fallback) {
  const std::string* v = ctx.env(name);
  return v ? sim::parse_duration(*v) : fallback;
}

// One attempt of Send*, the idempotency token derived from the callback token (so a repeat is a
// replay) unless `fresh_token`.
// OUTPUTS as SageMaker's OutputParameters list.
json outputs_of(pipesim::lambda::context& ctx) {
  json list = json::array();
  const std::string* text = ctx.env("OUTPUTS");
  if (text == nullptr) return list;
  const json o = json::parse(*text, nullptr, false);
  if (!o.is_object()) throw raised("ValueError", "OUTPUTS is not a JSON object");
  for (const auto& [name, value] : o.items()) {
    list.push_back(
        {{"Name", name}, {"Value", value.is_string() ? value.get<std::string>() : value.dump()}});
  }
  return list;
}

pipesim::api_result answer(pipesim::lambda::context& ctx, const std::string& token, bool success,
                           bool fresh_token = false) {
  json request{{"CallbackToken", token}};
  const char* kind = success ? "success" : "failure";
  request["ClientRequestToken"] =
      fresh_token ? ctx.uuid() : "lambda-" + token + "-" + kind + "-idempotency-key";
  if (success) {
    request["OutputParameters"] = outputs_of(ctx);
  } else {
    request["FailureReason"] = "Stopped: the consumer cleaned up after StopPipelineExecution";
  }
  const char* op =
      success ? "SendPipelineExecutionStepSuccess" : "SendPipelineExecutionStepFailure";
  const pipesim::api_result r = ctx.sagemaker(op, request);
  ctx.log("answered", {{"token", token},
                       {"operation", op},
                       {"ok", r.ok()},
                       {"error", r.ok() ? "" : r.error->code}});
  return r;
}

// A non-retryable answer error means the step no longer waits (answered already, stopped,
// timed out): nothing more to do for the token.
bool settled_answer(const pipesim::api_result& r) {
  return r.ok() || !retryable(r.error->code, r.error->http_status);
}

// The external job: runs JOB_DURATION, then (unless cancelled) ends and, for a hand-off, answers
// Success itself with the callback token, retrying throttles and 5xx every 30 s as a job would.
void answer_until_settled(pipesim::context& c, const std::string& token, json outputs) {
  json request{{"CallbackToken", token},
               {"OutputParameters", outputs},
               {"ClientRequestToken", "job-" + token + "-success-idempotency-key"}};
  const pipesim::api_result r = c.sagemaker("SendPipelineExecutionStepSuccess", request);
  c.log("answered", {{"token", token},
                     {"operation", "SendPipelineExecutionStepSuccess"},
                     {"ok", r.ok()},
                     {"error", r.ok() ? "" : r.error->code}});
  if (!settled_answer(r)) {
    c.after(std::chrono::seconds(30), [token, outputs](pipesim::context& again) {
      answer_until_settled(again, token, outputs);
    });
  }
}

class builtin_handler : public pipesim::lambda::handler {
 public:
  explicit builtin_handler(lambda_handler kind) : kind_(kind) {}
  json handle(const json& event, pipesim::lambda::context& ctx) override;

 private:
  sim::time_us job_duration(pipesim::lambda::context& ctx) const;
  enum class execution_state { executing, not_executing, unknown };
  static execution_state execution_of(pipesim::context& ctx, const std::string& arn);
  // Starts the external job for a token; `answers`: the job answers Success when it ends (the
  // hand-off), else it leaves its result for the next poll (poll_by_raising).
  void start_job(pipesim::lambda::context& ctx, const callback_record& c, bool answers) const;
  void cancel_job(pipesim::lambda::context& ctx, const callback_record& c) const;
  json hand_off(const json& records, pipesim::lambda::context& ctx, bool reads_status);
  json poll_by_raising(const json& records, pipesim::lambda::context& ctx);
  json batch_answer(const json& records, pipesim::lambda::context& ctx);
  json fails_whole_batch(const json& records, pipesim::lambda::context& ctx);
  json answers_twice(const json& records, pipesim::lambda::context& ctx);
  json raises_in_error_handler(const json& records, pipesim::lambda::context& ctx);

  lambda_handler kind_;
};

sim::time_us builtin_handler::job_duration(pipesim::lambda::context& ctx) const {
  const sim::time_us lo = env_duration(ctx, "JOB_DURATION", 10 * sim::k_minute_us);
  const sim::time_us hi = std::max(lo, env_duration(ctx, "JOB_DURATION_MAX", lo));
  return ctx.choose_between("job_ms", lo / sim::k_millisecond_us, hi / sim::k_millisecond_us) *
         sim::k_millisecond_us;
}

builtin_handler::execution_state builtin_handler::execution_of(pipesim::context& ctx,
                                                               const std::string& arn) {
  const pipesim::api_result r =
      ctx.sagemaker("DescribePipelineExecution", {{"PipelineExecutionArn", arn}});
  if (!r.ok()) return execution_state::unknown;
  return r.response.value("PipelineExecutionStatus", "") == "Executing"
             ? execution_state::executing
             : execution_state::not_executing;
}

void builtin_handler::start_job(pipesim::lambda::context& ctx, const callback_record& c,
                                bool answers) const {
  ctx.created(job_of(c.token), c.token);
  const std::string token = c.token;
  json out = outputs_of(ctx);
  ctx.after(std::chrono::microseconds(job_duration(ctx)),
            [token, answers, out](pipesim::context& job) {
              if (!job.exists(job_of(token))) return;  // cancelled by a Stopping message
              job.deleted(job_of(token));
              if (answers) {
                answer_until_settled(job, token, out);
              } else {
                job.created(result_of(token), token);  // the output the next poll finds
              }
            });
}

void builtin_handler::cancel_job(pipesim::lambda::context& ctx, const callback_record& c) const {
  if (ctx.exists(job_of(c.token))) ctx.deleted(job_of(c.token));
  if (ctx.exists(result_of(c.token))) ctx.deleted(result_of(c.token));
}

json builtin_handler::handle(const json& event, pipesim::lambda::context& ctx) {
  const json& records = event["Records"];
  switch (kind_) {
    case lambda_handler::hand_off:
      return hand_off(records, ctx, true);
    case lambda_handler::hand_off_ignores_stopping:
      return hand_off(records, ctx, false);
    case lambda_handler::poll_by_raising:
      return poll_by_raising(records, ctx);
    case lambda_handler::batch_answer:
      return batch_answer(records, ctx);
    case lambda_handler::returns_early:
      return hand_off(records, ctx, true);
    case lambda_handler::fails_whole_batch:
      return fails_whole_batch(records, ctx);
    case lambda_handler::answers_twice:
      return answers_twice(records, ctx);
    case lambda_handler::raises_in_error_handler:
      return raises_in_error_handler(records, ctx);
  }
  return nullptr;
}

// The hand-off (AWS's ECS/Glue pattern): start a job with the token and return; the job answers.
// On Stopping it cancels the job and answers Failure. Idempotent: a redelivered message finds the
// job running, and one that comes back for an execution that is no longer Executing starts none.
// The seeded returns_early bug returns from inside the loop after a Stopping record.
json builtin_handler::hand_off(const json& records, pipesim::lambda::context& ctx,
                               bool reads_status) {
  for (const json& r : records) {
    const callback_record c = read_record(r);
    if (c.token.empty()) {
      ctx.handled(c.message_id);  // not a callback message: nothing to do
      continue;
    }
    if (c.stopping && reads_status) {
      cancel_job(ctx, c);
      const pipesim::api_result a = answer(ctx, c.token, false);
      if (!settled_answer(a))
        throw raised("ClientError", "SendPipelineExecutionStepFailure: " + a.error->code);
      if (kind_ == lambda_handler::returns_early) {
        // The bug: "return" where "continue" was meant; Lambda, seeing a successful invoke,
        // deletes the records after this one, which nobody looked at.
        return nullptr;
      }
      continue;
    }
    if (ctx.exists(job_of(c.token))) {
      ctx.handled(c.message_id);  // a redelivery: the job runs
      continue;
    }
    if (c.receive_count > 1 && reads_status) {
      switch (execution_of(ctx, c.execution_arn)) {
        case execution_state::executing:
          break;
        case execution_state::not_executing:
          ctx.handled(c.message_id);  // the execution moved on: nothing to start
          continue;
        case execution_state::unknown:
          throw raised("ClientError", "DescribePipelineExecution failed");
      }
    }
    start_job(ctx, c, true);
  }
  return nullptr;
}

// The geospatial example's loop, made correct: start the job, raise while it runs (SQS redelivers
// the message after its visibility timeout), answer when its result is there; Stopping cancels it.
json builtin_handler::poll_by_raising(const json& records, pipesim::lambda::context& ctx) {
  bool pending = false;
  for (const json& r : records) {
    const callback_record c = read_record(r);
    if (c.token.empty()) {
      ctx.handled(c.message_id);
      continue;
    }
    if (c.stopping) {
      cancel_job(ctx, c);
      const pipesim::api_result a = answer(ctx, c.token, false);
      if (!settled_answer(a)) pending = true;
      continue;
    }
    if (ctx.exists(result_of(c.token))) {
      const pipesim::api_result a = answer(ctx, c.token, true);
      if (settled_answer(a)) {
        ctx.deleted(result_of(c.token));
      } else {
        pending = true;
      }
      continue;
    }
    if (ctx.exists(job_of(c.token))) {
      pending = true;
      continue;
    }
    if (c.receive_count > 1) {
      const execution_state s = execution_of(ctx, c.execution_arn);
      if (s == execution_state::not_executing) {
        ctx.handled(c.message_id);
        continue;
      }
      if (s == execution_state::unknown) {
        pending = true;
        continue;
      }
    }
    start_job(ctx, c, false);
    pending = true;
  }
  if (pending) throw raised("JobStillRunning", "the job is still running; SQS will redeliver");
  return nullptr;
}

// AWS's sample loop, with ReportBatchItemFailures: answer each record (Success, or Failure for a
// Stopping message) with an idempotency token; report the records whose answer must be retried.
json builtin_handler::batch_answer(const json& records, pipesim::lambda::context& ctx) {
  json failures = json::array();
  for (const json& r : records) {
    const callback_record c = read_record(r);
    if (c.token.empty()) {
      ctx.handled(c.message_id);
      continue;
    }
    const pipesim::api_result a = answer(ctx, c.token, !c.stopping);
    if (!settled_answer(a)) failures.push_back({{"itemIdentifier", c.message_id}});
  }
  return {{"batchItemFailures", failures}};
}

// Hands each record off without asking whether a job already runs (a message is delivered once,
// its author thought), and raises when a DescribePipelineExecution fails: the whole batch comes
// back and the records before the failing one are handed off a second time.
json builtin_handler::fails_whole_batch(const json& records, pipesim::lambda::context& ctx) {
  for (const json& r : records) {
    const callback_record c = read_record(r);
    if (c.token.empty()) {
      ctx.handled(c.message_id);
      continue;
    }
    if (c.stopping) {
      cancel_job(ctx, c);
      const pipesim::api_result a = answer(ctx, c.token, false);
      if (!settled_answer(a)) throw raised("ClientError", a.error->code);
      continue;
    }
    if (execution_of(ctx, c.execution_arn) == execution_state::unknown) {
      throw raised("ClientError", "DescribePipelineExecution failed");
    }
    start_job(ctx, c, true);
  }
  return nullptr;
}

// Answers each token at once; on a redelivered message it answers again with a fresh idempotency
// token (it cannot tell whether the first answer landed) and raises on the ConflictException, so
// the message comes back again and again.
json builtin_handler::answers_twice(const json& records, pipesim::lambda::context& ctx) {
  for (const json& r : records) {
    const callback_record c = read_record(r);
    if (c.token.empty()) {
      ctx.handled(c.message_id);
      continue;
    }
    const pipesim::api_result a = answer(ctx, c.token, !c.stopping, c.receive_count > 1);
    if (!a.ok()) throw raised("ClientError", a.error->code + ": " + a.error->message);
  }
  return nullptr;
}

// Reports its own failures to SageMaker so that no message ever comes back (its queue sends a
// second receive to the DLQ): if the Success answer fails it answers Failure. That except branch
// does not catch its own error: when the Failure answer fails too, the handler raises, the
// message comes back and goes to the DLQ unanswered.
json builtin_handler::raises_in_error_handler(const json& records, pipesim::lambda::context& ctx) {
  for (const json& r : records) {
    const callback_record c = read_record(r);
    if (c.token.empty()) {
      ctx.handled(c.message_id);
      continue;
    }
    const pipesim::api_result a = answer(ctx, c.token, !c.stopping);
    if (settled_answer(a)) continue;
    const pipesim::api_result f = answer(ctx, c.token, false);  // the error handler
    if (!settled_answer(f)) throw raised("ClientError", f.error->code + ": " + f.error->message);
  }
  return nullptr;
}

}  // namespace

pipesim::lambda::handler_factory builtin_lambda_handler(lambda_handler kind) {
  return [kind] { return std::make_unique<builtin_handler>(kind); };
}

}  // namespace scenarios

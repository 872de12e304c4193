// An SQS callback consumer as a user writes it, on the public consumer API. Copy it as the start
// of your own; consumer_properties_test.cpp shows how to test it against every schedule.
//
// It handles each message as a task of its own: for a callback message it starts a training job
// (an external effect, recorded with created()), keeps the message hidden while the job runs,
// and when the job ends answers SendPipelineExecutionStepSuccess and deletes the message. For the
// Stopping message that StopPipelineExecution sends, it cancels the job and answers
// SendPipelineExecutionStepFailure, which lets the execution reach Stopped.
//
// `bugs` switches on three mistakes real consumers make; each passes a plain run and is found by
// exploration (see the tests).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <pipesim/consumer.hpp>
#include <string>

namespace examples {

struct consumer_bugs {
  bool ignore_status = false;         ///< Never reads `status`: a Stopping message is a new job.
  bool not_idempotent = false;        ///< Starts a job on every delivery, even while one runs.
  bool delete_before_answer = false;  ///< Deletes the message on receipt, before answering.
};

class callback_consumer final : public pipesim::consumer {
 public:
  explicit callback_consumer(consumer_bugs bugs = {}) : bugs_(bugs) {}

  void on_message(pipesim::context& ctx, const pipesim::message& m) override {
    const nlohmann::json body = nlohmann::json::parse(m.body, nullptr, false);
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
      remove(ctx, m.receipt_handle);  // not a callback message; it would come back forever
      return;
    }
    const std::string token = body["token"].get<std::string>();
    const std::string job = "training-job/" + token;
    // AWS's documents spell the key both ways.
    const std::string status =
        body.contains("status") ? body.value("status", "") : body.value("Status", "");
    if (bugs_.delete_before_answer) remove(ctx, m.receipt_handle);

    if (status == "Stopping" && !bugs_.ignore_status) {
      // Cancel the job (it takes a while), then report the step failed: only then does the
      // execution reach Stopped.
      ctx.after(std::chrono::milliseconds(ctx.choose_between("cancel_ms", 1'000, 20'000)),
                [this, job, token, m](pipesim::context& c) {
                  if (c.exists(job)) c.deleted(job);
                  answer(c, token, false, m.receipt_handle);
                });
      return;
    }

    const bool running = ctx.exists(job);
    if (!running || bugs_.not_idempotent) {
      if (!running && m.receive_count > 1) {
        // A redelivered message may belong to an execution that was stopped meanwhile (the task
        // that would have deleted it died with a crash): ask before starting anything.
        const pipesim::api_result d =
            ctx.sagemaker("DescribePipelineExecution",
                          {{"PipelineExecutionArn", body.value("pipelineExecutionArn", "")}});
        if (!d.ok()) return;  // unknown: the message comes back and we ask again
        if (d.response.value("PipelineExecutionStatus", "") != "Executing") {
          finish(ctx, m.receipt_handle);
          return;
        }
      }
      ctx.created(job, token);
    }
    // Whoever holds the message watches the job: the first delivery, or after a crash the
    // redelivery that finds the job still running.
    const std::int64_t minutes = ctx.choose_between("training_minutes", 30, 90);
    ctx.sqs("ChangeMessageVisibility", {{"QueueUrl", ctx.queue_url()},
                                        {"ReceiptHandle", m.receipt_handle},
                                        {"VisibilityTimeout", minutes * 60 + 60}});
    ctx.after(std::chrono::minutes(minutes), [this, job, token, m](pipesim::context& c) {
      if (!c.exists(job)) {  // cancelled by the Stopping message, or finished by another task
        finish(c, m.receipt_handle);
        return;
      }
      c.deleted(job);  // the job is done
      answer(c, token, true, m.receipt_handle);
    });
  }

 private:
  // Sends the answer with a ClientRequestToken derived from the callback token, so a repeat (a
  // retry, a redelivery) is an idempotent replay, then deletes the message. Retries throttling
  // and 5xx like the SDKs' standard mode; after three attempts it keeps the message, which comes
  // back once its visibility timeout ends.
  void answer(pipesim::context& ctx, const std::string& token, bool success,
              const std::string& receipt_handle, int attempt = 1) const {
    nlohmann::json request{{"CallbackToken", token},
                           {"ClientRequestToken", "answer-" + token + "-0123456789abcdefghijkl"}};
    if (success) {
      request["OutputParameters"] = {
          {{"Name", "model_uri"}, {"Value", "s3://example-bucket/" + token + "/model.tar.gz"}}};
    } else {
      request["FailureReason"] = "Stopped: training job cancelled";
    }
    const pipesim::api_result r = ctx.sagemaker(
        success ? "SendPipelineExecutionStepSuccess" : "SendPipelineExecutionStepFailure", request);
    const bool retryable =
        !r.ok() && (r.error->code == "ThrottlingException" || r.error->http_status >= 500);
    if (!retryable) {  // answered, or refused for good (ConflictException: already resolved)
      finish(ctx, receipt_handle);
      return;
    }
    if (attempt >= 3) return;
    ctx.after(std::chrono::milliseconds(ctx.choose_between("backoff_ms", 0, 100 << attempt)),
              [this, token, success, receipt_handle, attempt](pipesim::context& c) {
                answer(c, token, success, receipt_handle, attempt + 1);
              });
  }

  void finish(pipesim::context& ctx, const std::string& receipt_handle) const {
    if (!bugs_.delete_before_answer) remove(ctx, receipt_handle);
  }

  static void remove(pipesim::context& ctx, const std::string& receipt_handle) {
    ctx.sqs("DeleteMessage", {{"QueueUrl", ctx.queue_url()}, {"ReceiptHandle", receipt_handle}});
  }

  consumer_bugs bugs_;
};

}  // namespace examples

// Built-in consumer behaviours.
#include "consumers.hpp"

#include "models/sqs/service.hpp"

#include <nlohmann/json.hpp>

namespace scenarios {

using nlohmann::json;

struct consumer::task {
  std::uint64_t generation;
  std::string receipt_handle;
  std::string message_id;
  std::string token;
  bool stopping = false;
  std::int64_t receive_count = 1;
};

consumer::consumer(sim::simulation& s, consumer_spec spec, std::string queue_url,
                   models::sqs::service& sqs, sagemaker_call_fn sagemaker)
    : sim_(s),
      spec_(std::move(spec)),
      queue_url_(std::move(queue_url)),
      sqs_(sqs),
      sagemaker_(std::move(sagemaker)),
      lane_(s.lane("consumer." + spec_.name)),
      ids_(s.stream("consumer." + spec_.name + ".ids")) {}

consumer::~consumer() = default;

void consumer::record(const char* type, json fields) {
  if (!sim_.trace().enabled()) return;
  fields["consumer"] = spec_.name;
  sim_.record(type, fields);
}

void consumer::start() {
  sim_.schedule_after(
      0, [this] { poll(); }, lane_);
}

void consumer::poll() {
  const std::uint64_t generation = generation_;
  json request{{"QueueUrl", queue_url_},
               {"MaxNumberOfMessages", spec_.max_messages},
               {"WaitTimeSeconds", spec_.poll_wait_us / sim::k_second_us},
               {"MessageSystemAttributeNames", json::array({"All"})}};
  sqs_.call_async(
      "ReceiveMessage", request,
      [this, generation](models::api_result r) {
        if (generation != generation_) return;  // the process died while the poll was open
        if (!r.ok()) {
          record("consumer.receive_error", {{"code", r.error->code}});
          sim_.schedule_after(
              sim::k_second_us, [this] { poll(); }, lane_);
          return;
        }
        const json messages = r.response.value("Messages", json::array());
        for (const json& m : messages) handle(m);
        // A short poll that found nothing waits a second rather than spinning in virtual time.
        const sim::time_us pause =
            messages.empty() && spec_.poll_wait_us == 0 ? sim::k_second_us : 0;
        sim_.schedule_after(
            pause,
            [this, generation] {
              if (generation == generation_) poll();
            },
            lane_);
      },
      lane_);
}

std::string consumer::client_request_token(const std::string& callback_token, const char* kind) {
  if (spec_.use_client_request_token) {
    // Derived from the callback token, so a redelivered message repeats the same request and
    // SageMaker's idempotency makes the second answer harmless.
    return "pipesim-" + callback_token + "-" + kind + "-idempotency-key";
  }
  // What the SDK does when the caller passes none: a fresh UUID per call.
  static const char* k_hex = "0123456789abcdef";
  std::string uuid;
  for (int i = 0; i < 36; ++i) {
    uuid += (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : k_hex[ids_.below(16)];
  }
  return uuid;
}

bool consumer::alive(const std::shared_ptr<task>& t) const noexcept {
  return t->generation == generation_;
}

void consumer::handle(const json& message) {
  ++stats_.received;
  auto t = std::make_shared<task>();
  t->generation = generation_;
  t->receipt_handle = message.value("ReceiptHandle", "");
  t->message_id = message.value("MessageId", "");
  if (message.contains("Attributes") && message["Attributes"].contains("ApproximateReceiveCount")) {
    t->receive_count =
        std::stoll(message["Attributes"]["ApproximateReceiveCount"].get<std::string>());
  }
  json body = json::parse(message.value("Body", ""), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("token") ||
      !body["token"].is_string()) {
    record("consumer.message_ignored", {{"message_id", t->message_id}});
    ++tasks_in_flight_;
    finish(t);  // not a callback message: delete it so it does not come back forever
    return;
  }
  t->token = body["token"].get<std::string>();
  // AWS's documents spell the key both ways (spec sagemaker.md §5); a careful consumer reads both.
  const std::string status = body.contains("status") && body["status"].is_string()
                                 ? body["status"].get<std::string>()
                                 : body.value("Status", "");
  t->stopping = status == "Stopping";
  ++tasks_in_flight_;
  record("consumer.message_received", {{"message_id", t->message_id},
                                       {"token", t->token},
                                       {"stopping", t->stopping},
                                       {"receive_count", t->receive_count}});

  if (spec_.behavior == consumer_behavior::never_answer) {
    finish(t);
    return;
  }
  const bool treat_as_stopping =
      t->stopping && spec_.behavior != consumer_behavior::ignore_stopping;
  const duration_range& d = treat_as_stopping ? spec_.cleanup : spec_.work;
  const sim::time_us work_us =
      sim_.choose_between(
          "consumer." + spec_.name + (treat_as_stopping ? ".cleanup_ms" : ".work_ms"),
          d.min_us / sim::k_millisecond_us, d.max_us / sim::k_millisecond_us) *
      sim::k_millisecond_us;
  if (spec_.extend_visibility && spec_.behavior != consumer_behavior::slow) {
    // Keep the message hidden for the whole job plus a margin, within SQS's 12-hour cap.
    const std::int64_t seconds = std::min<std::int64_t>(work_us / sim::k_second_us + 30, 43'000);
    const models::api_result r =
        sqs_.call("ChangeMessageVisibility", {{"QueueUrl", queue_url_},
                                              {"ReceiptHandle", t->receipt_handle},
                                              {"VisibilityTimeout", seconds}});
    record("consumer.visibility_extended",
           {{"message_id", t->message_id}, {"seconds", seconds}, {"ok", r.ok()}});
  }
  const bool success = !treat_as_stopping && spec_.behavior != consumer_behavior::fail;
  sim_.schedule_after(
      work_us,
      [this, t, success] {
        if (alive(t)) answer(t, success);
      },
      lane_);
}

void consumer::answer(const std::shared_ptr<task>& t, bool success) {
  json request{{"CallbackToken", t->token}};
  if (success) {
    json outputs = json::array();
    for (const auto& [name, value] : spec_.outputs.items()) {
      outputs.push_back({{"Name", name}, {"Value", value}});
    }
    request["OutputParameters"] = outputs;
    request["ClientRequestToken"] = client_request_token(t->token, "success");
  } else {
    request["FailureReason"] = t->stopping
                                   ? "Stopped: the consumer cleaned up after StopPipelineExecution"
                                   : spec_.failure_reason;
    request["ClientRequestToken"] = client_request_token(t->token, "failure");
  }
  const char* operation =
      success ? "SendPipelineExecutionStepSuccess" : "SendPipelineExecutionStepFailure";
  const models::api_result r = sagemaker_(operation, request);
  if (r.ok()) {
    ++(success ? stats_.answered_success : stats_.answered_failure);
  } else {
    ++stats_.answer_errors;
  }
  record("consumer.answered", {{"token", t->token},
                               {"operation", operation},
                               {"ok", r.ok()},
                               {"error", r.ok() ? "" : r.error->code}});
  // Crash between the side effect (the answer) and the delete: SQS will deliver the message again.
  const double p_crash =
      spec_.behavior == consumer_behavior::crash_before_delete && t->receive_count == 1
          ? (spec_.crash_probability > 0 ? spec_.crash_probability : 1.0)
          : spec_.crash_probability;
  if (sim_.chance("consumer." + spec_.name + ".crash", p_crash)) {
    crash();
    return;
  }
  finish(t);
}

void consumer::finish(const std::shared_ptr<task>& t) {
  const models::api_result r =
      sqs_.call("DeleteMessage", {{"QueueUrl", queue_url_}, {"ReceiptHandle", t->receipt_handle}});
  if (r.ok()) ++stats_.deleted;
  record("consumer.deleted",
         {{"message_id", t->message_id}, {"ok", r.ok()}, {"error", r.ok() ? "" : r.error->code}});
  --tasks_in_flight_;
}

void consumer::crash() {
  ++stats_.crashes;
  ++generation_;
  tasks_in_flight_ = 0;
  record("consumer.crashed", {{"restart_after_us", k_restart_after_us}});
  sim_.schedule_after(
      k_restart_after_us,
      [this] {
        record("consumer.restarted", json::object());
        poll();
      },
      lane_);
}

}  // namespace scenarios

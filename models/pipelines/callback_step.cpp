// Callback steps: the token, the message to SQS (with send retries), the callback timeout, and
// SendPipelineExecutionStepSuccess / Failure.
#include "models/pipelines/detail/service_impl.hpp"
#include "sim/assert.hpp"

namespace models::pipelines {

using namespace detail;
using models::api_result;
using nlohmann::json;

json service::impl::message_body(const execution& e, std::size_t i, const char* status) const {
  json body = {{"token", e.steps[i].token},
               {"pipelineExecutionArn", e.arn},
               {"arguments", resolve(def(e).steps[i].arguments, context(e))}};
  if (status != nullptr) body[knobs.text("callback.status_key")] = status;
  return body;
}

api_result service::impl::send_to_queue(const execution& e, std::size_t i, const json& body,
                                        const std::string& kind) {
  const std::string& url = def(e).steps[i].sqs_queue_url;
  json request = {{"QueueUrl", url}, {"MessageBody", body.dump()}};
  const bool fifo = url.size() >= 5 && url.compare(url.size() - 5, 5, ".fifo") == 0;
  if (fifo && knobs.flag("callback.fifo_message_group")) request["MessageGroupId"] = e.id;
  api_result res =
      send ? send(request) : api_result::failure("QueueDoesNotExist", "no SQS sender configured");
  trace("pipeline.callback_message", [&] {
    json fields = {{"execution", e.arn},
                   {"step", def(e).steps[i].name},
                   {"token", e.steps[i].token},
                   {"queue", url},
                   {"kind", kind},
                   {"body", body}};
    if (res.ok())
      fields["message_id"] = res.response.value("MessageId", "");
    else
      fields["error"] = res.error->code;
    return fields;
  });
  return res;
}

void service::impl::start_callback(execution& e, std::size_t i) {
  step_run& r = e.steps[i];
  r.token =
      random_chars(tokens, 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  ++r.generation;
  r.send_attempts = 0;
  r.callback = std::make_unique<callback_machine>(sim, step_label(e, i) + "#" + r.token);
  token_index[r.token] = {execution_index.at(e.arn), i, r.generation};
  send_callback_message(execution_index.at(e.arn), i);
}

void service::impl::send_callback_message(std::size_t ex, std::size_t i) {
  execution& e = *executions[ex];
  step_run& r = e.steps[i];
  r.work_event = sim::event_id{};
  ++r.send_attempts;
  const std::string initial = knobs.text("callback.initial_status");
  const api_result res = send_to_queue(
      e, i, message_body(e, i, initial == "absent" ? nullptr : initial.c_str()), "initial");
  if (res.ok()) {
    ++r.callback_messages;
    callback_event(e, i, events::callback_message_sent{});  // Starts the callback timer.
    return;
  }
  if (r.send_attempts < knobs.integer("callback.send_attempts") &&
      e.machine->status() == execution_status::executing) {
    const sim::time_us delay = sim::k_second_us << std::min(r.send_attempts - 1, 20);
    r.work_event = sim.schedule_after(
        delay, [this, ex, i] { send_callback_message(ex, i); }, e.lane);
    return;
  }
  callback_event(e, i, events::callback_message_send_failed{});
  step_failed(e, i,
              "Failed to send the callback message to " + def(e).steps[i].sqs_queue_url + ": " +
                  res.error->code + ": " + res.error->message);
  advance(e);
}

void service::impl::callback_timed_out(std::size_t ex, std::size_t i) {
  execution& e = *executions[ex];
  e.steps[i].timer_event = sim::event_id{};
  callback_event(e, i, events::callback_timed_out{});  // Fails the step.
  advance(e);
}

api_result service::impl::answer(const std::string& op, const json& req, bool success) {
  if (auto err = check_string(req, "CallbackToken", true, 10, 10, token_pattern, k_token_pattern))
    return *err;
  if (auto err = check_token(req, false)) return *err;
  if (success) {
    json outs = req.value("OutputParameters", json::array());
    if (!outs.is_array()) return invalid("outputParameters", outs, "Member must be a list");
    if (outs.size() > 50)
      return invalid("outputParameters", outs, "Member must have length less than or equal to 50");
    for (const json& o : outs) {
      if (!o.is_object()) return invalid("outputParameters", o, "Member must be a structure");
      if (auto err = check_string(o, "Name", true, 0, 256)) return *err;
      if (auto err = check_string(o, "Value", true, 0, 1024)) return *err;
    }
  } else {
    if (auto err = check_string(req, "FailureReason", false, 0, 256)) return *err;
  }
  if (auto r = replay(op, req)) return *r;
  const std::string token = req["CallbackToken"].get<std::string>();
  auto t = token_index.find(token);
  if (t == token_index.end()) {
    const std::string& code = knobs.text("callback.unknown_token_error");
    return api_result::failure(code, "Callback token '" + token + "' does not exist.");
  }
  PIPESIM_ASSERT(sim,
                 t->second.execution < executions.size() &&
                     t->second.step < executions[t->second.execution]->steps.size(),
                 "an issued callback token names an existing step");
  execution& e = *executions[t->second.execution];
  const std::size_t i = t->second.step;
  step_run& r = e.steps[i];
  const bool waiting = r.generation == t->second.generation && r.callback &&
                       (r.callback->state() == callback_state::waiting_for_answer ||
                        r.callback->state() == callback_state::stopping_message_pending ||
                        r.callback->state() == callback_state::stopping_message_sent) &&
                       running(r);
  if (!waiting) {
    const std::string& mode = knobs.text("callback.answer_after_resolution");
    sim.reach("sagemaker.answer_rejected");
    trace("pipeline.callback_answer_rejected", [&] {
      return json{
          {"execution", e.arn}, {"step", def(e).steps[i].name}, {"token", token}, {"mode", mode}};
    });
    if (mode == "return_success") return api_result::success({{"PipelineExecutionArn", e.arn}});
    return api_result::failure(mode,
                               "Callback token '" + token +
                                   "' belongs to a step that is no longer waiting for an answer.");
  }
  api_result result = api_result::success({{"PipelineExecutionArn", e.arn}});
  remember(op, req, result);
  if (r.timer_event.valid()) sim.cancel(r.timer_event);
  r.timer_event = sim::event_id{};
  ++r.resolutions;
  const bool stopping = r.machine->status() == step_status::stopping;
  trace("pipeline.callback_resolved", [&] {
    return json{{"execution", e.arn},
                {"step", def(e).steps[i].name},
                {"token", token},
                {"outcome", success ? "Success" : "Failure"},
                {"during_stop", stopping}};
  });
  // The callback table decides what the answer does to the step (waiting, or stopping).
  r.answer = req;
  if (success)
    callback_event(e, i, events::callback_answered_success{});
  else
    callback_event(e, i, events::callback_answered_failure{});
  r.answer = json();
  advance(e);
  return result;
}

void service::impl::record_output_parameters(execution& e, std::size_t i) {
  step_run& r = e.steps[i];
  const std::string& step_name = def(e).steps[i].name;
  r.output_parameters = json::array();
  for (const json& o : r.answer.value("OutputParameters", json::array())) {
    const std::string name = o["Name"].get<std::string>();
    const std::string value = o["Value"].get<std::string>();
    r.output_parameters.push_back({{"Name", name}, {"Value", value}});
    std::string type = "String";
    for (const auto& [n, ty] : def(e).steps[i].output_parameters)
      if (n == name) type = ty;
    e.properties[step_name]["OutputParameters['" + name + "']"] = typed_output(type, value);
  }
}

}  // namespace models::pipelines

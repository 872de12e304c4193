// Behaviour coverage: the situations a scenario's runs can reach (the models' own and those that
// span them), and the probe that notices the cross-model ones.
#include "scenarios/detail/situations.hpp"

#include "models/lambda/mapping.hpp"
#include "scenarios/scenario.hpp"

#include <algorithm>

namespace scenarios {
namespace detail {

namespace pl = models::pipelines;
using nlohmann::json;

std::vector<sim::situation> cross_model_situations() {
  return {
      {"stop.callback_message_delayed",
       "the stop came while the callback message was still delayed in SQS (not yet visible)"},
      {"stop.callback_message_waiting",
       "the stop came while the callback message waited in the queue, never received"},
      {"stop.callback_message_in_flight",
       "the stop came while a consumer held the callback message (received, not deleted)"},
      {"stop.callback_message_deleted",
       "the stop came after the callback message was deleted but before any answer"},
      {"stop.after_callback_answered",
       "the stop came after a callback step of the execution was answered"},
      {"work.visibility_expired_before_answer",
       "a callback message's visibility timeout ran out while its token was still unanswered "
       "(the work outlived it, or its consumer died): another receive may start it again"},
      {"delivery.after_answer",
       "a copy of a callback message was received after its token was answered"},
      {"delivery.stopping_before_original",
       "the Stopping message was received before the original message of its token"},
  };
}

void situation_probe::callback_message_sent(const json& request, const models::api_result& r) {
  if (!r.ok()) return;
  const std::string id = r.response.value("MessageId", "");
  const json body = json::parse(request.value("MessageBody", ""), nullptr, false);
  if (id.empty() || !body.is_object()) return;
  const std::string token = body.value("token", "");
  const bool stopping = body.contains(status_key_) && body[status_key_] == "Stopping";
  messages_[id] = {token, stopping};
  token_messages& t = tokens_[token];
  if (!stopping) {
    t.queue_url = request.value("QueueUrl", "");
    t.initial = id;
    return;
  }
  if (t.initial.empty()) return;
  if (answered(token)) return;
  // Where SQS had the original when SageMaker sent the Stopping message (one census look per stop).
  for (const models::sqs::census_entry& c : sqs_.census(t.queue_url)) {
    if (c.message_id != t.initial || c.copy != 0) continue;
    switch (c.state) {
      case models::sqs::message_state::delayed:
        sim_.reach("stop.callback_message_delayed");
        break;
      case models::sqs::message_state::visible:
        sim_.reach("stop.callback_message_waiting");
        break;
      case models::sqs::message_state::in_flight:
        sim_.reach("stop.callback_message_in_flight");
        break;
      case models::sqs::message_state::deleted:
        sim_.reach("stop.callback_message_deleted");
        break;
      default:
        break;
    }
  }
}

void situation_probe::message_received(const std::string& message_id) {
  const auto m = messages_.find(message_id);
  if (m == messages_.end()) return;
  token_messages& t = tokens_[m->second.token];
  if (m->second.stopping) {
    if (!t.initial_received) sim_.reach("delivery.stopping_before_original");
  } else {
    t.initial_received = true;
  }
  if (answered(m->second.token)) sim_.reach("delivery.after_answer");
}

void situation_probe::visibility_expired(const std::string& message_id) {
  const auto m = messages_.find(message_id);
  if (m == messages_.end() || m->second.stopping) return;
  if (!answered(m->second.token)) sim_.reach("work.visibility_expired_before_answer");
}

bool situation_probe::answered(const std::string& token) const {
  if (executions_ == nullptr) return false;
  for (const pl::execution_observation& e : *executions_) {
    for (const pl::step_observation& s : e.steps) {
      if (s.callback_token != token || !s.callback) continue;
      return *s.callback == pl::callback_state::answered_success ||
             *s.callback == pl::callback_state::answered_failure;
    }
  }
  return false;
}

void situation_probe::observe(const std::vector<pl::execution_observation>& executions) {
  executions_ = &executions;
  for (const pl::execution_observation& e : executions) {
    if (e.status != pl::execution_status::stopping || stopping_seen_.count(e.arn)) continue;
    stopping_seen_.insert(e.arn);
    const bool after_answer = std::any_of(e.steps.begin(), e.steps.end(), [](const auto& s) {
      return s.callback && (*s.callback == pl::callback_state::answered_success ||
                            *s.callback == pl::callback_state::answered_failure);
    });
    if (after_answer) sim_.reach("stop.after_callback_answered");
  }
}

}  // namespace detail

std::vector<sim::situation> situations(const scenario& sc) {
  std::vector<sim::situation> out = models::pipelines::situations();
  for (sim::situation& s : models::sqs::situations()) out.push_back(std::move(s));
  const bool lambda = std::any_of(sc.consumers.begin(), sc.consumers.end(),
                                  [](const consumer_spec& c) { return c.lambda.has_value(); });
  if (lambda) {
    for (sim::situation& s : models::lambda::situations()) out.push_back(std::move(s));
  }
  for (sim::situation& s : detail::cross_model_situations()) out.push_back(std::move(s));
  return out;
}

std::vector<sim::situation> all_situations() {
  std::vector<sim::situation> out = models::pipelines::situations();
  for (sim::situation& s : models::sqs::situations()) out.push_back(std::move(s));
  for (sim::situation& s : models::lambda::situations()) out.push_back(std::move(s));
  for (sim::situation& s : detail::cross_model_situations()) out.push_back(std::move(s));
  return out;
}

}  // namespace scenarios

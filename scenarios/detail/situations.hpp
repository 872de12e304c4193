// Situations that span the models, which no single model can see: where SQS had the callback
// message when the stop came, a copy delivered after its token was answered, the Stopping message
// read before the original. The world feeds it the callback messages SageMaker sends, every
// receive, and its per-event snapshot of the executions.
#pragma once

#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace scenarios::detail {

class situation_probe {
 public:
  situation_probe(sim::simulation& s, const models::sqs::service& sqs, std::string status_key)
      : sim_(s), sqs_(sqs), status_key_(std::move(status_key)) {}

  /// SageMaker sent a callback message (request as sent, SQS's answer).
  void callback_message_sent(const nlohmann::json& request, const models::api_result& result);
  /// SQS handed a message out.
  void message_received(const std::string& message_id);
  /// A received message became visible again: its visibility timeout ran out.
  void visibility_expired(const std::string& message_id);
  /// After each event, with the executions as they are now.
  void observe(const std::vector<models::pipelines::execution_observation>& executions);

 private:
  struct sent_message {
    std::string token;
    bool stopping = false;
  };
  struct token_messages {
    std::string queue_url;
    std::string initial;  // message id of the initial message
    bool initial_received = false;
  };
  bool answered(const std::string& token) const;

  sim::simulation& sim_;
  const models::sqs::service& sqs_;
  std::string status_key_;
  std::map<std::string, sent_message> messages_;  // by message id
  std::map<std::string, token_messages> tokens_;
  std::set<std::string> stopping_seen_;  // executions seen Stopping
  const std::vector<models::pipelines::execution_observation>* executions_ = nullptr;
};

/// The cross-model situations, for the catalog.
std::vector<sim::situation> cross_model_situations();

}  // namespace scenarios::detail

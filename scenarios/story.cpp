// Builds the story of a run from its trace lines.
#include "story.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace scenarios {

using nlohmann::json;

namespace {

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "arn:...:pipeline/train/execution/abc" -> "train/abc".
std::string short_arn(const std::string& arn) {
  const std::size_t p = arn.find(":pipeline/");
  if (p == std::string::npos) return arn;
  std::string s = arn.substr(p + 10);
  const std::size_t e = s.find("/execution/");
  if (e != std::string::npos) s.replace(e, 11, "/");
  return s;
}

std::string short_id(const std::string& id) { return id.substr(0, 8); }

struct entry {
  sim::time_us at_us;
  std::uint64_t order;
  std::string text;
};

}  // namespace

std::vector<std::string> story(const std::vector<std::string>& trace_lines,
                               const std::string& failed_detail,
                               const std::vector<story_mark>& marks, std::size_t max_lines) {
  std::vector<json> records;
  records.reserve(trace_lines.size());
  for (const std::string& l : trace_lines) {
    json j = json::parse(l, nullptr, false);
    if (j.is_object()) records.push_back(std::move(j));
  }
  // What the check is about: an execution it names, else all of them; then the tokens of that
  // execution's callback messages and the SQS messages that carried them.
  std::set<std::string> executions;
  for (const json& r : records) {
    const std::string arn = str(r, "execution");
    if (!arn.empty() && failed_detail.find(arn) != std::string::npos) executions.insert(arn);
  }
  const bool all = executions.empty();
  std::set<std::string> tokens;
  std::set<std::string> messages;
  for (const json& r : records) {
    if (str(r, "type") != "pipeline.callback_message") continue;
    if (!all && executions.count(str(r, "execution")) == 0) continue;
    tokens.insert(str(r, "token"));
    if (!str(r, "message_id").empty()) messages.insert(str(r, "message_id"));
  }
  for (const json& r : records) {
    // Consumers name the token of a message when they receive it: a message a consumer read the
    // token of belongs to the story too (a copy SageMaker did not send, say).
    if (str(r, "type") == "consumer.message_received" && tokens.count(str(r, "token"))) {
      messages.insert(str(r, "message_id"));
    }
  }
  // Lambda invokes whose batch holds a message of the story.
  std::set<std::string> invokes;
  for (const json& r : records) {
    if (str(r, "type") != "lambda.invoked" || !r.contains("records")) continue;
    for (const json& id : r["records"]) {
      if (id.is_string() && messages.count(id.get<std::string>()))
        invokes.insert(str(r, "request_id"));
    }
  }
  const auto about_invoke = [&](const json& r) { return invokes.count(str(r, "request_id")) > 0; };
  const auto about_execution = [&](const json& r) {
    return all || executions.count(str(r, "execution")) > 0;
  };
  const auto about_message = [&](const json& r) {
    return messages.count(str(r, "message_id")) > 0;
  };
  const auto about_token = [&](const json& r) { return tokens.count(str(r, "token")) > 0; };

  std::vector<entry> entries;
  std::uint64_t order = 1;  // 0 is for deviations, told first among the records of their instant
  for (const json& r : records) {
    const std::string type = str(r, "type");
    const sim::time_us t = r.value("t", sim::time_us{0});
    const std::string consumer = str(r, "consumer");
    const std::string msg =
        "message " + short_id(str(r, "message_id")) +
        (r.value("copy", 0) > 0 ? " (copy " + std::to_string(r.value("copy", 0)) + ")" : "");
    std::string text;
    if (type == "pipeline.execution_status" && about_execution(r)) {
      text = "execution " + short_arn(str(r, "execution")) + " is " + str(r, "to");
    } else if (type == "pipeline.step_status" && about_execution(r)) {
      text = "step " + str(r, "step") + " is " + str(r, "to");
    } else if (type == "pipeline.callback_message" && about_execution(r)) {
      text = "SageMaker sends the " + str(r, "kind") + " message of step " + str(r, "step") +
             ", token " + str(r, "token") +
             (str(r, "error").empty() ? " as message " + short_id(str(r, "message_id"))
                                      : ": SQS answered " + str(r, "error"));
    } else if (type == "pipeline.callback_resolved" && about_execution(r)) {
      text = "SageMaker takes the " + str(r, "outcome") + " answer for token " + str(r, "token");
    } else if (type == "pipeline.callback_answer_rejected" &&
               (about_execution(r) || about_token(r))) {
      text = "SageMaker rejects an answer for token " + str(r, "token") + ": " + str(r, "error");
    } else if (type == "sqs.message_received" && about_message(r)) {
      text =
          "SQS delivers " + msg + " (receive " + std::to_string(r.value("receive_count", 0)) + ")";
    } else if (type == "sqs.message_returned" && about_message(r)) {
      text = msg + " is back in queue " + str(r, "queue") + " (" + str(r, "reason") + ")";
    } else if (type == "sqs.message_moved_to_dlq" && about_message(r)) {
      text = msg + " moved to DLQ " + str(r, "target") + " after " +
             std::to_string(r.value("receive_count", 0)) + " receives";
    } else if (type == "sqs.duplicate_created" && about_message(r)) {
      text = "SQS makes a duplicate: " + msg;
    } else if (type == "sqs.message_expired" && about_message(r)) {
      text = msg + " expired (retention period)";
    } else if (type == "sqs.message_deleted" && about_message(r)) {
      text = msg + " deleted";
    } else if (type == "sqs.delete_ignored" && about_message(r)) {
      text = "a delete of " + msg + " had no effect (stale receipt handle)";
    } else if (type == "consumer.message_received" && (about_message(r) || about_token(r))) {
      text = consumer + " reads " + msg + (r.value("stopping", false) ? " (status Stopping)" : "");
    } else if (type == "consumer.answered" && about_token(r)) {
      text = consumer + " calls " + str(r, "operation") + ": " +
             (r.value("ok", false) ? std::string("ok") : str(r, "error"));
    } else if (type == "consumer.answer_deferred" && about_token(r)) {
      text = consumer + " gives up answering for now (" + str(r, "error") + ")";
    } else if (type == "consumer.effect" && (about_token(r) || all)) {
      text = consumer + " " + str(r, "effect") + " " + str(r, "resource");
    } else if (type == "consumer.crashed") {
      text = consumer + " crashed";
    } else if (type == "consumer.restarted") {
      text = consumer + " restarted";
    } else if (type == "lambda.invoked" && about_invoke(r)) {
      std::string ids;
      for (const json& id : r["records"]) {
        ids += (ids.empty() ? "" : ", ") + short_id(id.is_string() ? id.get<std::string>() : "");
      }
      text = "Lambda " + str(r, "mapping") + " invokes " + short_id(str(r, "request_id")) +
             (r.value("cold", false) ? " (cold start)" : "") + " with " + ids;
    } else if (type == "lambda.invocation_ended" && about_invoke(r)) {
      text = "invoke " + short_id(str(r, "request_id")) + " " + str(r, "outcome") +
             (str(r, "error_type").empty() ? "" : " (" + str(r, "error_type") + ")") + ": " +
             str(r, "verdict") + ", Lambda deletes " + std::to_string(r.value("deleted", 0)) +
             ", " + std::to_string(r.value("returned_to_queue", 0)) + " come back";
    } else if (type == "consumer.handler_log" && about_invoke(r)) {
      // A user's handler's own output, for the invokes the story is about.
      std::string line = str(r, "text");
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      if (line.size() > 160) line = line.substr(0, 157) + "...";
      if (!line.empty()) text = consumer + " " + str(r, "stream") + ": " + line;
    } else if (type == "consumer.handler_call" && about_invoke(r)) {
      text = consumer + " calls " + str(r, "service") + " " + str(r, "operation") +
             (r.value("mocked", false) ? " (mocked)" : "") +
             (r.value("unsimulated", false) ? " (neither simulated nor mocked)" : "");
    } else if (type == "consumer.handler_answer" && about_invoke(r) && r.contains("error") &&
               r["error"].is_string()) {
      text = consumer + " gets " + str(r, "error") + " from " + str(r, "operation");
    } else if (type == "consumer.handler_exited" && about_invoke(r)) {
      text = consumer + "'s runtime exited (" + str(r, "status") + ")";
    } else if (type == "consumer.worker_answer" && str(r, "operation") == "ReceiveMessage" &&
               !(r.contains("error") && r["error"].is_string())) {
      // A worker program's receives that got a message of the story (empty long polls are not
      // news), then everything else it did and wrote.
      std::string ids;
      for (const json& id : r.value("messages", json::array())) {
        const std::string m = id.is_string() ? id.get<std::string>() : "";
        if (messages.count(m)) ids += (ids.empty() ? "" : ", ") + short_id(m);
      }
      if (!ids.empty()) text = consumer + " receives " + ids;
    } else if (type == "consumer.worker_call" && str(r, "operation") != "ReceiveMessage") {
      text = consumer + " calls " + str(r, "service") + " " + str(r, "operation") +
             (r.value("mocked", false) ? " (mocked)" : "") +
             (r.value("unsimulated", false) ? " (neither simulated nor mocked)" : "");
    } else if (type == "consumer.worker_answer" && r.contains("error") && r["error"].is_string()) {
      text = consumer + " gets " + str(r, "error") + " from " + str(r, "operation");
    } else if (type == "consumer.worker_log") {
      std::string line = str(r, "text");
      if (line.size() > 160) line = line.substr(0, 157) + "...";
      if (!line.empty()) text = consumer + " " + str(r, "stream") + ": " + line;
    } else if (type == "consumer.worker_exited") {
      text = consumer + " exited (" + str(r, "status") + ")";
    } else if (type == "lambda.message_filtered" && about_message(r)) {
      text = "Lambda " + str(r, "mapping") + " drops " + msg + " (no filter matches)";
    } else if (type == "invariant.violated" && str(r, "invariant") == "no_lost_callback") {
      text = "Lambda deletes a record nobody handled (no_lost_callback)";
    } else if (type == "action.call") {
      text = "action #" + std::to_string(r.value("index", 0)) + " calls " + str(r, "call");
    } else if (type == "action.result") {
      text = "action #" + std::to_string(r.value("index", 0)) + " " + str(r, "call") + ": " +
             (r.value("ok", false) ? std::string("ok") : str(r, "error"));
    }
    if (!text.empty()) entries.push_back({t, order++, std::move(text)});
  }
  for (const story_mark& m : marks) {
    entries.push_back({m.at_us, 0,
                       "* deviation: " + m.label + " = " + std::to_string(m.pick) + " (of " +
                           std::to_string(m.options) + ")"});
  }
  // Deviations go first among the records of their instant: a choice is made before its effect.
  std::stable_sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) {
    return a.at_us != b.at_us ? a.at_us < b.at_us : a.order < b.order;
  });
  std::vector<std::string> out;
  for (const entry& e : entries) {
    if (out.size() + 1 >= max_lines && entries.size() > max_lines) {
      out.push_back("... " + std::to_string(entries.size() - out.size()) + " more");
      break;
    }
    std::string time = sim::format_duration(e.at_us);
    if (time.size() < 10) time.resize(10, ' ');
    out.push_back(time + "  " + e.text);
  }
  return out;
}

}  // namespace scenarios

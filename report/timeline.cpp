// Lays a trace out as lanes, rows, marks and arrows. One pass in trace order: each record that
// says something gets a row and a mark on its actor's lane; the SQS records also resolve their
// arrows (a receive is drawn from the message's send to whoever got it, found among the records
// of the same instant, since a receiver's own record follows the queue's).
#include "report/timeline.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace report {

using nlohmann::json;

const char* to_string(lane_kind k) noexcept {
  switch (k) {
    case lane_kind::actions:
      return "actions";
    case lane_kind::execution:
      return "execution";
    case lane_kind::step:
      return "step";
    case lane_kind::queue:
      return "queue";
    case lane_kind::consumer:
      return "consumer";
    case lane_kind::lambda:
      return "lambda";
    case lane_kind::invocation:
      return "invocation";
    case lane_kind::faults:
      return "faults";
    case lane_kind::other:
      return "other";
  }
  return "other";
}

std::string short_execution(const std::string& arn) {
  const std::size_t p = arn.find(":pipeline/");
  if (p == std::string::npos) return arn;
  std::string s = arn.substr(p + 10);
  const std::size_t e = s.find("/execution/");
  if (e != std::string::npos) s.replace(e, 11, "/");
  return s;
}

namespace {

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t num(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string short_id(const std::string& id) { return id.substr(0, 8); }

// The queue name at the end of an SQS queue URL.
std::string queue_name(const std::string& url_or_name) {
  const std::size_t slash = url_or_name.rfind('/');
  return slash == std::string::npos ? url_or_name : url_or_name.substr(slash + 1);
}

struct point {
  std::size_t row = 0;
  std::size_t lane = 0;
};

class builder {
 public:
  explicit builder(timeline& out) : t_(out) {}

  void add(json r) {
    const std::string type = str(r, "type");
    // The instant changed: receives nobody claimed are drawn into their queue.
    const sim::time_us t = r.value("t", sim::time_us{0});
    if (t != instant_) flush_receives();
    instant_ = t;
    t_.end_us = std::max(t_.end_us, t);
    current_ = std::move(r);
    if (!draw(type)) {
      ++t_.undrawn;
      return;
    }
  }

  void finish(const json& end) {
    flush_receives();
    // Checks made when the run ended are pinned at its last row; an invariant already pinned
    // where it broke is not pinned twice.
    if (end.contains("failed") && end["failed"].is_array()) {
      for (const json& c : end["failed"]) {
        const std::string id = str(c, "id");
        const bool pinned =
            std::any_of(t_.pins.begin(), t_.pins.end(), [&](const pin& p) { return p.id == id; });
        if (pinned) continue;
        std::string text = str(c, "name");
        if (!str(c, "detail").empty()) text += ": " + str(c, "detail");
        t_.pins.push_back({t_.rows.empty() ? 0 : t_.rows.size() - 1, id, text});
      }
    }
    if (t_.executions.size() > 1) {
      for (lane& l : t_.lanes) {
        if (l.kind == lane_kind::step) l.title += " (" + short_execution(l.execution) + ")";
      }
    }
    // Lanes in kind order, first appearance within a kind; every index is remapped.
    std::vector<std::size_t> order(t_.lanes.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const lane& la = t_.lanes[a];
      const lane& lb = t_.lanes[b];
      if (la.kind == lane_kind::step && lb.kind == lane_kind::step &&
          la.execution != lb.execution) {
        return execution_rank(la.execution) < execution_rank(lb.execution);
      }
      return la.kind < lb.kind;
    });
    // Each execution's steps follow it: an execution's lanes sit together.
    std::vector<std::size_t> grouped;
    for (std::size_t i : order) {
      if (t_.lanes[i].kind == lane_kind::step) continue;
      grouped.push_back(i);
      if (t_.lanes[i].kind != lane_kind::execution) continue;
      for (std::size_t j : order) {
        if (t_.lanes[j].kind == lane_kind::step && t_.lanes[j].execution == t_.lanes[i].execution)
          grouped.push_back(j);
      }
    }
    for (std::size_t j : order) {  // steps of an execution with no lane of its own
      if (std::find(grouped.begin(), grouped.end(), j) == grouped.end()) grouped.push_back(j);
    }
    std::vector<std::size_t> where(grouped.size());
    std::vector<lane> lanes;
    for (std::size_t k = 0; k < grouped.size(); ++k) {
      where[grouped[k]] = k;
      lanes.push_back(t_.lanes[grouped[k]]);
    }
    t_.lanes = std::move(lanes);
    for (mark& m : t_.marks) m.lane = where[m.lane];
    for (arrow& a : t_.arrows) {
      a.from_lane = where[a.from_lane];
      a.to_lane = where[a.to_lane];
    }
  }

 private:
  std::size_t execution_rank(const std::string& arn) const {
    const auto it = std::find(t_.executions.begin(), t_.executions.end(), arn);
    return static_cast<std::size_t>(it - t_.executions.begin());
  }

  std::size_t lane_of(lane_kind kind, const std::string& key, const std::string& title,
                      const std::string& execution = "") {
    const auto it = lane_index_.find(key);
    if (it != lane_index_.end()) return it->second;
    t_.lanes.push_back({kind, key, title, execution});
    lane_index_.emplace(key, t_.lanes.size() - 1);
    return t_.lanes.size() - 1;
  }

  void note_execution(const std::string& arn) {
    if (arn.empty()) return;
    if (std::find(t_.executions.begin(), t_.executions.end(), arn) == t_.executions.end())
      t_.executions.push_back(arn);
  }

  std::size_t execution_lane(const std::string& arn) {
    note_execution(arn);
    return lane_of(lane_kind::execution, "execution:" + arn, "execution " + short_execution(arn),
                   arn);
  }
  std::size_t step_lane(const std::string& arn, const std::string& step) {
    note_execution(arn);
    // Named after its execution too, when the run has more than one (see finish).
    return lane_of(lane_kind::step, "step:" + arn + "/" + step, "step " + step, arn);
  }
  std::size_t queue_lane(const std::string& url_or_name) {
    const std::string name = queue_name(url_or_name);
    return lane_of(lane_kind::queue, "queue:" + name, "queue " + name);
  }
  std::size_t consumer_lane(const std::string& name) {
    return lane_of(lane_kind::consumer, "consumer:" + name, "consumer " + name);
  }
  std::size_t lambda_lane(const std::string& mapping) {
    return lane_of(lane_kind::lambda, "lambda:" + mapping, "lambda " + mapping + " (pollers)");
  }
  std::size_t invocation_lane(const std::string& request_id) {
    const auto it = invocation_mapping_.find(request_id);
    const std::string mapping = it == invocation_mapping_.end() ? "" : it->second;
    std::string execution;
    const auto e = invocation_executions_.find(request_id);
    if (e != invocation_executions_.end() && e->second.size() == 1) execution = *e->second.begin();
    return lane_of(lane_kind::invocation, "invoke:" + request_id,
                   (mapping.empty() ? "" : mapping + " ") + "invoke " + short_id(request_id),
                   execution);
  }
  std::size_t faults_lane() { return lane_of(lane_kind::faults, "faults", "faults and choices"); }

  // Starts the current record's row; every mark and arrow of the record goes on it.
  std::size_t open_row() {
    if (row_open_) return t_.rows.size() - 1;
    row r;
    r.t_us = instant_;
    r.event = t_.events.size();
    const sim::time_us previous = t_.rows.empty() ? 0 : t_.rows.back().t_us;
    if (instant_ - previous >= k_gap_threshold_us) r.gap_us = instant_ - previous;
    t_.events.push_back(current_);
    t_.rows.push_back(std::move(r));
    row_open_ = true;
    return t_.rows.size() - 1;
  }

  void about(std::size_t row_index, const std::string& arn) {
    if (arn.empty()) return;
    note_execution(arn);
    std::vector<std::string>& v = t_.rows[row_index].executions;
    if (std::find(v.begin(), v.end(), arn) == v.end()) v.push_back(arn);
  }

  std::size_t put(std::size_t lane, std::string label, std::string style) {
    const std::size_t r = open_row();
    t_.marks.push_back({r, lane, std::move(label), std::move(style)});
    return r;
  }

  void link(point from, point to, std::string label, std::string style,
            const std::string& message_id = "") {
    t_.arrows.push_back(
        {from.row, from.lane, to.row, to.lane, std::move(label), std::move(style), message_id});
  }

  // The execution a token, message or invoke belongs to ("" if unknown).
  std::string execution_of_message(const std::string& id) const {
    const auto it = message_execution_.find(id);
    return it == message_execution_.end() ? "" : it->second;
  }

  void flush_receives() {
    for (const auto& [id, pending] : pending_receives_) {
      for (const pending_receive& p : pending) {
        link(origin_for(id, p.at), p.at, p.label, p.style, id);
        receiver_[id] = p.at.lane;
      }
    }
    pending_receives_.clear();
  }

  point origin_for(const std::string& id, point fallback) const {
    const auto it = origin_.find(id);
    return it == origin_.end() ? fallback : it->second;
  }

  // A receiver's record (a consumer, an invoke, a worker) claims the queue's receive of `id`.
  void claim(const std::string& id, std::size_t lane, std::size_t row) {
    const auto it = pending_receives_.find(id);
    if (it == pending_receives_.end() || it->second.empty()) return;
    const pending_receive p = it->second.front();
    it->second.erase(it->second.begin());
    if (it->second.empty()) pending_receives_.erase(it);
    link(origin_for(id, p.at), {row, lane}, p.label, p.style, id);
    receiver_[id] = lane;
  }

  bool draw(const std::string& type) {
    const json& r = current_;
    const std::string arn = str(r, "execution");
    const std::string message = str(r, "message_id");
    const std::string token = str(r, "token");
    if (!token.empty() && !arn.empty()) token_execution_.emplace(token, arn);
    const auto token_arn = [&] {
      const auto it = token_execution_.find(token);
      return it == token_execution_.end() ? std::string() : it->second;
    };

    if (type == "sqs.long_poll_started" || type == "sqs.long_poll_answered") return false;
    if (type == "choice") {
      const std::int64_t pick = num(r, "pick");
      if (pick == 0) return false;
      const std::string label = str(r, "label");
      put(faults_lane(),
          label + " = " + std::to_string(pick) + " of " + std::to_string(num(r, "options")),
          label == "kernel.tie" ? "faint" : "fault");
      return true;
    }
    if (type == "action.call") {
      const std::string call = str(r, "call");
      const std::size_t lane = lane_of(lane_kind::actions, "actions", "scenario actions");
      const std::size_t row = put(lane, "action " + std::to_string(num(r, "index")) + ": " + call,
                                  call == "StopPipelineExecution" ? "stop" : "call");
      pending_action_ = point{row, lane};
      return true;
    }
    if (type == "action.result") {
      const bool ok = r.value("ok", false);
      put(lane_of(lane_kind::actions, "actions", "scenario actions"),
          "action " + std::to_string(num(r, "index")) + ": " + (ok ? "ok" : str(r, "error")),
          ok ? "call-ok" : "call-error");
      pending_action_.reset();
      return true;
    }
    if (type == "pipeline.api_call") {
      const std::string outcome = str(r, "outcome");
      const std::string op = str(r, "operation");
      const bool ok = outcome == "ok";
      // The service's side of a consumer's call that names no execution (a rejected answer)
      // is drawn by the consumer's own record.
      if (arn.empty() && !pending_action_) return false;
      const std::size_t lane = arn.empty()
                                   ? lane_of(lane_kind::actions, "actions", "scenario actions")
                                   : execution_lane(arn);
      const std::size_t row =
          put(lane, (ok ? "accepts " + op : op + ": " + outcome), ok ? "call-ok" : "call-error");
      about(row, arn);
      if (pending_action_ && pending_action_->lane != lane) {
        link(*pending_action_, {row, lane}, op, ok ? "call-ok" : "call-error");
      }
      return true;
    }
    if (type == "pipeline.execution_status") {
      about(put(execution_lane(arn), "is " + str(r, "to"), "status"), arn);
      return true;
    }
    if (type == "pipeline.step_status") {
      about(put(step_lane(arn, str(r, "step")), "is " + str(r, "to"), "status"), arn);
      return true;
    }
    if (type == "pipeline.callback_state") {
      about(put(step_lane(arn, str(r, "step")), "callback " + str(r, "to"), "faint"), arn);
      return true;
    }
    if (type == "pipeline.callback_message") {
      const bool stopping = str(r, "kind") == "stopping";
      const std::size_t lane = step_lane(arn, str(r, "step"));
      const std::string error = str(r, "error");
      const std::size_t row = put(lane,
                                  "sends " + str(r, "kind") + " message" +
                                      (error.empty() ? " " + short_id(message) : ": " + error),
                                  !error.empty() ? "error"
                                  : stopping     ? "stopping"
                                                 : "send");
      about(row, arn);
      if (!message.empty()) {
        origin_[message] = {row, lane};
        message_execution_[message] = arn;
        if (stopping) stopping_messages_.insert(message);
      }
      return true;
    }
    if (type == "pipeline.callback_resolved") {
      about(put(step_lane(arn, str(r, "step")),
                "takes " + str(r, "outcome") + (r.value("during_stop", false) ? " (stopping)" : ""),
                "status"),
            arn);
      return true;
    }
    if (type == "pipeline.callback_answer_rejected") {
      const std::string e = arn.empty() ? token_arn() : arn;
      const std::size_t lane =
          e.empty() ? lane_of(lane_kind::other, "other", "other") : execution_lane(e);
      about(put(lane, "rejects answer: " + str(r, "error"), "call-error"), e);
      return true;
    }
    if (type.rfind("sqs.", 0) == 0) return draw_sqs(type);
    if (type.rfind("lambda.", 0) == 0) return draw_lambda(type);
    if (type.rfind("consumer.handler_", 0) == 0) return draw_handler(type);
    if (type.rfind("consumer.worker_", 0) == 0) return draw_worker(type);
    if (type.rfind("consumer.", 0) == 0) return draw_consumer(type);
    if (type == "invariant.violated") {
      const std::size_t row = put(faults_lane(), "violated: " + str(r, "invariant"), "error");
      t_.pins.push_back({row, str(r, "invariant"), str(r, "invariant") + ": " + str(r, "detail")});
      return true;
    }
    // A record this version does not know: drawn, never dropped.
    about(put(lane_of(lane_kind::other, "other", "other"), type, "faint"), arn);
    return true;
  }

  bool draw_sqs(const std::string& type) {
    const json& r = current_;
    const std::string message = str(r, "message_id");
    const std::string queue = str(r, "queue");
    const std::int64_t copy = num(r, "copy");
    const std::string copy_text = copy > 0 ? " (copy " + std::to_string(copy) + ")" : "";
    const std::string exec = execution_of_message(message);
    if (type == "sqs.queue_created") {
      put(queue_lane(queue), "created", "faint");
      return true;
    }
    const std::size_t lane = queue_lane(queue);
    std::size_t row = 0;
    if (type == "sqs.message_sent") {
      row = put(lane, "sent " + short_id(message) + copy_text, "send");
      if (!origin_.count(message)) origin_[message] = {row, lane};
    } else if (type == "sqs.message_visible") {
      row = put(lane, "visible " + short_id(message) + copy_text, "faint");
    } else if (type == "sqs.message_received") {
      const std::int64_t n = num(r, "receive_count");
      row = put(lane,
                "receive " + short_id(message) + copy_text + " (receive " + std::to_string(n) + ")",
                "receive");
      std::string style = "delivery";
      std::string label = "receive " + std::to_string(n);
      if (stopping_messages_.count(message)) {
        style = "stopping";
        label = "Stopping message, " + label;
      } else if (copy > 0) {
        style = "duplicate";
        label = "duplicate" + copy_text + ", " + label;
      } else if (n > 1) {
        style = "redelivery";
        label = "redelivery, " + label;
      }
      pending_receives_[message].push_back({{row, lane}, label, style});
    } else if (type == "sqs.message_deleted") {
      row = put(lane, "deleted " + short_id(message) + copy_text, "delete");
      const auto who = receiver_.find(message);
      if (who != receiver_.end() && who->second != lane) {
        link({row, who->second}, {row, lane}, "delete " + short_id(message), "delete", message);
      }
    } else if (type == "sqs.message_returned") {
      row = put(lane, short_id(message) + copy_text + " back: " + str(r, "reason"), "warn");
    } else if (type == "sqs.message_moved_to_dlq") {
      row = put(lane,
                short_id(message) + " to DLQ after " + std::to_string(num(r, "receive_count")) +
                    " receives",
                "warn");
      const std::size_t dlq = queue_lane(str(r, "target"));
      link({row, lane}, {row, dlq}, "moved to DLQ", "dlq", message);
    } else if (type == "sqs.duplicate_created") {
      row = put(lane, "duplicate of " + short_id(message) + copy_text, "fault");
    } else if (type == "sqs.message_expired") {
      row = put(lane, short_id(message) + copy_text + " expired", "warn");
    } else if (type == "sqs.delete_ignored" || type == "sqs.delete_no_message") {
      row = put(lane, "delete of " + short_id(message) + " had no effect", "warn");
    } else if (type == "sqs.visibility_changed") {
      row = put(
          lane,
          short_id(message) + " hidden " + std::to_string(num(r, "visibility_timeout_s")) + " s",
          "faint");
    } else if (type == "sqs.message_arrived_from_redrive") {
      row = put(lane, short_id(message) + " arrived from " + str(r, "source"), "warn");
    } else {
      row = put(lane, type.substr(4) + (message.empty() ? "" : " " + short_id(message)), "faint");
    }
    about(row, exec);
    return true;
  }

  bool draw_consumer(const std::string& type) {
    const json& r = current_;
    const std::string name = str(r, "consumer");
    const std::size_t lane = consumer_lane(name);
    const std::string message = str(r, "message_id");
    const std::string token = str(r, "token");
    const auto te = token_execution_.find(token);
    const std::string exec =
        te != token_execution_.end() ? te->second : execution_of_message(message);
    std::size_t row = 0;
    if (type == "consumer.message_received") {
      row = put(lane,
                "reads " + short_id(message) + (r.value("stopping", false) ? " (Stopping)" : ""),
                r.value("stopping", false) ? "stopping" : "receive");
      claim(message, lane, row);
    } else if (type == "consumer.answered") {
      const bool ok = r.value("ok", false);
      const std::string op = str(r, "operation");
      row = put(lane, op + (ok ? ": ok" : ": " + str(r, "error")), ok ? "call-ok" : "call-error");
      answer_arrow(lane, row, token, op, ok);
    } else if (type == "consumer.deleted") {
      const bool ok = r.value("ok", false);
      row = put(lane, "deletes " + short_id(message) + (ok ? "" : ": " + str(r, "error")),
                ok ? "delete" : "call-error");
    } else if (type == "consumer.crashed") {
      row = put(lane, "crashed", "fault");
    } else if (type == "consumer.restarted") {
      row = put(lane, "restarted", "warn");
    } else if (type == "consumer.effect") {
      row = put(lane, str(r, "effect") + " " + str(r, "resource"), "faint");
    } else if (type == "consumer.visibility_extended") {
      row = put(lane,
                "extends " + short_id(message) + " " + std::to_string(num(r, "seconds")) + " s" +
                    (r.value("ok", true) ? "" : " (failed)"),
                "faint");
    } else if (type == "consumer.answer_deferred") {
      row = put(lane, "defers answer: " + str(r, "error"), "warn");
    } else {
      row = put(lane, type.substr(9), "faint");
    }
    about(row, exec);
    return true;
  }

  // An answer to SageMaker, drawn to the step that waits for it.
  void answer_arrow(std::size_t lane, std::size_t row, const std::string& token,
                    const std::string& op, std::optional<bool> ok) {
    const auto it = token_step_lane_.find(token);
    if (it == token_step_lane_.end()) return;
    std::string label = op;
    const std::string prefix = "SendPipelineExecutionStep";
    if (label.rfind(prefix, 0) == 0) label = label.substr(prefix.size());
    link({row, lane}, {row, it->second}, label, !ok ? "call" : *ok ? "call-ok" : "call-error");
  }

  bool draw_lambda(const std::string& type) {
    const json& r = current_;
    const std::string mapping = str(r, "mapping");
    const std::string request = str(r, "request_id");
    if (type == "lambda.invoked") {
      invocation_mapping_[request] = mapping;
      std::set<std::string>& execs = invocation_executions_[request];
      std::vector<std::string> ids;
      for (const json& id : r.value("records", json::array())) {
        if (!id.is_string()) continue;
        ids.push_back(id.get<std::string>());
        const std::string e = execution_of_message(ids.back());
        if (!e.empty()) execs.insert(e);
      }
      const std::size_t lane = invocation_lane(request);
      const std::size_t row =
          put(lane,
              std::string("invoked") + (r.value("cold", false) ? " (cold start)" : " (warm)") +
                  ", " + std::to_string(ids.size()) + (ids.size() == 1 ? " record" : " records"),
              "receive");
      for (const std::string& id : ids) claim(id, lane, row);
      for (const std::string& e : execs) about(row, e);
      return true;
    }
    if (!request.empty()) {
      const std::size_t lane = invocation_lane(request);
      std::size_t row = 0;
      if (type == "lambda.handler_returned") {
        row = r.value("raised", false) ? put(lane, "raised " + str(r, "error_type"), "warn")
                                       : put(lane, "returned", "faint");
      } else if (type == "lambda.invocation_ended") {
        const std::string verdict = str(r, "verdict");
        row = put(lane,
                  str(r, "outcome") + ": " + verdict + ", deletes " +
                      std::to_string(num(r, "deleted")) + ", " +
                      std::to_string(num(r, "returned_to_queue")) + " back",
                  verdict == "success" ? "status" : "warn");
      } else {
        row = put(lane, type.substr(7), "faint");
      }
      for (const std::string& e : invocation_executions_[request]) about(row, e);
      return true;
    }
    const std::size_t lane = lambda_lane(mapping.empty() ? str(r, "function") : mapping);
    if (type == "lambda.mapping_created") {
      put(lane, "mapping created, batch " + std::to_string(num(r, "batch_size")), "faint");
    } else if (type == "lambda.throttled") {
      put(lane, "throttled", "warn");
    } else if (type == "lambda.message_filtered") {
      put(lane, "drops " + short_id(str(r, "message_id")) + " (filter)", "warn");
    } else {
      put(lane, type.substr(7), type == "lambda.environment_shut_down" ? "faint" : "warn");
    }
    return true;
  }

  bool draw_handler(const std::string& type) {
    const json& r = current_;
    const std::string request = str(r, "request_id");
    const std::size_t lane =
        request.empty() ? lambda_lane(str(r, "consumer")) : invocation_lane(request);
    std::size_t row = 0;
    if (type == "consumer.handler_call") {
      const std::string op = str(r, "operation");
      row = put(lane,
                "calls " + op + (r.value("mocked", false) ? " (mocked)" : "") +
                    (r.value("unsimulated", false) ? " (unsimulated)" : ""),
                "call");
      const json params = r.value("params", json::object());
      if (params.is_object()) answer_arrow(lane, row, str(params, "CallbackToken"), op, {});
    } else if (type == "consumer.handler_answer") {
      const bool error = r.contains("error") && r["error"].is_string();
      row = put(lane, str(r, "operation") + (error ? ": " + r["error"].get<std::string>() : ": ok"),
                error ? "call-error" : "call-ok");
    } else if (type == "consumer.handler_log") {
      std::string line = str(r, "text");
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      row = put(lane, str(r, "stream") + ": " + line, "faint");
    } else if (type == "consumer.handler_init") {
      row = put(lane, "runtime " + str(r, "runtime") + " starts", "faint");
    } else if (type == "consumer.handler_exited") {
      row = put(lane, "runtime exited (" + str(r, "status") + ")", "fault");
    } else {
      row = put(lane, type.substr(9), "faint");
    }
    if (!request.empty()) {
      for (const std::string& e : invocation_executions_[request]) about(row, e);
    }
    return true;
  }

  bool draw_worker(const std::string& type) {
    const json& r = current_;
    const std::size_t lane = consumer_lane(str(r, "consumer"));
    const std::string op = str(r, "operation");
    const bool error = r.contains("error") && r["error"].is_string();
    if (type == "consumer.worker_call") {
      if (op == "ReceiveMessage") return false;  // the answer says whether it got anything
      const std::size_t row =
          put(lane, "calls " + op + (r.value("mocked", false) ? " (mocked)" : ""), "call");
      const json params = r.value("params", json::object());
      if (params.is_object()) answer_arrow(lane, row, str(params, "CallbackToken"), op, {});
      return true;
    }
    if (type == "consumer.worker_answer") {
      if (op == "ReceiveMessage" && !error) {
        const json ids = r.value("messages", json::array());
        if (ids.empty()) return false;  // an empty poll, like the queue's own
        const std::size_t row =
            put(lane, "receives " + std::to_string(ids.size()) + " message(s)", "receive");
        for (const json& id : ids) {
          if (!id.is_string()) continue;
          claim(id.get<std::string>(), lane, row);
          about(row, execution_of_message(id.get<std::string>()));
        }
        return true;
      }
      put(lane, op + (error ? ": " + r["error"].get<std::string>() : ": ok"),
          error ? "call-error" : "call-ok");
      return true;
    }
    if (type == "consumer.worker_log") {
      put(lane, str(r, "stream") + ": " + str(r, "text"), "faint");
    } else if (type == "consumer.worker_exited") {
      put(lane, "exited (" + str(r, "status") + ")", "fault");
    } else {
      put(lane, type.substr(9), "faint");
    }
    return true;
  }

  struct pending_receive {
    point at;
    std::string label;
    std::string style;
  };

  timeline& t_;
  json current_;
  sim::time_us instant_ = 0;
  bool row_open_ = false;

 public:
  void next_record() { row_open_ = false; }

 private:
  std::map<std::string, std::size_t> lane_index_;
  std::map<std::string, std::string> token_execution_;
  std::map<std::string, std::size_t> token_step_lane_;
  std::map<std::string, std::string> message_execution_;
  std::map<std::string, point> origin_;
  std::map<std::string, std::size_t> receiver_;
  std::map<std::string, std::vector<pending_receive>> pending_receives_;
  std::set<std::string> stopping_messages_;
  std::map<std::string, std::string> invocation_mapping_;
  std::map<std::string, std::set<std::string>> invocation_executions_;
  std::optional<point> pending_action_;

 public:
  // A callback message names the step its token waits on; answers are drawn to that lane.
  void learn_token(const json& r) {
    if (str(r, "type") != "pipeline.callback_message" &&
        str(r, "type") != "pipeline.callback_state")
      return;
    const std::string token = str(r, "token");
    if (token.empty() || token_step_lane_.count(token)) return;
    token_execution_.emplace(token, str(r, "execution"));
    token_step_lane_.emplace(token, step_lane(str(r, "execution"), str(r, "step")));
  }
};

}  // namespace

timeline build_timeline(const json& header, const std::vector<std::string>& events,
                        const json& end) {
  timeline t;
  const json sc = header.value("scenario", json::object());
  t.title = sc.is_object() && sc.contains("name") && sc["name"].is_string()
                ? sc["name"].get<std::string>()
                : header.value("demo", std::string("trace"));
  if (header.contains("seed")) t.title += ", seed " + header["seed"].dump();
  builder b(t);
  for (const std::string& line : events) {
    json r = json::parse(line, nullptr, false);
    if (!r.is_object()) continue;
    ++t.records;
    b.learn_token(r);
    b.next_record();
    b.add(std::move(r));
  }
  b.finish(end);
  const bool failed = end.contains("failed") && end["failed"].is_array() && !end["failed"].empty();
  t.subtitle = std::to_string(t.records) + " records, digest " +
               end.value("digest", std::string("?")) + ", " + sim::format_duration(t.end_us) +
               " of virtual time" +
               (end.contains("failed") ? (failed ? ", result FAIL" : ", result pass") : "");
  return t;
}

}  // namespace report

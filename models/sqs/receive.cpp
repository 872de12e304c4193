// ReceiveMessage: parameters, selection (standard and FIFO), rendering, long polls.
// Over 300 lines on purpose: selection, rendering and parked waiters form one algorithm that reads
// best in one place.
#include "detail/queue_support.hpp"
#include "hash.hpp"
#include "queue.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cstdio>

namespace models::sqs {

using nlohmann::json;
using namespace detail;

// ---------------------------------------------------------------------------------------------
// Receive.

std::optional<models::api_result> queue::parse_receive(const json& req, receive_params& p,
                                                       std::int64_t& wait_s) const {
  // Every poll comes through here. One pass over the request's few members finds the ones we
  // read (json::find with a C-string key costs a strlen and a compare per tree level, for each
  // of the seven names); the checks below then run in their fixed order, so a request with
  // several bad members gets the same error as before.
  const json* max_messages = nullptr;
  const json* wait_time = nullptr;
  const json* visibility = nullptr;
  const json* system_names = nullptr;
  const json* attribute_names = nullptr;
  const json* message_attribute_names = nullptr;
  const json* attempt_id = nullptr;
  for (auto it = req.begin(); it != req.end(); ++it) {
    if (it->is_null()) continue;  // a null member counts as absent
    const std::string_view name = it.key();
    const json* value = &*it;
    if (name == "MaxNumberOfMessages")
      max_messages = value;
    else if (name == "WaitTimeSeconds")
      wait_time = value;
    else if (name == "VisibilityTimeout")
      visibility = value;
    else if (name == "MessageSystemAttributeNames")
      system_names = value;
    else if (name == "AttributeNames")
      attribute_names = value;
    else if (name == "MessageAttributeNames")
      message_attribute_names = value;
    else if (name == "ReceiveRequestAttemptId")
      attempt_id = value;
  }
  std::int64_t v = 0;
  if (const json* m = max_messages) {
    if (!read_int(*m, v) || v < 1 || v > 10)
      return invalid("MaxNumberOfMessages", m->dump(-1, ' ', false, json::error_handler_t::replace),
                     "Must be between 1 and 10, if provided");
    p.max = static_cast<int>(v);
  }
  wait_s = attrs_.receive_wait_s;
  if (const json* m = wait_time) {
    if (!read_int(*m, v) || v < 0 || v > 20)
      return invalid("WaitTimeSeconds", m->dump(-1, ' ', false, json::error_handler_t::replace),
                     "Must be >= 0 and <= 20, if provided");
    wait_s = v;
  }
  p.visibility_s = attrs_.visibility_timeout_s;
  if (const json* m = visibility) {
    if (!read_int(*m, v) || v < 0 || v > k_visibility_max_s)
      return invalid("VisibilityTimeout", m->dump(-1, ' ', false, json::error_handler_t::replace),
                     "Must be >= 0 and <= 43200, if provided");
    p.visibility_s = v;
    p.visibility_given = true;
  }
  const std::pair<const char*, const json*> attribute_lists[] = {
      {"MessageSystemAttributeNames", system_names}, {"AttributeNames", attribute_names}};
  for (const auto& [name, m] : attribute_lists) {
    if (m == nullptr) continue;
    if (!m->is_array())
      return invalid(name, m->dump(-1, ' ', false, json::error_handler_t::replace),
                     "Must be a list");
    for (const auto& n : *m) {
      const auto& known = system_attribute_names();
      if (!n.is_string() ||
          std::find(known.begin(), known.end(), n.get_ref<const std::string&>()) == known.end())
        return error("InvalidAttributeName",
                     "Unknown Attribute " +
                         (n.is_string() ? n.get<std::string>()
                                        : n.dump(-1, ' ', false, json::error_handler_t::replace)) +
                         ".");
      p.system_names.push_back(n.get<std::string>());
    }
  }
  if (const json* m = message_attribute_names) {
    if (!m->is_array())
      return invalid("MessageAttributeNames",
                     m->dump(-1, ' ', false, json::error_handler_t::replace), "Must be a list");
    for (const auto& n : *m) {
      if (!n.is_string() || n.get_ref<const std::string&>().empty() ||
          n.get_ref<const std::string&>().size() > 256)
        return error(
            "InvalidAttributeName",
            "Unknown Attribute " + n.dump(-1, ' ', false, json::error_handler_t::replace) + ".");
      p.attribute_names.push_back(n.get<std::string>());
    }
  }
  if (const json* m = attempt_id) {
    if (!m->is_string() || !valid_token_id(m->get_ref<const std::string&>()))
      return invalid("ReceiveRequestAttemptId",
                     m->dump(-1, ' ', false, json::error_handler_t::replace),
                     "ReceiveRequestAttemptId can only include alphanumeric and punctuation "
                     "characters. 1 to 128 in length");
    if (attrs_.fifo) p.attempt_id = m->get<std::string>();
  }
  return std::nullopt;
}

void queue::to_in_flight(message& m, std::int64_t visibility_s, sim::time_us request_at) {
  const sim::time_us now = sim_.now();
  visible_.erase({attrs_.fifo ? 0 : m.ready_at, m.seq});
  ++m.receive_count;
  ++m.receive_no;
  if (m.first_receive_at < 0) m.first_receive_at = now;
  m.cap_at = request_at + k_visibility_max_s * sim::k_second_us;
  m.deadline = std::min(now + visibility_s * sim::k_second_us, m.cap_at);
  inflight_.insert({m.deadline, m.seq});
  if (attrs_.fifo) ++groups_[m.group_id].inflight;
  set_state(m, message_state::in_flight);
  ++counters_.received;
  if (m.receive_count > 1) sim_.reach("sqs.message_redelivered");
  if (census_[m.seq].copy > 0) sim_.reach("sqs.duplicate_delivered");
  svc_.notify(service::message_event::received, url_, census_[m.seq].message_id,
              census_[m.seq].copy, m.receive_count);
  if (traced())
    trace("sqs.message_received", m,
          {{"receive_count", m.receive_count}, {"deadline_us", m.deadline}});
  spawn_duplicate(m, "on_receive");
}

std::vector<std::uint64_t> queue::select(const receive_params& p, int max, bool long_poll,
                                         sim::time_us request_at) {
  std::vector<std::uint64_t> out;
  // Short polls sample servers; a message lives on server seq % servers [POLL].
  const std::int64_t servers = std::max<std::int64_t>(1, hot_.short_poll_servers);
  std::vector<char> missed(static_cast<std::size_t>(servers), 0);
  bool any_missed = false;
  if (!long_poll && servers > 1) {
    const double miss = knobs_.number("sqs.short_poll.miss_probability");
    for (std::int64_t s = 0; s < servers; ++s)
      if (sim_.chance(label("short_poll.miss"), miss))
        missed[static_cast<std::size_t>(s)] = any_missed = 1;
  }
  const sim::time_us window = hot_duration(hot_.reorder_window, "sqs.reorder.window");
  std::vector<std::uint64_t> cands;
  while (static_cast<int>(out.size()) < max) {
    cands.clear();
    sim::time_us first_ready = -1;
    for (const auto& [ready, seq] : visible_) {
      if (any_missed && missed[seq % static_cast<std::uint64_t>(servers)]) continue;
      if (first_ready < 0)
        first_ready = ready;
      else if (window <= 0 || ready > first_ready + window)
        break;
      cands.push_back(seq);
      if (window <= 0 || static_cast<int>(cands.size()) >= k_candidates_max) break;
    }
    if (cands.empty()) break;
    const std::uint64_t pick = cands.size() > 1 ? sim_.choose(label("reorder"), cands.size()) : 0;
    message& m = live_.at(cands[pick]);
    if (hot_.dlq_move_on_next_receive && should_move_to_dlq(m)) {
      move_to_dlq(m.seq);
      continue;
    }
    out.push_back(m.seq);
    to_in_flight(m, p.visibility_s, request_at);
  }
  return out;
}

std::vector<std::uint64_t> queue::select_fifo(const receive_params& p, int max,
                                              sim::time_us request_at) {
  std::vector<std::uint64_t> out;
  const bool any = knobs_.text("sqs.fifo.group_order") == "any";
  const bool move_now = hot_.dlq_move_on_next_receive;
  std::set<std::string, std::less<>> taken;
  while (static_cast<int>(out.size()) < max) {
    std::vector<std::uint64_t> heads;
    for (const auto& [unused, seq] : visible_) {
      (void)unused;
      const message& m = live_.at(seq);
      const group& g = groups_.at(m.group_id);
      if (g.inflight > 0 || *g.members.begin() != seq || taken.count(m.group_id)) continue;
      heads.push_back(seq);
      if (!any || static_cast<int>(heads.size()) >= k_candidates_max) break;
    }
    if (heads.empty()) break;
    const std::uint64_t pick =
        heads.size() > 1 ? sim_.choose(label("fifo.group"), heads.size()) : 0;
    const std::string group_id = live_.at(heads[pick]).group_id;
    taken.insert(group_id);
    // Fill from this group first, in order, while its messages are visible [FIFOL].
    bool moved = false;
    while (static_cast<int>(out.size()) < max) {
      auto g = groups_.find(group_id);
      if (g == groups_.end()) break;
      std::uint64_t next = 0;
      bool found = false;
      for (std::uint64_t s : g->second.members) {
        const message& m = live_.at(s);
        if (m.state == message_state::in_flight) continue;  // already taken in this receive
        if (m.state == message_state::visible) {
          next = s;
          found = true;
        }
        break;
      }
      if (!found) break;
      message& m = live_.at(next);
      if (move_now && should_move_to_dlq(m)) {
        if (g->second.inflight == 0) {
          move_to_dlq(next);
          moved = true;
          continue;
        }
        break;  // keep order: a later message cannot move ahead of one taken in this receive
      }
      out.push_back(next);
      to_in_flight(m, p.visibility_s, request_at);
    }
    if (moved) taken.erase(group_id);
  }
  return out;
}

json queue::render(const message& m, const receive_params& p) const {
  json out;
  out["MessageId"] = census_[m.seq].message_id;
  out["ReceiptHandle"] = make_handle(m);
  out["MD5OfBody"] = m.md5_body;
  out["Body"] = m.body;
  auto wanted = [&](std::string_view n) {
    for (const auto& s : p.system_names)
      if (s == "All" || s == n) return true;
    return false;
  };
  json attrs = json::object();
  const std::int64_t epoch = svc_.config().epoch_ms;
  if (wanted("SenderId")) attrs["SenderId"] = svc_.config().sender_id;
  if (wanted("SentTimestamp")) attrs["SentTimestamp"] = std::to_string(epoch + m.sent_at / 1000);
  if (wanted("ApproximateReceiveCount"))
    attrs["ApproximateReceiveCount"] = std::to_string(m.receive_count);
  if (wanted("ApproximateFirstReceiveTimestamp"))
    attrs["ApproximateFirstReceiveTimestamp"] = std::to_string(epoch + m.first_receive_at / 1000);
  if (!m.group_id.empty() && wanted("MessageGroupId")) attrs["MessageGroupId"] = m.group_id;
  if (attrs_.fifo && wanted("MessageDeduplicationId")) attrs["MessageDeduplicationId"] = m.dedup_id;
  if (attrs_.fifo && wanted("SequenceNumber")) attrs["SequenceNumber"] = m.sequence_number;
  if (!m.dlq_source_arn.empty() && wanted("DeadLetterQueueSourceArn"))
    attrs["DeadLetterQueueSourceArn"] = m.dlq_source_arn;
  if (m.system_attributes.is_object() && m.system_attributes.contains("AWSTraceHeader") &&
      wanted("AWSTraceHeader"))
    attrs["AWSTraceHeader"] = m.system_attributes["AWSTraceHeader"].value("StringValue", "");
  if (!attrs.empty()) out["Attributes"] = attrs;
  if (m.attributes.is_object() && !p.attribute_names.empty()) {
    json sel = json::object();
    for (auto it = m.attributes.begin(); it != m.attributes.end(); ++it) {
      bool take = false;
      for (const auto& n : p.attribute_names) {
        if (n == "All" || n == ".*" || n == it.key())
          take = true;
        else if (n.size() > 2 && n.compare(n.size() - 2, 2, ".*") == 0 &&
                 it.key().compare(0, n.size() - 1, n, 0, n.size() - 1) == 0)
          take = true;
      }
      if (take) sel[it.key()] = it.value();
    }
    if (!sel.empty()) {
      out["MessageAttributes"] = sel;
      out["MD5OfMessageAttributes"] = md5_of_attributes(sel);
    }
  }
  return out;
}

models::api_result queue::receive_now(const receive_params& p, sim::time_us request_at,
                                      bool long_poll, bool& found) {
  found = false;
  const sim::time_us now = sim_.now();
  // FIFO: a retried ReceiveRequestAttemptId returns the same messages and handles [RRAI].
  if (!p.attempt_id.empty()) {
    for (auto it = attempts_.begin(); it != attempts_.end();)
      it = it->second.expires_at <= now ? attempts_.erase(it) : std::next(it);
    auto a = attempts_.find(p.attempt_id);
    if (a != attempts_.end()) {
      bool valid = true;
      for (const auto& [seq, rn] : a->second.receipts) {
        auto m = live_.find(seq);
        valid = valid && m != live_.end() && m->second.state == message_state::in_flight &&
                m->second.receive_no == rn;
      }
      if (valid) {
        json msgs = json::array();
        for (const auto& [seq, rn] : a->second.receipts) {
          (void)rn;
          message& m = live_.at(seq);
          inflight_.erase({m.deadline, seq});
          m.deadline = std::min(now + p.visibility_s * sim::k_second_us, m.cap_at);
          inflight_.insert({m.deadline, seq});
          msgs.push_back(render(m, p));
          if (traced())
            trace("sqs.message_received", m,
                  {{"receive_count", m.receive_count},
                   {"deadline_us", m.deadline},
                   {"attempt_replay", true}});
        }
        found = true;
        arm();
        return models::api_result::success({{"Messages", msgs}});
      }
      attempts_.erase(a);
    }
  }
  const std::int64_t cap = attrs_.fifo ? hot_.inflight_max_fifo : hot_.inflight_max_standard;
  if (static_cast<std::int64_t>(inflight_.size()) >= cap) {
    if (!attrs_.fifo && !long_poll) {
      found = true;
      return error("OverLimit", "Too many messages in flight for queue " + name_ + ".", 403);
    }
    return models::api_result::success(json::object());
  }
  if (long_poll && !attrs_.fifo && !visible_.empty() &&
      sim_.chance(label("false_empty"), knobs_.number("sqs.receive.false_empty_probability"))) {
    found = true;
    sim_.reach("sqs.false_empty_receive");
    if (traced()) sim_.record("sqs.receive_false_empty", {{"queue", name_}});
    return models::api_result::success(json::object());
  }
  const int room = static_cast<int>(
      std::min<std::int64_t>(p.max, cap - static_cast<std::int64_t>(inflight_.size())));
  std::vector<std::uint64_t> picked =
      attrs_.fifo ? select_fifo(p, room, request_at) : select(p, room, long_poll, request_at);
  if (picked.empty()) {
    arm();
    return models::api_result::success(json::object());
  }
  json msgs = json::array();
  attempt_record rec;
  for (std::uint64_t seq : picked) {
    const message& m = live_.at(seq);
    msgs.push_back(render(m, p));
    rec.receipts.emplace_back(seq, m.receive_no);
  }
  if (!p.attempt_id.empty()) {
    rec.expires_at = now + knobs_.duration("sqs.fifo.receive_attempt_window");
    attempts_[p.attempt_id] = std::move(rec);
  }
  found = true;
  release_due_inflight();  // VisibilityTimeout 0: visible again at once, after this response
  arm();
  return models::api_result::success({{"Messages", msgs}});
}

detail::call_outcome queue::receive(const json& req, service::callback* done, sim::lane_id lane) {
  receive_params p;
  std::int64_t wait_s = 0;
  if (auto bad = parse_receive(req, p, wait_s)) return std::move(*bad);
  bool found = false;
  const sim::time_us now = sim_.now();
  auto r = receive_now(p, now, wait_s > 0, found);
  if (found || wait_s == 0) return r;
  if (done == nullptr)
    return error("pipesim.LongPollRequiresAsync",
                 "ReceiveMessage with an effective WaitTimeSeconds > 0 found no message; use "
                 "call_async to wait in virtual time.",
                 500);
  const std::uint64_t id = next_waiter_++;
  const sim::event_id timeout = sim_.schedule_after(
      wait_s * sim::k_second_us,
      [this, id] { finish_waiter(id, models::api_result::success(json::object())); }, lane_);
  waiters_.push_back(waiter{id, std::move(p), std::move(*done), lane, now, timeout});
  if (traced())
    sim_.record("sqs.long_poll_started", {{"queue", name_}, {"waiter", id}, {"wait_s", wait_s}});
  return parked_long_poll{};
}

void queue::finish_waiter(std::uint64_t id, models::api_result r) {
  auto it =
      std::find_if(waiters_.begin(), waiters_.end(), [&](const waiter& w) { return w.id == id; });
  if (it == waiters_.end()) return;
  sim_.cancel(it->timeout);
  service::callback done = std::move(it->done);
  const sim::lane_id lane = it->lane;
  waiters_.erase(it);
  if (traced())
    sim_.record("sqs.long_poll_answered",
                {{"queue", name_},
                 {"waiter", id},
                 {"messages",
                  r.ok() && r.response.contains("Messages") ? r.response["Messages"].size() : 0}});
  // The event runs once, so the answer moves into the callback rather than being copied.
  sim_.schedule_after(
      reply_latency(), [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); },
      lane);
}

sim::time_us queue::reply_latency() {
  const std::int64_t max_ms =
      hot_duration(hot_.api_latency_max, "sqs.api.latency_max") / sim::k_millisecond_us;
  return sim_.choose_between("sqs.api.latency_ms", 0, max_ms) * sim::k_millisecond_us;
}

void queue::serve_waiters() {
  if (serving_) return;
  serving_ = true;
  const bool any = knobs_.text("sqs.long_poll.waiter_order") == "any";
  while (!waiters_.empty() && !visible_.empty()) {
    const std::size_t pick =
        any && waiters_.size() > 1
            ? static_cast<std::size_t>(sim_.choose(label("long_poll.waiter"), waiters_.size()))
            : 0;
    waiter& w = waiters_[pick];
    // As if the request were parsed now: without its own VisibilityTimeout it takes the
    // queue's current one (SetQueueAttributes may have changed it while it waited).
    if (!w.params.visibility_given) w.params.visibility_s = attrs_.visibility_timeout_s;
    bool found = false;
    auto r = receive_now(w.params, w.request_at, true, found);
    if (!found) break;
    finish_waiter(w.id, std::move(r));
  }
  serving_ = false;
}

}  // namespace models::sqs

// One SQS queue: message lifecycle, receive selection, visibility, redrive, FIFO rules, purge.
#include "queue.hpp"

#include <algorithm>
#include <cstdio>

#include "hash.hpp"
#include "validate.hpp"

namespace models::sqs {

using nlohmann::json;
using namespace detail;

namespace {

constexpr std::int64_t k_visibility_max_s = 43'200;  // 12 hours [VT][CMV]
constexpr std::int64_t k_delay_max_s = 900;          // 15 minutes [DELQ][TIMER]
constexpr int k_candidates_max = 16;                 // reorder / group choice breadth

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::string hex(std::uint64_t v, int digits) {
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xF];
    v >>= 4;
  }
  return s;
}

bool parse_hex(std::string_view s, std::uint64_t& out) {
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

std::string uuid(sim::rng& r) {
  const std::uint64_t a = r.next_u64(), b = r.next_u64();
  std::string h = hex(a, 16) + hex(b, 16);
  h[12] = '4';                                   // version 4
  h[16] = "89ab"[static_cast<unsigned char>(h[16]) & 3];  // variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

void put_length_prefixed(std::string& out, std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  out.push_back(static_cast<char>((n >> 24) & 0xFF));
  out.push_back(static_cast<char>((n >> 16) & 0xFF));
  out.push_back(static_cast<char>((n >> 8) & 0xFF));
  out.push_back(static_cast<char>(n & 0xFF));
  out.append(s);
}

// MD5OfMessageAttributes as AWS computes it: names sorted; each as length-prefixed name, data
// type, a transport byte (1 string, 2 binary) and the length-prefixed value.
std::string md5_of_attributes(const json& attrs) {
  if (!attrs.is_object() || attrs.empty()) return {};
  std::string buf;
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {  // nlohmann::json keeps keys sorted
    const json& v = it.value();
    const std::string type = v.value("DataType", std::string());
    put_length_prefixed(buf, it.key());
    put_length_prefixed(buf, type);
    if (type.rfind("Binary", 0) == 0) {
      buf.push_back(2);
      std::string raw;
      base64_decode(v.value("BinaryValue", std::string()), raw);
      put_length_prefixed(buf, raw);
    } else {
      buf.push_back(1);
      put_length_prefixed(buf, v.value("StringValue", std::string()));
    }
  }
  return md5_hex(buf);
}

// Checks MessageAttributes (user) or MessageSystemAttributes; adds their size to `size`.
std::optional<models::api_error> check_attributes(const json& attrs, bool system,
                                                  std::size_t& size) {
  if (attrs.is_null()) return std::nullopt;
  if (!attrs.is_object())
    return make_error("InvalidParameterValue", "Message attributes must be a map.");
  if (!system && attrs.size() > 10)
    return make_error("InvalidParameterValue",
                      "Number of message attributes [" + std::to_string(attrs.size()) +
                          "] exceeds the allowed maximum [10].");
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {
    const std::string& name = it.key();
    if (system) {
      if (name != "AWSTraceHeader")
        return make_error("InvalidParameterValue",
                          "Message system attribute name '" + name + "' is invalid.");
    } else {
      bool ok = !name.empty() && name.size() <= 256 && name.front() != '.' && name.back() != '.' &&
                name.find("..") == std::string::npos;
      for (char c : name)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.');
      std::string lower;
      for (char c : name) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      if (lower.rfind("aws.", 0) == 0 || lower.rfind("amazon.", 0) == 0) ok = false;
      if (!ok)
        return make_error("InvalidParameterValue",
                          "Message (user) attribute name '" + name + "' is invalid.");
    }
    const json& v = it.value();
    const std::string type = v.is_object() ? v.value("DataType", std::string()) : std::string();
    const std::string base = type.substr(0, type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary")
      return make_error("InvalidParameterValue", "The type of message (user) attribute '" + name +
                                                     "' is invalid. You must use only the "
                                                     "following supported type prefixes: "
                                                     "Binary, Number, String.");
    if (system && base != "String")
      return make_error("InvalidParameterValue",
                        "Message system attribute '" + name + "' must be of type String.");
    if (base == "Binary") {
      std::string raw;
      const auto* b = v.contains("BinaryValue") ? &v["BinaryValue"] : nullptr;
      if (!b || !b->is_string() || !base64_decode(b->get<std::string>(), raw) || raw.empty())
        return make_error("InvalidParameterValue", "Message (user) attribute '" + name +
                                                       "' must contain a non-empty value of "
                                                       "type 'Binary'.");
      size += raw.size();
    } else {
      const auto* s = v.contains("StringValue") ? &v["StringValue"] : nullptr;
      if (!s || !s->is_string() || s->get<std::string>().empty())
        return make_error("InvalidParameterValue", "Message (user) attribute '" + name +
                                                       "' must contain a non-empty value of "
                                                       "type '" + base + "'.");
      const std::string& text = s->get_ref<const std::string&>();
      if (!valid_message_characters(text))
        return make_error("InvalidMessageContents",
                          "Invalid characters found in message attribute '" + name + "'.");
      if (base == "Number") {
        char* end = nullptr;
        std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size())
          return make_error("InvalidParameterValue", "Can't cast the value of message (user) "
                                                     "attribute '" + name + "' to a number.");
      }
      size += text.size();
    }
    if (!system) size += name.size() + type.size();
  }
  return std::nullopt;
}

const std::vector<std::string>& system_attribute_names() {
  static const std::vector<std::string> names = {
      "All", "SenderId", "SentTimestamp", "ApproximateReceiveCount",
      "ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageDeduplicationId",
      "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn"};
  return names;
}

}  // namespace

std::string_view to_string(message_state s) noexcept {
  switch (s) {
    case message_state::delayed: return "delayed";
    case message_state::visible: return "visible";
    case message_state::in_flight: return "in_flight";
    case message_state::deleted: return "deleted";
    case message_state::expired: return "expired";
    case message_state::in_dlq: return "in_dlq";
  }
  return "unknown";
}

queue::queue(service& svc, std::string name, queue_attributes attrs, models::knob_values k,
             std::uint64_t tag)
    : svc_(svc),
      sim_(svc.simulation()),
      name_(std::move(name)),
      url_(svc.queue_url(name_)),
      arn_(svc.queue_arn(name_)),
      attrs_(std::move(attrs)),
      knobs_(std::move(k)),
      tag_(tag),
      secret_(0),
      ids_(sim_.stream("sqs." + name_ + ".ids")),
      created_at_(sim_.now()),
      modified_at_(sim_.now()),
      lane_(sim_.lane("sqs." + name_)) {
  secret_ = ids_.next_u64();
  resolve_hot_knobs();
  // Sequence numbers look like AWS's: 20 digits, increasing, not consecutive.
  sequence_counter_ = 10'000'000'000'000'000'000ULL + (ids_.next_u64() % 1'000'000'000ULL);
}

void queue::set_knobs(models::knob_values k) {
  knobs_ = std::move(k);
  resolve_hot_knobs();
}

void queue::resolve_hot_knobs() {
  hot_.api_latency_max = knobs_.parsed_duration("sqs.api.latency_max");
  hot_.timer_granularity = knobs_.parsed_duration("sqs.timer.granularity");
  hot_.reorder_window = knobs_.parsed_duration("sqs.reorder.window");
  hot_.short_poll_servers = knobs_.integer("sqs.short_poll.servers");
  hot_.inflight_max_standard = knobs_.integer("sqs.inflight.max_standard");
  hot_.inflight_max_fifo = knobs_.integer("sqs.inflight.max_fifo");
  const std::string& move_timing = knobs_.text("sqs.dlq.move_timing");
  hot_.dlq_move_on_next_receive = move_timing == "on_next_receive";
  hot_.dlq_move_on_visibility_expiry = move_timing == "on_visibility_expiry";
  hot_.faults = service::resolve_fault_rates(knobs_);
}

void queue::trace(std::string_view type, const message& m, json extra) {
  extra["queue"] = name_;
  extra["message_id"] = census_[m.seq].message_id;
  extra["copy"] = census_[m.seq].copy;
  sim_.record(type, extra);
}

void queue::set_state(message& m, message_state s) {
  m.state = s;
  census_[m.seq].state = s;
}

// ---------------------------------------------------------------------------------------------
// Receipt handles: "AQEB" + queue tag + message seq + receipt generation + keyed check value,
// so any handle this queue ever issued can be recognised without keeping old handles.

std::string queue::make_handle(const message& m) const {
  const std::uint64_t check = mix(secret_ ^ mix(m.seq) ^ (std::uint64_t{m.receive_no} << 1));
  return "AQEB" + hex(tag_, 8) + hex(m.seq, 16) + hex(m.receive_no, 8) + hex(check, 16);
}

bool queue::parse_handle(const std::string& h, std::uint64_t& seq,
                         std::uint32_t& receive_no) const {
  if (h.size() != 4 + 8 + 16 + 8 + 16 || h.compare(0, 4, "AQEB") != 0) return false;
  std::uint64_t tag = 0, s = 0, rn = 0, check = 0;
  const std::string_view v(h);
  if (!parse_hex(v.substr(4, 8), tag) || !parse_hex(v.substr(12, 16), s) ||
      !parse_hex(v.substr(28, 8), rn) || !parse_hex(v.substr(36, 16), check))
    return false;
  if (tag != tag_ || s >= census_.size() || rn == 0) return false;
  if (check != mix(secret_ ^ mix(s) ^ (rn << 1))) return false;
  seq = s;
  receive_no = static_cast<std::uint32_t>(rn);
  return true;
}

// ---------------------------------------------------------------------------------------------
// State changes.

std::uint64_t queue::new_message(message m, const std::string& message_id, std::uint64_t copy,
                                 bool from_redrive) {
  m.seq = census_.size();
  census_.push_back(census_entry{message_id, copy, from_redrive, message_state::delayed, false});
  const std::uint64_t seq = m.seq;
  auto [it, inserted] = live_.emplace(seq, std::move(m));
  (void)inserted;
  message& stored = it->second;
  retention_.insert({stored.enqueued_at, seq});
  if (attrs_.fifo) groups_[stored.group_id].members.insert(seq);
  if (stored.visible_at <= sim_.now()) {
    set_state(stored, message_state::visible);
    stored.ready_at = sim_.now();
    visible_.insert({attrs_.fifo ? 0 : stored.ready_at, seq});
  } else {
    set_state(stored, message_state::delayed);
    delayed_.insert({stored.visible_at, seq});
  }
  return seq;
}

void queue::make_visible(message& m) {
  set_state(m, message_state::visible);
  m.ready_at = sim_.now();
  visible_.insert({attrs_.fifo ? 0 : m.ready_at, m.seq});
}

void queue::unindex(message& m) {
  switch (m.state) {
    case message_state::delayed: delayed_.erase({m.visible_at, m.seq}); break;
    case message_state::visible: visible_.erase({attrs_.fifo ? 0 : m.ready_at, m.seq}); break;
    case message_state::in_flight:
      inflight_.erase({m.deadline, m.seq});
      if (attrs_.fifo) --groups_[m.group_id].inflight;
      break;
    default: break;
  }
}

void queue::remove(std::uint64_t seq, message_state to, bool purged) {
  auto it = live_.find(seq);
  if (it == live_.end()) return;
  message& m = it->second;
  unindex(m);
  retention_.erase({m.enqueued_at, seq});
  if (attrs_.fifo) {
    auto g = groups_.find(m.group_id);
    if (g != groups_.end()) {
      g->second.members.erase(seq);
      if (g->second.members.empty() && g->second.inflight == 0) groups_.erase(g);
    }
  }
  set_state(m, to);
  census_[seq].purged = purged;
  live_.erase(it);
}

void queue::spawn_duplicate(const message& original, std::string_view site) {
  if (attrs_.fifo || census_[original.seq].copy != 0) return;  // only originals, only standard
  const double p = knobs_.number("sqs.duplicate.probability");
  if (!sim_.chance(label(std::string("duplicate.") + std::string(site)), p)) return;
  const std::int64_t max_ms = knobs_.duration("sqs.duplicate.delay_max") / sim::k_millisecond_us;
  const std::int64_t delay_ms = sim_.choose_between(label("duplicate.delay_ms"), 0, max_ms);
  message ghost = original;
  ghost.receive_no = 0;
  ghost.deadline = ghost.cap_at = 0;
  ghost.visible_at = sim_.now() + delay_ms * sim::k_millisecond_us;
  const std::string id = census_[original.seq].message_id;
  const std::uint64_t copy = ++ghost_counts_[id];
  const std::uint64_t seq = new_message(std::move(ghost), id, copy, false);
  ++counters_.duplicates_created;
  if (traced())
    trace("sqs.duplicate_created", live_.at(seq),
          {{"site", site}, {"visible_at_us", live_.at(seq).visible_at}});
}

// ---------------------------------------------------------------------------------------------
// Timers: one kernel event per queue at the earliest due delay end, visibility deadline or
// retention expiry.

void queue::shut_down() {
  deleted_ = true;
  if (wake_.valid()) sim_.cancel(wake_);
  wake_ = sim::event_id{};
  if (traced()) sim_.record("sqs.queue_deleted", {{"queue", name_}});
}

void queue::arm() {
  if (deleted_) return;
  sim::time_us next = -1;
  auto consider = [&](sim::time_us t) {
    if (next < 0 || t < next) next = t;
  };
  if (!delayed_.empty()) consider(delayed_.begin()->first);
  if (!inflight_.empty()) consider(inflight_.begin()->first);
  if (!retention_.empty()) consider(retention_.begin()->first + retention_us());
  if (next >= 0 && next < sim_.now()) next = sim_.now();
  const sim::time_us granularity = hot_duration(hot_.timer_granularity, "sqs.timer.granularity");
  if (next > 0 && granularity > 0) next = (next + granularity - 1) / granularity * granularity;
  if (next == wake_at_ && wake_.valid() && sim_.pending(wake_)) return;
  if (wake_.valid()) sim_.cancel(wake_);
  wake_at_ = next;
  wake_ = next < 0 ? sim::event_id{} : sim_.schedule_at(next, [this] { tick(); }, lane_);
}

void queue::release_due_inflight() {
  const sim::time_us now = sim_.now();
  const bool move_on_expiry = hot_.dlq_move_on_visibility_expiry;
  while (!inflight_.empty() && inflight_.begin()->first <= now) {
    message& m = live_.at(inflight_.begin()->second);
    inflight_.erase(inflight_.begin());
    if (attrs_.fifo) --groups_[m.group_id].inflight;
    if (move_on_expiry && should_move_to_dlq(m)) {
      set_state(m, message_state::visible);  // not indexed; move_to_dlq removes it
      visible_.insert({attrs_.fifo ? 0 : m.ready_at, m.seq});
      move_to_dlq(m.seq);
      continue;
    }
    make_visible(m);
    if (traced()) trace("sqs.message_returned", m, {{"reason", "visibility_timeout"}});
  }
}

void queue::tick() {
  wake_ = sim::event_id{};
  wake_at_ = -1;
  const sim::time_us now = sim_.now();
  while (!retention_.empty() && retention_.begin()->first + retention_us() <= now) {
    const std::uint64_t seq = retention_.begin()->second;
    if (traced()) trace("sqs.message_expired", live_.at(seq));
    ++counters_.expired;
    remove(seq, message_state::expired, false);
  }
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    message& m = live_.at(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    make_visible(m);
    if (traced()) trace("sqs.message_visible", m);
  }
  release_due_inflight();
  serve_waiters();
  arm();
}

// ---------------------------------------------------------------------------------------------
// Send.

std::optional<models::api_error> queue::validate_send(const json& e, bool batch_entry,
                                                      std::size_t& size) const {
  (void)batch_entry;
  if (!e.contains("MessageBody") || !e["MessageBody"].is_string())
    return make_error("MissingParameter", "The request must contain the parameter MessageBody.");
  const std::string& body = e["MessageBody"].get_ref<const std::string&>();
  if (body.empty())
    return make_error("MissingParameter", "The request must contain the parameter MessageBody.");
  if (!valid_message_characters(body))
    return make_error("InvalidMessageContents",
                      "Invalid binary character in message body. Allowed characters are #x9 | "
                      "#xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.");
  size = body.size();
  if (e.contains("DelaySeconds") && !e["DelaySeconds"].is_null()) {
    std::int64_t d = 0;
    if (attrs_.fifo)
      return make_error("InvalidParameterValue",
                        invalid_value_text("DelaySeconds", e["DelaySeconds"].dump(),
                                           "The request include parameter that is not valid for "
                                           "this queue type"));
    if (!read_int(e["DelaySeconds"], d) || d < 0 || d > k_delay_max_s)
      return make_error("InvalidParameterValue",
                        invalid_value_text("DelaySeconds", e["DelaySeconds"].dump(),
                                           "Must be between 0 and 900, if provided"));
  }
  if (auto err = check_attributes(e.value("MessageAttributes", json()), false, size)) return err;
  std::size_t system_size = 0;
  if (auto err = check_attributes(e.value("MessageSystemAttributes", json()), true, system_size))
    return err;
  const bool has_group = e.contains("MessageGroupId") && !e["MessageGroupId"].is_null();
  const bool has_dedup =
      e.contains("MessageDeduplicationId") && !e["MessageDeduplicationId"].is_null();
  if (has_group && (!e["MessageGroupId"].is_string() ||
                    !valid_token_id(e["MessageGroupId"].get_ref<const std::string&>())))
    return make_error("InvalidParameterValue",
                      invalid_value_text("MessageGroupId", e["MessageGroupId"].dump(),
                                         "MessageGroupId can only include alphanumeric and "
                                         "punctuation characters. 1 to 128 in length"));
  if (has_dedup && (!e["MessageDeduplicationId"].is_string() ||
                    !valid_token_id(e["MessageDeduplicationId"].get_ref<const std::string&>())))
    return make_error("InvalidParameterValue",
                      invalid_value_text("MessageDeduplicationId",
                                         e["MessageDeduplicationId"].dump(),
                                         "MessageDeduplicationId can only include alphanumeric "
                                         "and punctuation characters. 1 to 128 in length"));
  if (attrs_.fifo) {
    if (!has_group)
      return make_error("MissingParameter",
                        "The request must contain the parameter MessageGroupId.");
    if (!has_dedup && !attrs_.content_based_dedup)
      return make_error("InvalidParameterValue",
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly");
  } else if (has_dedup) {
    return make_error("InvalidParameterValue",
                      invalid_value_text("MessageDeduplicationId",
                                         e["MessageDeduplicationId"].dump(),
                                         "The request include parameter that is not valid for "
                                         "this queue type"));
  }
  if (size > static_cast<std::size_t>(attrs_.max_message_size_b))
    return make_error("InvalidParameterValue",
                      "One or more parameters are invalid. Reason: Message must be shorter than " +
                          std::to_string(attrs_.max_message_size_b) + " bytes.");
  return std::nullopt;
}

models::api_result queue::send_one(const json& e) {
  const sim::time_us now = sim_.now();
  message m;
  m.body = e["MessageBody"].get<std::string>();
  m.md5_body = md5_hex(m.body);
  m.attributes = e.value("MessageAttributes", json());
  if (m.attributes.is_object() && m.attributes.empty()) m.attributes = json();
  m.system_attributes = e.value("MessageSystemAttributes", json());
  if (m.system_attributes.is_object() && m.system_attributes.empty()) m.system_attributes = json();
  m.md5_system_attributes = md5_of_attributes(m.system_attributes);
  if (e.contains("MessageGroupId") && e["MessageGroupId"].is_string())
    m.group_id = e["MessageGroupId"].get<std::string>();
  m.sent_at = m.enqueued_at = now;
  json response;
  response["MD5OfMessageBody"] = m.md5_body;
  if (!m.attributes.is_null()) response["MD5OfMessageAttributes"] = md5_of_attributes(m.attributes);
  if (!m.system_attributes.is_null())
    response["MD5OfMessageSystemAttributes"] = m.md5_system_attributes;

  if (attrs_.fifo) {
    m.dedup_id = e.contains("MessageDeduplicationId") && e["MessageDeduplicationId"].is_string()
                     ? e["MessageDeduplicationId"].get<std::string>()
                     : sha256_hex(m.body);
    while (!dedup_expiry_.empty() && dedup_expiry_.front().first <= now) {
      auto d = dedup_.find(dedup_expiry_.front().second);
      if (d != dedup_.end() && d->second.expires_at <= now) dedup_.erase(d);
      dedup_expiry_.pop_front();
    }
    const std::string dkey =
        attrs_.dedup_scope == "messageGroup" ? m.group_id + '\n' + m.dedup_id : m.dedup_id;
    auto d = dedup_.find(dkey);
    if (d != dedup_.end() && d->second.expires_at > now) {
      ++counters_.deduplicated;
      if (traced())
        sim_.record("sqs.message_deduplicated",
                    {{"queue", name_}, {"message_id", d->second.message_id},
                     {"deduplication_id", m.dedup_id}, {"group_id", m.group_id}});
      response["MessageId"] = d->second.message_id;
      response["SequenceNumber"] = d->second.sequence_number;
      return models::api_result::success(response);
    }
    sequence_counter_ += 1 + ids_.below(1'000'000);
    m.sequence_number = std::to_string(sequence_counter_);
    m.visible_at = m.enqueued_at + attrs_.delay_s * sim::k_second_us;
    const std::string id = uuid(ids_);
    const sim::time_us expires = now + knobs_.duration("sqs.fifo.dedup_window");
    dedup_[dkey] = dedup_record{expires, id, m.sequence_number};
    dedup_expiry_.emplace_back(expires, dkey);
    response["MessageId"] = id;
    response["SequenceNumber"] = m.sequence_number;
    const std::uint64_t seq = new_message(std::move(m), id, 0, false);
    ++counters_.sent;
    if (traced()) {
      const message& s = live_.at(seq);
      trace("sqs.message_sent", s,
            {{"group_id", s.group_id}, {"sequence_number", s.sequence_number},
             {"visible_at_us", s.visible_at}});
    }
  } else {
    std::int64_t delay_s = attrs_.delay_s;
    if (e.contains("DelaySeconds") && !e["DelaySeconds"].is_null()) read_int(e["DelaySeconds"], delay_s);
    const std::int64_t latency_max_ms =
        knobs_.duration("sqs.send_to_visible.latency_max") / sim::k_millisecond_us;
    const std::int64_t latency_ms =
        sim_.choose_between(label("send_to_visible.latency_ms"), 0, latency_max_ms);
    m.visible_at = now + delay_s * sim::k_second_us + latency_ms * sim::k_millisecond_us;
    const std::string id = uuid(ids_);
    response["MessageId"] = id;
    const std::uint64_t seq = new_message(std::move(m), id, 0, false);
    ++counters_.sent;
    if (traced()) {
      const message& s = live_.at(seq);
      trace("sqs.message_sent", s, {{"visible_at_us", s.visible_at}});
    }
  }
  serve_waiters();
  arm();
  return models::api_result::success(response);
}

models::api_result queue::send(const json& req) {
  std::size_t size = 0;
  if (auto err = validate_send(req, false, size)) return models::api_result{json::object(), err};
  return send_one(req);
}

namespace {
// Shared checks of a batch request's Entries [SMB][DM][CMV].
std::optional<models::api_result> check_batch(const json& req) {
  if (!req.contains("Entries") || req["Entries"].is_null()) return missing("Entries");
  const json& entries = req["Entries"];
  if (!entries.is_array())
    return invalid("Entries", entries.dump(), "Entries must be a list");
  if (entries.empty())
    return error("EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry "
                                      "in the request.");
  if (entries.size() > 10)
    return error("TooManyEntriesInBatchRequest",
                 "Maximum number of entries per request are 10. You have sent " +
                     std::to_string(entries.size()) + ".");
  std::set<std::string> ids;
  for (const auto& e : entries) {
    const std::string id = e.is_object() && e.contains("Id") && e["Id"].is_string()
                               ? e["Id"].get<std::string>()
                               : std::string();
    if (!valid_batch_id(id))
      return error("InvalidBatchEntryId",
                   "A batch entry id can only contain alphanumeric characters, hyphens and "
                   "underscores. It can be at most 80 letters long.");
    if (!ids.insert(id).second)
      return error("BatchEntryIdsNotDistinct", "Id " + id + " repeated.");
  }
  return std::nullopt;
}

json failed_entry(const std::string& id, const models::api_error& e) {
  return {{"Id", id}, {"SenderFault", e.http_status < 500}, {"Code", e.code}, {"Message", e.message}};
}
}  // namespace

models::api_result queue::send_batch(const json& req) {
  if (auto err = check_batch(req)) return *err;
  std::vector<std::size_t> sizes;
  std::vector<std::optional<models::api_error>> errors;
  std::size_t total = 0;
  for (const auto& e : req["Entries"]) {
    std::size_t size = 0;
    errors.push_back(validate_send(e, true, size));
    sizes.push_back(size);
    total += size;
  }
  if (total > 1'048'576)
    return error("BatchRequestTooLong",
                 "Batch requests cannot be longer than 1048576 bytes. You have sent " +
                     std::to_string(total) + " bytes.");
  json ok = json::array(), failed = json::array();
  std::size_t i = 0;
  for (const auto& e : req["Entries"]) {  // FIFO: enqueued in entry order [SMB]
    const std::string id = e["Id"].get<std::string>();
    if (errors[i]) {
      failed.push_back(failed_entry(id, *errors[i]));
    } else {
      auto r = send_one(e);
      json row = r.response;
      row["Id"] = id;
      ok.push_back(row);
    }
    ++i;
  }
  return models::api_result::success({{"Successful", ok}, {"Failed", failed}});
}

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
    if (name == "MaxNumberOfMessages") max_messages = value;
    else if (name == "WaitTimeSeconds") wait_time = value;
    else if (name == "VisibilityTimeout") visibility = value;
    else if (name == "MessageSystemAttributeNames") system_names = value;
    else if (name == "AttributeNames") attribute_names = value;
    else if (name == "MessageAttributeNames") message_attribute_names = value;
    else if (name == "ReceiveRequestAttemptId") attempt_id = value;
  }
  std::int64_t v = 0;
  if (const json* m = max_messages) {
    if (!read_int(*m, v) || v < 1 || v > 10)
      return invalid("MaxNumberOfMessages", m->dump(), "Must be between 1 and 10, if provided");
    p.max = static_cast<int>(v);
  }
  wait_s = attrs_.receive_wait_s;
  if (const json* m = wait_time) {
    if (!read_int(*m, v) || v < 0 || v > 20)
      return invalid("WaitTimeSeconds", m->dump(), "Must be >= 0 and <= 20, if provided");
    wait_s = v;
  }
  p.visibility_s = attrs_.visibility_timeout_s;
  if (const json* m = visibility) {
    if (!read_int(*m, v) || v < 0 || v > k_visibility_max_s)
      return invalid("VisibilityTimeout", m->dump(), "Must be >= 0 and <= 43200, if provided");
    p.visibility_s = v;
    p.visibility_given = true;
  }
  const std::pair<const char*, const json*> attribute_lists[] = {
      {"MessageSystemAttributeNames", system_names}, {"AttributeNames", attribute_names}};
  for (const auto& [name, m] : attribute_lists) {
    if (m == nullptr) continue;
    if (!m->is_array()) return invalid(name, m->dump(), "Must be a list");
    for (const auto& n : *m) {
      const auto& known = system_attribute_names();
      if (!n.is_string() ||
          std::find(known.begin(), known.end(), n.get_ref<const std::string&>()) == known.end())
        return error("InvalidAttributeName", "Unknown Attribute " + (n.is_string() ? n.get<std::string>() : n.dump()) + ".");
      p.system_names.push_back(n.get<std::string>());
    }
  }
  if (const json* m = message_attribute_names) {
    if (!m->is_array()) return invalid("MessageAttributeNames", m->dump(), "Must be a list");
    for (const auto& n : *m) {
      if (!n.is_string() || n.get_ref<const std::string&>().empty() ||
          n.get_ref<const std::string&>().size() > 256)
        return error("InvalidAttributeName", "Unknown Attribute " + n.dump() + ".");
      p.attribute_names.push_back(n.get<std::string>());
    }
  }
  if (const json* m = attempt_id) {
    if (!m->is_string() || !valid_token_id(m->get_ref<const std::string&>()))
      return invalid("ReceiveRequestAttemptId", m->dump(),
                     "ReceiveRequestAttemptId can only include alphanumeric and punctuation "
                     "characters. 1 to 128 in length");
    if (attrs_.fifo) p.attempt_id = m->get<std::string>();
  }
  return std::nullopt;
}

bool queue::should_move_to_dlq(const message& m) const {
  return !attrs_.dlq_arn.empty() && attrs_.max_receive_count > 0 &&
         m.receive_count >= static_cast<std::uint64_t>(attrs_.max_receive_count) &&
         svc_.find_by_arn(attrs_.dlq_arn) != nullptr;
}

void queue::move_to_dlq(std::uint64_t seq) {
  queue* target = svc_.find_by_arn(attrs_.dlq_arn);
  message copy = live_.at(seq);
  const std::string id = census_[seq].message_id;
  const std::uint32_t count = copy.receive_count;
  if (traced()) trace("sqs.message_moved_to_dlq", copy, {{"target", target->name()}, {"receive_count", count}});
  ++counters_.moved_to_dlq;
  copy.dlq_source_arn = arn_;
  remove(seq, message_state::in_dlq, false);
  const bool reset = knobs_.flag("sqs.dlq.reset_receive_count");
  target->accept_redrive(std::move(copy), id, census_[seq].copy, reset ? 0 : count);
}

void queue::accept_redrive(message m, const std::string& message_id, std::uint64_t copy,
                           std::uint32_t receive_count) {
  const sim::time_us now = sim_.now();
  m.receive_count = receive_count;
  m.receive_no = 0;
  m.deadline = m.cap_at = 0;
  m.visible_at = now;
  if (attrs_.fifo) {
    m.enqueued_at = now;        // FIFO: enqueue time resets on the move [DLQR]
    m.dedup_id = message_id;    // FIFO: dedup id replaced by the message id [DLQ archived]
    sequence_counter_ += 1 + ids_.below(1'000'000);
    m.sequence_number = std::to_string(sequence_counter_);
  }
  // Standard: the original enqueue time is kept, so retention counts time in the source [DLQR].
  auto& ghosts = ghost_counts_[message_id];  // later ghosts here get copy numbers not yet used
  ghosts = std::max(ghosts, copy);
  const std::uint64_t seq = new_message(std::move(m), message_id, copy, true);
  ++counters_.arrived_from_redrive;
  if (traced()) trace("sqs.message_arrived_from_redrive", live_.at(seq), {{"source", live_.at(seq).dlq_source_arn}});
  serve_waiters();
  arm();
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
      if (sim_.chance(label("short_poll.miss"), miss)) missed[static_cast<std::size_t>(s)] = any_missed = 1;
  }
  const sim::time_us window = hot_duration(hot_.reorder_window, "sqs.reorder.window");
  std::vector<std::uint64_t> cands;
  while (static_cast<int>(out.size()) < max) {
    cands.clear();
    sim::time_us first_ready = -1;
    for (const auto& [ready, seq] : visible_) {
      if (any_missed && missed[seq % static_cast<std::uint64_t>(servers)]) continue;
      if (first_ready < 0) first_ready = ready;
      else if (window <= 0 || ready > first_ready + window) break;
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
    const std::uint64_t pick = heads.size() > 1 ? sim_.choose(label("fifo.group"), heads.size()) : 0;
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
  if (wanted("ApproximateReceiveCount")) attrs["ApproximateReceiveCount"] = std::to_string(m.receive_count);
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
        if (n == "All" || n == ".*" || n == it.key()) take = true;
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
          if (traced()) trace("sqs.message_received", m, {{"receive_count", m.receive_count}, {"deadline_us", m.deadline}, {"attempt_replay", true}});
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
    if (traced()) sim_.record("sqs.receive_false_empty", {{"queue", name_}});
    return models::api_result::success(json::object());
  }
  const int room = static_cast<int>(std::min<std::int64_t>(p.max, cap - static_cast<std::int64_t>(inflight_.size())));
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

std::optional<models::api_result> queue::receive(const json& req, service::callback* done,
                                                 sim::lane_id lane) {
  receive_params p;
  std::int64_t wait_s = 0;
  if (auto bad = parse_receive(req, p, wait_s)) return bad;
  bool found = false;
  const sim::time_us now = sim_.now();
  auto r = receive_now(p, now, wait_s > 0, found);
  if (found || wait_s == 0) return r;
  if (done == nullptr)
    return error("pipesim.LongPollRequiresAsync",
                 "ReceiveMessage with an effective WaitTimeSeconds > 0 found no message; use "
                 "call_async to wait in virtual time.", 500);
  const std::uint64_t id = next_waiter_++;
  const sim::event_id timeout = sim_.schedule_after(
      wait_s * sim::k_second_us,
      [this, id] { finish_waiter(id, models::api_result::success(json::object())); }, lane_);
  waiters_.push_back(waiter{id, std::move(p), std::move(*done), lane, now, timeout});
  if (traced()) sim_.record("sqs.long_poll_started", {{"queue", name_}, {"waiter", id}, {"wait_s", wait_s}});
  return std::nullopt;
}

void queue::finish_waiter(std::uint64_t id, models::api_result r) {
  auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const waiter& w) { return w.id == id; });
  if (it == waiters_.end()) return;
  sim_.cancel(it->timeout);
  service::callback done = std::move(it->done);
  const sim::lane_id lane = it->lane;
  waiters_.erase(it);
  if (traced())
    sim_.record("sqs.long_poll_answered",
                {{"queue", name_}, {"waiter", id},
                 {"messages", r.ok() && r.response.contains("Messages") ? r.response["Messages"].size() : 0}});
  // The event runs once, so the answer moves into the callback rather than being copied.
  sim_.schedule_after(
      reply_latency(),
      [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); }, lane);
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
    const std::size_t pick = any && waiters_.size() > 1
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

// ---------------------------------------------------------------------------------------------
// Delete and visibility.

models::api_result queue::delete_one(const std::string& handle) {
  std::uint64_t seq = 0;
  std::uint32_t rn = 0;
  if (!parse_handle(handle, seq, rn))
    return error("ReceiptHandleIsInvalid",
                 "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
  auto it = live_.find(seq);
  if (it == live_.end()) {
    if (traced()) sim_.record("sqs.delete_no_message", {{"queue", name_}, {"message_id", census_[seq].message_id}, {"copy", census_[seq].copy}});
    return models::api_result::success(json::object());  // already gone: AWS answers success
  }
  message& m = it->second;
  if (rn > m.receive_no)
    return error("ReceiptHandleIsInvalid",
                 "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
  const bool current = rn == m.receive_no;
  if (attrs_.fifo) {
    if (!current || m.state != message_state::in_flight)
      return invalid("ReceiptHandle", handle, "The receipt handle has expired");
  } else if (!current) {
    const std::string& policy = knobs_.text("sqs.stale_delete.policy");
    bool do_delete = policy == "succeed_delete";
    if (policy == "error")
      return error("ReceiptHandleIsInvalid",
                   "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
    if (policy == "succeed_either") do_delete = sim_.choose(label("stale_delete"), 2) == 0;
    if (!do_delete) {
      if (traced()) trace("sqs.delete_ignored", m, {{"reason", "stale_receipt_handle"}});
      return models::api_result::success(json::object());
    }
  }
  if (traced()) trace("sqs.message_deleted", m, {{"stale_handle", !current}});
  spawn_duplicate(m, "on_delete");
  ++counters_.deleted;
  remove(seq, message_state::deleted, false);
  // Invalidate attempt replays holding this message [RRAI].
  for (auto a = attempts_.begin(); a != attempts_.end();) {
    bool hit = false;
    for (const auto& r : a->second.receipts) hit = hit || r.first == seq;
    a = hit ? attempts_.erase(a) : std::next(a);
  }
  serve_waiters();  // a FIFO group may be unblocked
  arm();
  return models::api_result::success(json::object());
}

models::api_result queue::delete_message(const json& req) {
  if (!req.contains("ReceiptHandle") || req["ReceiptHandle"].is_null()) return missing("ReceiptHandle");
  if (!req["ReceiptHandle"].is_string())
    return error("ReceiptHandleIsInvalid", "The input receipt handle is not a valid receipt handle.");
  return delete_one(req["ReceiptHandle"].get<std::string>());
}

models::api_result queue::delete_batch(const json& req) {
  if (auto err = check_batch(req)) return *err;
  json ok = json::array(), failed = json::array();
  for (const auto& e : req["Entries"]) {
    const std::string id = e["Id"].get<std::string>();
    models::api_result r = !e.contains("ReceiptHandle") || !e["ReceiptHandle"].is_string()
                               ? missing("ReceiptHandle")
                               : delete_one(e["ReceiptHandle"].get<std::string>());
    if (r.ok()) ok.push_back({{"Id", id}});
    else failed.push_back(failed_entry(id, *r.error));
  }
  return models::api_result::success({{"Successful", ok}, {"Failed", failed}});
}

models::api_result queue::change_one(const std::string& handle, const json& vt_json) {
  std::int64_t vt = 0;
  if (vt_json.is_null()) return missing("VisibilityTimeout");
  if (!read_int(vt_json, vt) || vt < 0 || vt > k_visibility_max_s)
    return invalid("VisibilityTimeout", vt_json.dump(), "Must be >= 0 and <= 43200");
  std::uint64_t seq = 0;
  std::uint32_t rn = 0;
  if (!parse_handle(handle, seq, rn))
    return error("ReceiptHandleIsInvalid",
                 "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
  auto it = live_.find(seq);
  if (it == live_.end() || rn != it->second.receive_no)
    return invalid("ReceiptHandle", handle,
                   "Message does not exist or is not available for visibility timeout change");
  message& m = it->second;
  if (m.state != message_state::in_flight)
    return error("MessageNotInflight", "Message not inflight.");
  const sim::time_us now = sim_.now();
  const sim::time_us deadline = now + vt * sim::k_second_us;  // counts from the call [CMV]
  if (deadline > m.cap_at)
    return invalid("VisibilityTimeout", std::to_string(vt),
                   "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
  inflight_.erase({m.deadline, seq});
  for (auto a = attempts_.begin(); a != attempts_.end();) {
    bool hit = false;
    for (const auto& r : a->second.receipts) hit = hit || r.first == seq;
    a = hit ? attempts_.erase(a) : std::next(a);
  }
  if (traced()) trace("sqs.visibility_changed", m, {{"visibility_timeout_s", vt}, {"deadline_us", deadline}});
  if (vt == 0) {
    if (attrs_.fifo) --groups_[m.group_id].inflight;
    make_visible(m);
    if (traced()) trace("sqs.message_returned", m, {{"reason", "visibility_changed_to_0"}});
    serve_waiters();
  } else {
    m.deadline = deadline;
    inflight_.insert({m.deadline, seq});
  }
  arm();
  return models::api_result::success(json::object());
}

models::api_result queue::change_visibility(const json& req) {
  if (!req.contains("ReceiptHandle") || req["ReceiptHandle"].is_null()) return missing("ReceiptHandle");
  if (!req["ReceiptHandle"].is_string())
    return error("ReceiptHandleIsInvalid", "The input receipt handle is not a valid receipt handle.");
  return change_one(req["ReceiptHandle"].get<std::string>(), req.value("VisibilityTimeout", json()));
}

models::api_result queue::change_visibility_batch(const json& req) {
  if (auto err = check_batch(req)) return *err;
  json ok = json::array(), failed = json::array();
  for (const auto& e : req["Entries"]) {
    const std::string id = e["Id"].get<std::string>();
    models::api_result r = !e.contains("ReceiptHandle") || !e["ReceiptHandle"].is_string()
                               ? missing("ReceiptHandle")
                               : change_one(e["ReceiptHandle"].get<std::string>(),
                                            e.value("VisibilityTimeout", json()));
    if (r.ok()) ok.push_back({{"Id", id}});
    else failed.push_back(failed_entry(id, *r.error));
  }
  return models::api_result::success({{"Successful", ok}, {"Failed", failed}});
}

// ---------------------------------------------------------------------------------------------
// Purge.

models::api_result queue::purge(const json&) {
  const sim::time_us now = sim_.now();
  const sim::time_us guard = knobs_.duration("sqs.purge.guard");
  if (last_purge_at_ >= 0 && now - last_purge_at_ < guard)
    return error("PurgeQueueInProgress",
                 "Only one PurgeQueue operation on " + name_ + " is allowed every 60 seconds.", 403);
  last_purge_at_ = now;
  const std::uint64_t cutoff = census_.size();
  const std::int64_t max_ms = knobs_.duration("sqs.purge.duration_max") / sim::k_millisecond_us;
  const std::int64_t delay_ms = sim_.choose_between(label("purge.delay_ms"), 0, max_ms);
  if (traced()) sim_.record("sqs.purge_started", {{"queue", name_}, {"completes_in_ms", delay_ms}});
  if (delay_ms == 0) complete_purge(cutoff);
  else sim_.schedule_after(delay_ms * sim::k_millisecond_us, [this, cutoff] { complete_purge(cutoff); }, lane_);
  return models::api_result::success(json::object());
}

void queue::complete_purge(std::uint64_t cutoff) {
  std::vector<std::uint64_t> doomed;
  for (const auto& [seq, m] : live_) {
    (void)m;
    if (seq < cutoff) doomed.push_back(seq);
  }
  for (std::uint64_t seq : doomed) {
    if (traced()) trace("sqs.message_purged", live_.at(seq));
    ++counters_.purged;
    remove(seq, message_state::deleted, true);
  }
  serve_waiters();
  arm();
}

}  // namespace models::sqs

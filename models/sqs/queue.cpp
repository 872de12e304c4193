// One SQS queue: construction, knobs, tracing and the message state changes every operation
// shares (new message, visible, removed, duplicated).
#include "queue.hpp"

#include "detail/queue_support.hpp"
#include "hash.hpp"
#include "sim/assert.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cstdio>

namespace models::sqs {

using nlohmann::json;
using namespace detail;

std::string_view to_string(message_state s) noexcept {
  switch (s) {
    case message_state::delayed:
      return "delayed";
    case message_state::visible:
      return "visible";
    case message_state::in_flight:
      return "in_flight";
    case message_state::deleted:
      return "deleted";
    case message_state::expired:
      return "expired";
    case message_state::in_dlq:
      return "in_dlq";
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
  hot_.faults = resolve_fault_rates(knobs_);
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
    case message_state::delayed:
      delayed_.erase({m.visible_at, m.seq});
      break;
    case message_state::visible:
      visible_.erase({attrs_.fifo ? 0 : m.ready_at, m.seq});
      break;
    case message_state::in_flight:
      inflight_.erase({m.deadline, m.seq});
      if (attrs_.fifo) --groups_[m.group_id].inflight;
      break;
    default:
      break;
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
  PIPESIM_ASSERT(sim_, seq < census_.size(), "every live message has a census entry");
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
  sim_.reach("sqs.duplicate_created");
  if (traced())
    trace("sqs.duplicate_created", live_.at(seq),
          {{"site", site}, {"visible_at_us", live_.at(seq).visible_at}});
}

}  // namespace models::sqs

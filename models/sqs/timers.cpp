// The queue's timers.
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
  wake_ = next < 0 ? sim::event_id{}
                   : sim_.schedule_at(
                         next, [this] { tick(); }, lane_);
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
    sim_.reach("sqs.visibility_timeout_expired");
    svc_.notify(service::message_event::visibility_expired, url_, census_[m.seq].message_id,
                census_[m.seq].copy, m.receive_count);
    if (traced()) trace("sqs.message_returned", m, {{"reason", "visibility_timeout"}});
  }
}

void queue::tick() {
  wake_ = sim::event_id{};
  wake_at_ = -1;
  const sim::time_us now = sim_.now();
  while (!retention_.empty() && retention_.begin()->first + retention_us() <= now) {
    const std::uint64_t seq = retention_.begin()->second;
    sim_.reach("sqs.message_expired");
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

}  // namespace models::sqs

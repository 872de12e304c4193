// Run loop, same-instant races and choice recording.
#include "simulation.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <utility>

namespace sim {

std::string_view to_string(stop_reason r) noexcept {
  switch (r) {
    case stop_reason::queue_empty:
      return "queue_empty";
    case stop_reason::horizon_reached:
      return "horizon_reached";
    case stop_reason::event_limit_reached:
      return "event_limit_reached";
    case stop_reason::stop_requested:
      return "stop_requested";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, stop_reason r) { return os << to_string(r); }

simulation::simulation(std::uint64_t seed, std::unique_ptr<strategy> s)
    : streams_(seed), strategy_(s ? std::move(s) : std::make_unique<random_strategy>(seed)) {
  lane_names_.emplace_back("kernel");
}

simulation::~simulation() = default;

lane_id simulation::lane(std::string_view name) {
  for (std::size_t i = 0; i < lane_names_.size(); ++i) {
    if (lane_names_[i] == name) return static_cast<lane_id>(i);
  }
  lane_names_.emplace_back(name);
  return static_cast<lane_id>(lane_names_.size() - 1);
}

event_id simulation::schedule_at(time_us at, handler fn, lane_id lane) {
  if (at < now_) {
    throw std::logic_error("schedule_at: time " + std::to_string(at) + " is before now " +
                           std::to_string(now_));
  }
  if (lane >= lane_names_.size()) throw std::logic_error("schedule_at: unknown lane");
  return queue_.push(at, lane, std::move(fn));
}

bool simulation::cancel(event_id id) noexcept {
  if (queue_.cancel(id)) return true;
  const auto it = std::find_if(ready_.begin(), ready_.end(),
                               [&](const event_queue::popped& p) { return p.id == id; });
  if (it == ready_.end()) return false;
  ready_.erase(it);
  return true;
}

bool simulation::pending(event_id id) const noexcept {
  if (queue_.pending(id)) return true;
  return std::any_of(ready_.begin(), ready_.end(),
                     [&](const event_queue::popped& p) { return p.id == id; });
}

std::uint64_t simulation::choose_among(std::string_view label, std::uint64_t options,
                                       double p_nonzero, const lane_id* actors) {
  if (options < 2) return 0;
  const std::uint64_t pick = strategy_->pick(choice_point{label, options, p_nonzero, now_, actors});
  if (pick >= options) {
    throw std::logic_error("strategy '" + std::string(strategy_->name()) + "' picked " +
                           std::to_string(pick) + " of " + std::to_string(options) + " at " +
                           std::string(label));
  }
  choices_.push_back(choice_record{std::string(label), options, pick, now_});
  if (trace_.enabled()) {
    trace_.record(now_, "choice",
                  nlohmann::json{{"label", label}, {"options", options}, {"pick", pick}});
  }
  return pick;
}

std::int64_t simulation::choose_between(std::string_view label, std::int64_t lo, std::int64_t hi) {
  if (hi <= lo) return lo;
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  // A span of the full 64-bit range cannot be expressed as an option count; nobody needs it.
  if (span == ~std::uint64_t{0}) throw std::logic_error("choose_between: range too large");
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + choose(label, span + 1));
}

void simulation::record(std::string_view type, const nlohmann::json& fields) {
  trace_.record(now_, type, fields);
}

void simulation::stop(std::string reason) {
  stop_requested_ = true;
  stop_detail_ = std::move(reason);
}

// Fast path: the earliest event has no same-time rival and runs directly. Otherwise every event
// due at that instant is moved to ready_ (in sequence order) and, when more than one lane is
// represented, the strategy picks the lane whose oldest ready event runs next. Events that
// handlers schedule for the same instant join ready_ on the next call, so they race too.
bool simulation::pop_next(event_queue::popped& out) {
  if (ready_.empty()) {
    if (queue_.empty()) return false;
    out = queue_.pop();
    if (queue_.empty() || queue_.next_time() != out.time) return true;
    ready_.push_back(std::move(out));
  }
  const time_us due = ready_.front().time;
  while (!queue_.empty() && queue_.next_time() == due) ready_.push_back(queue_.pop());

  racing_lanes_.clear();
  for (const event_queue::popped& p : ready_) {
    if (std::find(racing_lanes_.begin(), racing_lanes_.end(), p.lane) == racing_lanes_.end()) {
      racing_lanes_.push_back(p.lane);
    }
  }
  const std::size_t distinct = racing_lanes_.size();
  const std::uint64_t pick =
      distinct > 1 ? choose_among("kernel.tie", distinct, -1.0, racing_lanes_.data()) : 0;
  const lane_id chosen = racing_lanes_[pick];
  const auto it = std::find_if(ready_.begin(), ready_.end(),
                               [&](const event_queue::popped& p) { return p.lane == chosen; });
  out = std::move(*it);
  ready_.erase(it);
  return true;
}

run_result simulation::run(const run_limits& limits) {
  stop_requested_ = false;
  stop_detail_.clear();
  std::uint64_t events = 0;
  for (;;) {
    if (stop_requested_) return {stop_reason::stop_requested, now_, events, stop_detail_};
    if (events >= limits.max_events) return {stop_reason::event_limit_reached, now_, events, {}};
    if (ready_.empty() && queue_.empty()) return {stop_reason::queue_empty, now_, events, {}};
    const time_us next = ready_.empty() ? queue_.next_time() : ready_.front().time;
    if (next > limits.horizon_us) {
      now_ = std::max(now_, limits.horizon_us);
      return {stop_reason::horizon_reached, now_, events, {}};
    }
    event_queue::popped ev;
    pop_next(ev);
    if (ev.time < now_) throw std::logic_error("simulation: time went backwards");
    now_ = ev.time;
    ++events;
    ++dispatched_;
    ev.fn();
    if (after_each_event_) after_each_event_();
  }
}

}  // namespace sim

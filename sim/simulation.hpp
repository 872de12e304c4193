// The simulation: virtual clock, event queue, choice points, streams and trace behind one object.
#pragma once

#include "coverage.hpp"
#include "event_queue.hpp"
#include "random.hpp"
#include "strategy.hpp"
#include "time.hpp"
#include "trace.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sim {

/// Identifies an actor. Events of one lane at the same instant run in the order they were
/// scheduled (an actor's own steps are causally ordered); events of different lanes at the same
/// instant are concurrent, and the strategy decides which lane goes first.
using lane_id = std::uint32_t;

/// Bounds of one call to simulation::run.
struct run_limits {
  time_us horizon_us = std::numeric_limits<time_us>::max();  ///< No event after this time runs.
  std::uint64_t max_events = std::numeric_limits<std::uint64_t>::max();
};

enum class stop_reason {
  queue_empty,          ///< Nothing left to do.
  horizon_reached,      ///< The next event lies beyond run_limits::horizon_us.
  event_limit_reached,  ///< run_limits::max_events events ran.
  stop_requested,       ///< A handler called simulation::stop.
};

/// Returns "queue_empty", "horizon_reached", ...
std::string_view to_string(stop_reason r) noexcept;
std::ostream& operator<<(std::ostream& os, stop_reason r);

struct run_result {
  stop_reason reason;
  time_us now_us;        ///< Clock when the run stopped.
  std::uint64_t events;  ///< Events dispatched by this call.
  std::string detail;    ///< For stop_requested: the reason given.
};

/// One recorded answer to a choice point, in the order they were asked.
struct choice_record {
  std::string label;
  std::uint64_t options;
  std::uint64_t pick;
  time_us at_us = 0;
};

/// Owns the clock and everything that decides what happens next. Models receive a reference and
/// use now(), schedule_*(), choose(), stream() and record(); nothing here is global, so several
/// simulations can live in one process (property tests run thousands).
///
/// Determinism contract: given the same seed, the same strategy and the same sequence of calls
/// from models, every run dispatches the same events in the same order and records the same trace.
class simulation {
 public:
  /// Uses a random_strategy seeded with `seed` unless another strategy is given.
  explicit simulation(std::uint64_t seed, std::unique_ptr<strategy> s = nullptr);
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  time_us now() const noexcept { return now_; }
  std::uint64_t seed() const noexcept { return streams_.root_seed(); }
  const strategy& current_strategy() const noexcept { return *strategy_; }

  /// Registers an actor and returns its lane; lane 0 ("kernel") always exists. Registering the
  /// same name twice returns the same lane.
  lane_id lane(std::string_view name);
  const std::string& lane_name(lane_id id) const { return lane_names_.at(id); }

  /// Schedules fn at absolute time `at` (not before now()).
  event_id schedule_at(time_us at, handler fn, lane_id lane = 0);
  /// Schedules fn `delay` after now() (delay >= 0).
  event_id schedule_after(time_us delay, handler fn, lane_id lane = 0) {
    return schedule_at(now_ + delay, std::move(fn), lane);
  }
  /// Cancels a pending event; false if it already ran or was cancelled.
  bool cancel(event_id id) noexcept;
  bool pending(event_id id) const noexcept;
  std::size_t pending_events() const noexcept { return queue_.size() + ready_.size(); }

  /// Asks the strategy to pick one of `options` (option 0 is nominal, see choice_point). With
  /// fewer than two options nothing is asked and 0 is returned. Recorded in choices() and traced.
  std::uint64_t choose(std::string_view label, std::uint64_t options, double p_nonzero = -1.0) {
    return choose_among(label, options, p_nonzero, nullptr);
  }
  /// A yes/no choice that a random strategy answers yes with probability p; "no" is nominal.
  bool chance(std::string_view label, double p) { return p > 0.0 && choose(label, 2, p) == 1; }
  /// A value in [lo, hi] picked through a choice point; lo is nominal.
  std::int64_t choose_between(std::string_view label, std::int64_t lo, std::int64_t hi);

  /// Every pick made so far, in order: what a replay_strategy needs to reproduce the run.
  const std::vector<choice_record>& choices() const noexcept { return choices_; }
  /// Moves every pick out, leaving choices() empty: for a report built once the run is over,
  /// which need not copy hundreds of labelled records.
  std::vector<choice_record> take_choices() noexcept { return std::exchange(choices_, {}); }

  /// A generator for the named stream, derived from the seed (see rng_streams).
  rng stream(std::string_view name) const noexcept { return streams_.stream(name); }

  sim::trace& trace() noexcept { return trace_; }
  /// Records an event at now(); a no-op when the trace is disabled.
  void record(std::string_view type, const nlohmann::json& fields);

  /// Notes that the run reached a named situation (see coverage.hpp); costs a map lookup.
  void reach(std::string_view situation_id) { coverage_.reach(situation_id); }
  const sim::coverage& coverage() const noexcept { return coverage_; }

  /// Runs events in order until a limit is hit, the queue drains, or a handler calls stop().
  /// Time never goes backwards; now() is set to each event's time before its handler runs.
  run_result run(const run_limits& limits = {});

  /// Asks run() to return after the current event.
  void stop(std::string reason);

  /// Calls `check` after every dispatched event (nullptr removes it). Checkers that watch the
  /// whole model state hook in here, so a violation is caught at the event that caused it.
  void after_each_event(std::function<void()> check) { after_each_event_ = std::move(check); }

  /// Events dispatched over the simulation's life.
  std::uint64_t dispatched() const noexcept { return dispatched_; }

 private:
  bool pop_next(event_queue::popped& out);
  std::uint64_t choose_among(std::string_view label, std::uint64_t options, double p_nonzero,
                             const lane_id* actors);

  time_us now_ = 0;
  rng_streams streams_;
  std::unique_ptr<strategy> strategy_;
  event_queue queue_;
  // Events due at now_ that compete across lanes, in sequence order; see pop_next.
  std::vector<event_queue::popped> ready_;
  std::vector<lane_id> racing_lanes_;  // distinct lanes in ready_, oldest first (reused)
  std::vector<std::string> lane_names_;
  std::vector<choice_record> choices_;
  sim::trace trace_;
  sim::coverage coverage_;
  std::uint64_t dispatched_ = 0;
  bool stop_requested_ = false;
  std::string stop_detail_;
  std::function<void()> after_each_event_;
};

}  // namespace sim

// The pending-event set: a binary heap keyed by (time, insertion sequence) with lazy cancel.
#pragma once

#include "time.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace sim {

/// What an event does when it fires.
using handler = std::function<void()>;

/// Names one scheduled event. Default-constructed ids name nothing and cancel nothing.
struct event_id {
  std::uint64_t seq = 0;   // insertion sequence, unique within a queue, 1-based
  std::uint32_t slot = 0;  // where the handler is stored
  bool valid() const noexcept { return seq != 0; }
  friend bool operator==(event_id a, event_id b) noexcept { return a.seq == b.seq; }
};

/// Events ordered by (time, seq): two events at the same instant leave in the order they were
/// pushed, so the order never depends on the heap's shape. Cancelling marks the event dead and the
/// heap drops it when it reaches the top (ns-3's lazy cancel), so cancel is O(1).
/// Every event also carries a lane (the actor it belongs to); the queue only stores it, the
/// simulation uses it to decide which same-instant events may race.
class event_queue {
 public:
  struct popped {
    time_us time = 0;
    event_id id;
    std::uint32_t lane = 0;
    handler fn;
  };

  /// Schedules fn at `time` on `lane` and returns its id.
  event_id push(time_us time, std::uint32_t lane, handler fn);

  /// Cancels a pending event. Returns false if it already fired, was cancelled, or never existed.
  bool cancel(event_id id) noexcept;

  /// True if the event is still pending.
  bool pending(event_id id) const noexcept;

  /// Number of pending (not cancelled) events.
  std::size_t size() const noexcept { return live_; }
  bool empty() const noexcept { return live_ == 0; }

  /// Time of the earliest pending event. Requires !empty().
  time_us next_time();

  /// Removes and returns the earliest pending event. Requires !empty().
  popped pop();

 private:
  struct entry {
    time_us time;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t lane;
  };
  struct slot_state {
    handler fn;
    std::uint64_t seq = 0;  // the event occupying the slot; 0 when free
  };

  static bool later(const entry& a, const entry& b) noexcept {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
  void drop_dead_top();
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void pop_top() noexcept;

  std::vector<entry> heap_;
  std::vector<slot_state> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_seq_ = 1;
  std::size_t live_ = 0;
};

}  // namespace sim

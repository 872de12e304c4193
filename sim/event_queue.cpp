// Binary heap with lazy cancel.
#include "event_queue.hpp"

#include <cassert>
#include <utility>

namespace sim {

event_id event_queue::push(time_us time, std::uint32_t lane, handler fn) {
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  const std::uint64_t seq = next_seq_++;
  slots_[slot].fn = std::move(fn);
  slots_[slot].seq = seq;
  heap_.push_back(entry{time, seq, slot, lane});
  sift_up(heap_.size() - 1);
  ++live_;
  return event_id{seq, slot};
}

bool event_queue::pending(event_id id) const noexcept {
  return id.valid() && id.slot < slots_.size() && slots_[id.slot].seq == id.seq;
}

bool event_queue::cancel(event_id id) noexcept {
  if (!pending(id)) return false;
  // The heap entry stays until it surfaces; a zero seq in the slot marks it dead. The slot is
  // recycled only then, so a later event can never be mistaken for the cancelled one.
  slots_[id.slot].seq = 0;
  slots_[id.slot].fn = nullptr;
  --live_;
  return true;
}

void event_queue::drop_dead_top() {
  while (!heap_.empty() && slots_[heap_.front().slot].seq != heap_.front().seq) {
    free_slots_.push_back(heap_.front().slot);
    pop_top();
  }
}

time_us event_queue::next_time() {
  drop_dead_top();
  assert(!heap_.empty());
  return heap_.front().time;
}

event_queue::popped event_queue::pop() {
  drop_dead_top();
  assert(!heap_.empty());
  const entry top = heap_.front();
  pop_top();
  slot_state& s = slots_[top.slot];
  popped out{top.time, event_id{top.seq, top.slot}, top.lane, std::move(s.fn)};
  s.seq = 0;
  s.fn = nullptr;
  free_slots_.push_back(top.slot);
  --live_;
  return out;
}

void event_queue::pop_top() noexcept {
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0);
}

void event_queue::sift_up(std::size_t i) noexcept {
  const entry moving = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!later(heap_[parent], moving)) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = moving;
}

void event_queue::sift_down(std::size_t i) noexcept {
  const std::size_t n = heap_.size();
  const entry moving = heap_[i];
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && later(heap_[child], heap_[child + 1])) ++child;
    if (!later(moving, heap_[child])) break;
    heap_[i] = heap_[child];
    i = child;
  }
  heap_[i] = moving;
}

}  // namespace sim

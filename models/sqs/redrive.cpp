// Dead-letter queues: when a message moves, and the target queue taking it.
#include "detail/queue_support.hpp"
#include "hash.hpp"
#include "queue.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cstdio>

namespace models::sqs {

using nlohmann::json;
using namespace detail;

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
  if (traced())
    trace("sqs.message_moved_to_dlq", copy, {{"target", target->name()}, {"receive_count", count}});
  ++counters_.moved_to_dlq;
  sim_.reach("sqs.moved_to_dlq");
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
    m.enqueued_at = now;      // FIFO: enqueue time resets on the move [DLQR]
    m.dedup_id = message_id;  // FIFO: dedup id replaced by the message id [DLQ archived]
    sequence_counter_ += 1 + ids_.below(1'000'000);
    m.sequence_number = std::to_string(sequence_counter_);
  }
  // Standard: the original enqueue time is kept, so retention counts time in the source [DLQR].
  auto& ghosts = ghost_counts_[message_id];  // later ghosts here get copy numbers not yet used
  ghosts = std::max(ghosts, copy);
  const std::uint64_t seq = new_message(std::move(m), message_id, copy, true);
  ++counters_.arrived_from_redrive;
  if (traced())
    trace("sqs.message_arrived_from_redrive", live_.at(seq),
          {{"source", live_.at(seq).dlq_source_arn}});
  serve_waiters();
  arm();
}

}  // namespace models::sqs

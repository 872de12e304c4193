// The SQS knob table: every behaviour AWS leaves open, with a default per profile.
#include "service.hpp"

namespace models::sqs {

const std::vector<models::knob_spec>& knobs() {
  using nlohmann::json;
  static const std::vector<models::knob_spec> table = {
      {"sqs.duplicate.probability",
       "Standard queues: chance that a delete misses a replica, or that a receive leaves a second "
       "copy behind, so a ghost copy of the message is delivered again later.",
       "pipesim choice: AWS says duplicates happen \"occasionally\" [STD][ALO] and gives no rate",
       json(0.0), json(0.001), json(0.2), {}},
      {"sqs.duplicate.delay_max",
       "Standard queues: a ghost copy becomes visible after a delay picked in [0, this].",
       "pipesim choice: no time bound is published [STD][ALO]", json("0s"), json("30s"),
       json("2m"), {}},
      {"sqs.reorder.window",
       "Standard queues: a receive may return any visible message that became visible within this "
       "window after the oldest one (0 = strict oldest-first).",
       "pipesim choice: ordering is best effort [STD], magnitude undocumented", json("0s"),
       json("100ms"), json("5s"), {}},
      {"sqs.send_to_visible.latency_max",
       "Standard queues: after a successful send a message becomes receivable after a latency "
       "picked in [0, this].",
       "pipesim choice: no SLA for send-to-receivable latency is published", json("0s"),
       json("10ms"), json("2s"), {}},
      {"sqs.short_poll.servers",
       "Standard queues: number of servers messages are spread over; a short poll samples them.",
       "pipesim choice: short polls query a weighted random subset of servers [POLL], the count is "
       "undocumented",
       json(1), json(4), json(4), {}},
      {"sqs.short_poll.miss_probability",
       "Standard queues: chance that a short poll skips one server, returning fewer messages than "
       "available or none.",
       "pipesim choice: short polls may miss messages [POLL][RM], rate undocumented", json(0.0),
       json(0.1), json(0.5), {}},
      {"sqs.receive.false_empty_probability",
       "Standard queues: chance that a long poll that could return messages answers empty at once.",
       "pipesim choice: rare false-empty long polls are documented [POLL][LPBP], rate is not",
       json(0.0), json(0.001), json(0.05), {}},
      {"sqs.timer.granularity",
       "Delay ends, visibility expiries and retention expiries take effect at the next multiple "
       "of this period (0 = exactly on time); 1s mimics a once-a-second sweep.",
       "pipesim choice: timer precision is undocumented (spec 11.8)", json("0s"), json("0s"),
       json("1s"), {}},
      {"sqs.long_poll.waiter_order",
       "Which waiting long poll gets a message that becomes available: fifo (oldest waiter) or "
       "any (a choice point).",
       "pipesim choice: AWS does not say which waiting consumer is served", json("fifo"),
       json("any"), json("any"), {"fifo", "any"}},
      {"sqs.api.latency_max",
       "call_async only: each answer (including a long poll's) reaches the caller after a latency "
       "picked in [0, this]; the queue's state changed when the request was handled.",
       "pipesim choice: response latency is not documented; 0 in ideal and aws_documented",
       json("0s"), json("0s"), json("100ms"), {}},
      {"sqs.api.throttle_probability",
       "Chance that an API call is refused with RequestThrottled (400, no effect).",
       "pipesim choice: RequestThrottled is a modeled error of every operation [SQS errors], "
       "AWS publishes no rate short of the quotas; off unless set",
       json(0.0), json(0.0), json(0.0), {}},
      {"sqs.api.server_error_probability",
       "Chance that an API call is answered with a 5xx: ServiceUnavailable (503, no effect) or "
       "InternalFailure (500, before or after the request took effect), picked at the choice "
       "point sqs.api.server_error.kind. A ReceiveMessage carried out but answered 500 leaves its "
       "messages in flight until their visibility timeout ends.",
       "pipesim choice: [BC-Retry] has SDKs retry 500/503, AWS publishes no rate; off unless set",
       json(0.0), json(0.0), json(0.0), {}},
      {"sqs.fifo.group_order",
       "FIFO queues: which available message group a receive serves first: oldest_first or any (a "
       "choice point); order within a group is always strict.",
       "documented: FIFOL (groups may be interleaved or out of order)", json("oldest_first"),
       json("any"), json("any"), {"oldest_first", "any"}},
      {"sqs.stale_delete.policy",
       "Standard queues: DeleteMessage with a receipt handle from an earlier receive succeeds and "
       "succeed_delete deletes, succeed_noop keeps the message, succeed_either picks at a choice "
       "point; error returns ReceiptHandleIsInvalid (ElasticMQ-like, stricter than AWS).",
       "documented: DM (request succeeds, message might not be deleted); which outcome is a "
       "pipesim choice",
       json("succeed_delete"), json("succeed_noop"), json("succeed_either"),
       {"succeed_delete", "succeed_noop", "succeed_either", "error"}},
      {"sqs.dlq.move_timing",
       "When a message whose receive count reached maxReceiveCount moves to the dead-letter queue: "
       "on_next_receive (when a receive would return it) or on_visibility_expiry.",
       "pipesim choice: AWS docs are silent; on_next_receive is observed behaviour (LocalStack "
       "#8234)",
       json("on_next_receive"), json("on_next_receive"), json("on_next_receive"),
       {"on_next_receive", "on_visibility_expiry"}},
      {"sqs.dlq.reset_receive_count",
       "Whether ApproximateReceiveCount restarts at 0 when a message arrives in the DLQ.",
       "pipesim choice: silent in docs; RM counts receives \"across all queues\", so it carries "
       "over",
       json(false), json(false), json(false), {}},
      {"sqs.inflight.max_standard",
       "Standard queues: in-flight messages per queue; at the cap a short poll gets OverLimit and a "
       "long poll gets nothing.",
       "documented: CMV, QQ (about 120,000; no error with long polling per the archived VT guide)",
       json(120000), json(120000), json(120000), {}},
      {"sqs.inflight.max_fifo",
       "FIFO queues: in-flight messages per queue; at the cap receives return nothing, no error.",
       "documented: QFIFO (120,000; older pages said 20,000)", json(120000), json(120000),
       json(120000), {}},
      {"sqs.purge.duration_max",
       "PurgeQueue removes the messages sent before it after a delay picked in [0, this]; until "
       "then they can still be received.",
       "documented: PQ (deletion can take up to 60 seconds)", json("0s"), json("60s"),
       json("60s"), {}},
      {"sqs.purge.guard",
       "A second PurgeQueue within this time of the last one gets PurgeQueueInProgress.",
       "documented: PQ (60 seconds)", json("60s"), json("60s"), json("60s"), {}},
      {"sqs.queue.recreate_guard",
       "CreateQueue of a name deleted less than this long ago gets QueueDeletedRecently.",
       "documented: CQ (wait 60 seconds after DeleteQueue)", json("60s"), json("60s"), json("60s"),
       {}},
      {"sqs.fifo.dedup_window",
       "FIFO queues: how long a deduplication id suppresses later sends, counted from the first "
       "accepted send, also after the message was deleted.",
       "documented: FIFOE, SM (5-minute interval)", json("5m"), json("5m"), json("5m"), {}},
      {"sqs.fifo.receive_attempt_window",
       "FIFO queues: how long a ReceiveRequestAttemptId replays the same messages and receipt "
       "handles.",
       "documented: RRAI (5 minutes)", json("5m"), json("5m"), json("5m"), {}},
      {"sqs.redrive.max_receive_count_max",
       "Largest maxReceiveCount accepted in a RedrivePolicy (the smallest is 1).",
       "pipesim choice: 1-1,000 appears only in third-party validators, not in AWS text", json(1000),
       json(1000), json(1000), {}},
      {"sqs.message_size.max_bytes",
       "Upper bound (and default) of the MaximumMessageSize attribute; 262144 reproduces the "
       "older limit.",
       "documented: SM, CQ (1 MiB; formerly 256 KiB)", json(1048576), json(1048576), json(1048576),
       {}},
  };
  return table;
}

}  // namespace models::sqs

// Amazon SQS on virtual time: standard and FIFO queues, the documented message lifecycle, the
// awsJson1_0 API surface with AWS's error codes, and seedable standard-queue adversity.
//
// Everything that could go more than one way goes through the simulation's choice points (labels
// "sqs.<queue>.<site>") or named streams ("sqs.<queue>.ids"), so a run replays from its seed.
// See README.md for the knob table, the trace event types and every choice AWS leaves open.
#pragma once

#include "models/common/api.hpp"
#include "models/common/knobs.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace models::sqs {

/// Every SQS knob (names "sqs.*"), with defaults per profile and documented-vs-chosen status.
const std::vector<models::knob_spec>& knobs();

/// The situations this model can reach (sim::simulation::reach), for behaviour coverage.
std::vector<sim::situation> situations();

/// Where a message (or a duplicate copy of one) is now, as seen by the queue it was sent to.
/// in_dlq stays last: checkers size per-state arrays by it.
enum class message_state { delayed, visible, in_flight, deleted, expired, in_dlq };
std::string_view to_string(message_state s) noexcept;

/// One row of a queue's census: a copy of a message that entered the queue.
struct census_entry {
  std::string message_id;
  std::uint64_t copy = 0;     ///< 0: the message as sent; 1, 2, ...: duplicate copies
                              ///< (kept when a copy moves to a DLQ).
  bool from_redrive = false;  ///< Arrived by a move from a source queue (this is a DLQ);
                              ///< duplicates made here afterwards are not from_redrive.
  message_state state = message_state::visible;
  bool purged = false;  ///< state == deleted because of PurgeQueue.
};

/// Per-queue counters for invariant checks. sent counts accepted, non-deduplicated messages.
struct queue_counters {
  std::uint64_t sent = 0;
  std::uint64_t deduplicated = 0;  ///< FIFO sends accepted but dropped by deduplication.
  std::uint64_t received = 0;      ///< Messages returned by ReceiveMessage (with repeats).
  std::uint64_t deleted = 0;       ///< Copies removed by DeleteMessage(Batch).
  std::uint64_t duplicates_created = 0;
  std::uint64_t moved_to_dlq = 0;
  std::uint64_t arrived_from_redrive = 0;
  std::uint64_t expired = 0;
  std::uint64_t purged = 0;
};

/// Endpoint identity and clock origin.
struct service_config {
  std::string region = "us-east-1";
  std::string account = "123456789012";
  /// Epoch milliseconds of virtual time 0 (default 2026-01-01T00:00:00Z); timestamps in
  /// responses are epoch_ms + now()/1000, never the wall clock.
  std::int64_t epoch_ms = 1'767'225'600'000;
  /// SenderId attribute of received messages (an IAM unique id in AWS).
  std::string sender_id = "AIDAPIPESIMSENDER0001";
};

class queue;

namespace detail {
/// sqs.api.throttle_probability and sqs.api.server_error_probability of one knob set, read on
/// every call: resolved whenever the set is (a knob_values read is a lookup by name). A value
/// that is not a number stays unset, so reading it goes through the set and throws there.
struct fault_rates {
  std::optional<double> throttle, server_error;
};
fault_rates resolve_fault_rates(const models::knob_values& k);

/// A ReceiveMessage that found nothing and waits (long poll): its callback answers later.
struct parked_long_poll {};
/// What running an operation gives: its answer now, or a parked long poll.
using call_outcome = std::variant<models::api_result, parked_long_poll>;
}  // namespace detail

/// The SQS endpoint of one region and account.
class service {
 public:
  using callback = std::function<void(models::api_result)>;

  /// `values` is the resolved knob set (profile + overrides) every queue starts from.
  service(sim::simulation& s, models::knob_values values, service_config config = {});
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// Runs one operation that answers at once. ReceiveMessage with an effective wait > 0 answers
  /// at once when a message is available; otherwise it needs call_async and this returns the
  /// pipesim error "pipesim.LongPollRequiresAsync".
  models::api_result call(std::string_view operation, const nlohmann::json& request);
  /// The same, for a call another AWS service makes from inside AWS (SageMaker sending a callback
  /// message): no injected 5xx (sqs.api.server_error_probability), as such a caller retries
  /// within AWS and its failures are not the consumer's to see.
  models::api_result call_from_aws(std::string_view operation, const nlohmann::json& request);

  /// Runs any operation; `done` runs in virtual time on `reply_lane`: immediately-answerable
  /// calls in a zero-delay event, long polls when a message becomes available or the wait ends.
  void call_async(std::string_view operation, const nlohmann::json& request, callback done,
                  sim::lane_id reply_lane = 0);

  /// Knob overrides for one queue (a JSON object of "sqs.*" knob names), applied on top of the
  /// service's values; allowed before the queue exists. Throws models::knob_error for bad knobs.
  void set_queue_knobs(const std::string& queue_name, const nlohmann::json& overrides);

  /// "https://sqs.<region>.amazonaws.com/<account>/<name>" and
  /// "arn:aws:sqs:<region>:<account>:<name>".
  std::string queue_url(std::string_view name) const;
  std::string queue_arn(std::string_view name) const;

  /// Accounting for invariant checks; empty/zero for an unknown URL.
  std::vector<census_entry> census(std::string_view queue_url) const;
  queue_counters counters(std::string_view queue_url) const;
  /// The same accounting without copies, for checks that run after every event: calls `visit`
  /// with each queue's URL, census and counters, in queue name order.
  using queue_visitor =
      std::function<void(const std::string& url, const std::vector<census_entry>& census,
                         const queue_counters& counters)>;
  void visit_queues(const queue_visitor& visit) const;

  /// What happened to a message, for checks that follow it across services.
  enum class message_event {
    received,            ///< a ReceiveMessage handed it out (whoever received it)
    visibility_expired,  ///< received, not deleted in time: visible again
  };
  /// Called with every such event: the queue URL, the message id, the copy (0: as sent) and the
  /// receive count.
  using message_observer =
      std::function<void(message_event, const std::string& queue_url, const std::string& message_id,
                         std::uint64_t copy, std::uint32_t receive_count)>;
  void observe_messages(message_observer observe) { observer_ = std::move(observe); }
  void notify(message_event e, const std::string& queue_url, const std::string& message_id,
              std::uint64_t copy, std::uint32_t receive_count) const {
    if (observer_) observer_(e, queue_url, message_id, copy, receive_count);
  }

  const service_config& config() const noexcept { return config_; }
  sim::simulation& simulation() noexcept { return sim_; }

  /// The live queue with this ARN, or null: for the queues themselves (redrive targets,
  /// RedrivePolicy checks). `queue` is internal to models/sqs, so nothing else can use it.
  queue* find_by_arn(std::string_view arn) const;

 private:
  queue* find_by_url(std::string_view url) const;
  models::api_result create_queue(const nlohmann::json& request);
  models::api_result get_queue_url(const nlohmann::json& request);
  models::api_result delete_queue(queue* q);
  models::api_result list_queues(const nlohmann::json& request);
  // `addressed` is addressed_queue(request), looked up once per call by the caller.
  detail::call_outcome dispatch(std::string_view operation, const nlohmann::json& request,
                                queue* addressed, callback* async_done, sim::lane_id reply_lane);
  // The live queue a request's QueueUrl names, if any.
  queue* addressed_queue(const nlohmann::json& request) const;
  // The knobs of `addressed`, else the service's.
  const models::knob_values& knobs_for(const queue* addressed) const;

  using fault_rates = detail::fault_rates;
  // The fault's answer, if one strikes this call to `addressed` (or to no queue).
  std::optional<models::api_result> injected_fault(std::string_view operation,
                                                   const nlohmann::json& request,
                                                   const queue* addressed);

  sim::simulation& sim_;
  models::knob_values values_;
  fault_rates fault_rates_;  // of values_
  service_config config_;
  std::map<std::string, nlohmann::json, std::less<>> queue_overrides_;
  std::map<std::string, std::unique_ptr<queue>, std::less<>> queues_;  // by name
  // Deleted queues stay alive (their pending kernel events refer to them) but are unreachable.
  std::vector<std::unique_ptr<queue>> deleted_queues_;
  std::map<std::string, sim::time_us, std::less<>> deleted_at_;
  std::uint64_t next_queue_tag_ = 1;
  // queue_url("") and queue_arn(""), built once: every queue-addressed call looks its queue up.
  std::string url_prefix_;
  std::string arn_prefix_;
  message_observer observer_;
};

}  // namespace models::sqs

// Internal: one queue's state and behaviour. Not part of the public API (see service.hpp).
#pragma once

#include "service.hpp"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace models::sqs {

/// Queue attributes as stored (the settable ones, parsed).
struct queue_attributes {
  std::int64_t delay_s = 0;
  std::int64_t max_message_size_b = 1'048'576;
  std::int64_t retention_s = 345'600;
  std::int64_t receive_wait_s = 0;
  std::int64_t visibility_timeout_s = 30;
  std::string redrive_policy;  ///< The JSON text as set ("" = none).
  std::string dlq_arn;         ///< Parsed from redrive_policy.
  std::int64_t max_receive_count = 0;
  std::string redrive_allow_policy;
  std::string policy;
  bool fifo = false;
  bool content_based_dedup = false;
  std::string dedup_scope = "queue";               ///< queue | messageGroup
  std::string fifo_throughput_limit = "perQueue";  ///< perQueue | perMessageGroupId
  std::string kms_master_key_id;
  std::int64_t kms_data_key_reuse_s = 300;
  bool sqs_managed_sse = true;
};

class service;
/// The string form GetQueueAttributes returns for a settable attribute; nullopt if it does
/// not apply to this queue type.
std::optional<std::string> attribute_text(const std::string& name, const queue_attributes& a);

struct message {
  std::uint64_t seq = 0;  ///< Index in census_, unique within the queue.
  std::string body;
  std::string md5_body;
  nlohmann::json attributes;         ///< MessageAttributes as sent (object or null).
  nlohmann::json system_attributes;  ///< MessageSystemAttributes as sent (object or null).
  std::string md5_system_attributes;
  std::string group_id;
  std::string dedup_id;
  std::string sequence_number;
  std::string dlq_source_arn;
  sim::time_us sent_at = 0;      ///< SentTimestamp source; kept across DLQ moves.
  sim::time_us enqueued_at = 0;  ///< Retention counts from here.
  sim::time_us visible_at = 0;   ///< End of delay / latency / ghost delay.
  sim::time_us ready_at = 0;     ///< When it last became visible (standard ordering key).
  sim::time_us first_receive_at = -1;
  sim::time_us deadline = 0;  ///< In flight: end of visibility timeout.
  sim::time_us cap_at = 0;    ///< In flight: 12-hour ceiling from the receive request.
  std::uint32_t receive_count = 0;
  std::uint32_t receive_no = 0;  ///< Receipt generation; a handle names one.
  message_state state = message_state::delayed;
};

class queue {
 public:
  queue(service& svc, std::string name, queue_attributes attrs, models::knob_values knobs,
        std::uint64_t tag);

  const std::string& name() const noexcept { return name_; }
  const std::string& url() const noexcept { return url_; }
  const std::string& arn() const noexcept { return arn_; }
  const queue_attributes& attributes() const noexcept { return attrs_; }
  void set_knobs(models::knob_values k);
  /// Checks and applies one queue attribute given as its string value (CreateQueue and
  /// SetQueueAttributes); returns the AWS error for an unknown name or a bad value.
  static std::optional<models::api_error> apply_attribute(const std::string& name,
                                                          const nlohmann::json& value,
                                                          queue_attributes& a, bool creating,
                                                          const service& svc,
                                                          const models::knob_values& knobs);
  const models::knob_values& knob_values() const noexcept { return knobs_; }
  /// Applies changed attributes that affect stored messages (FIFO delay is retroactive).
  void attributes_changed(const queue_attributes& before);

  models::api_result send(const nlohmann::json& req);
  models::api_result send_batch(const nlohmann::json& req);
  /// Long poll: returns nullopt when the caller must wait (the waiter is parked and `done`
  /// will be called later); otherwise the immediate answer.
  detail::call_outcome receive(const nlohmann::json& req, service::callback* done,
                               sim::lane_id lane);
  models::api_result delete_message(const nlohmann::json& req);
  models::api_result delete_batch(const nlohmann::json& req);
  models::api_result change_visibility(const nlohmann::json& req);
  models::api_result change_visibility_batch(const nlohmann::json& req);
  models::api_result get_attributes(const nlohmann::json& req);
  models::api_result set_attributes(const nlohmann::json& req);
  models::api_result purge(const nlohmann::json& req);
  /// DeleteQueue: stops the queue's timers; parked long polls end empty at their deadline.
  void shut_down();

  /// Takes a message moved from a source queue's redrive; `copy` is its copy number there.
  void accept_redrive(message m, const std::string& message_id, std::uint64_t copy,
                      std::uint32_t receive_count);

  const std::vector<census_entry>& census() const noexcept { return census_; }
  const queue_counters& counters() const noexcept { return counters_; }
  /// The injected-fault rates of this queue's knobs (read by the service on every call).
  const detail::fault_rates& fault_rates() const noexcept { return hot_.faults; }

 private:
  struct receive_params {
    int max = 1;
    std::int64_t visibility_s = 0;
    // VisibilityTimeout came with the request; otherwise visibility_s is the queue's value when
    // parsed, and a parked request takes the queue's value when it is served.
    bool visibility_given = false;
    std::vector<std::string> system_names;
    std::vector<std::string> attribute_names;
    std::string attempt_id;
  };
  struct waiter {
    std::uint64_t id;
    receive_params params;  // parsed once when parked, not re-parsed from JSON when served
    service::callback done;
    sim::lane_id lane;
    sim::time_us request_at;
    sim::event_id timeout;
  };
  struct dedup_record {
    sim::time_us expires_at;
    std::string message_id;
    std::string sequence_number;
  };
  struct attempt_record {
    sim::time_us expires_at;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> receipts;  // (seq, receive_no)
    nlohmann::json request;
  };
  using key = std::pair<sim::time_us, std::uint64_t>;

  // Parameters and validation.
  // The validation error, if any; otherwise fills p and wait_s.
  std::optional<models::api_result> parse_receive(const nlohmann::json& req, receive_params& p,
                                                  std::int64_t& wait_s) const;
  std::optional<models::api_error> validate_send(const nlohmann::json& entry, bool batch_entry,
                                                 std::size_t& size) const;
  models::api_result send_one(const nlohmann::json& entry);
  models::api_result delete_one(const std::string& handle);
  models::api_result change_one(const std::string& handle, const nlohmann::json& vt);

  // Receipt handles.
  std::string make_handle(const message& m) const;
  bool parse_handle(const std::string& h, std::uint64_t& seq, std::uint32_t& receive_no) const;

  // Receive internals.
  models::api_result receive_now(const receive_params& p, sim::time_us request_at, bool long_poll,
                                 bool& found);
  std::vector<std::uint64_t> select(const receive_params& p, int max, bool long_poll,
                                    sim::time_us request_at);
  std::vector<std::uint64_t> select_fifo(const receive_params& p, int max, sim::time_us request_at);
  void to_in_flight(message& m, std::int64_t visibility_s, sim::time_us request_at);
  nlohmann::json render(const message& m, const receive_params& p) const;
  bool should_move_to_dlq(const message& m) const;
  void move_to_dlq(std::uint64_t seq);
  void serve_waiters();
  void finish_waiter(std::uint64_t id, models::api_result r);
  /// Latency of one call_async answer (this queue's sqs.api.latency_max), via a choice point.
  sim::time_us reply_latency();

  // State changes.
  std::uint64_t new_message(message m, const std::string& message_id, std::uint64_t copy,
                            bool from_redrive);
  void make_visible(message& m);
  void unindex(message& m);
  void remove(std::uint64_t seq, message_state to, bool purged);
  void spawn_duplicate(const message& original, std::string_view site);
  void set_state(message& m, message_state s);

  // Timers.
  void arm();
  void tick();
  void release_due_inflight();
  void complete_purge(std::uint64_t cutoff);

  std::string label(std::string_view site) const {
    return "sqs." + name_ + "." + std::string(site);
  }
  sim::time_us retention_us() const { return attrs_.retention_s * sim::k_second_us; }
  bool traced() const { return sim_.trace().enabled(); }
  void trace(std::string_view type, const message& m,
             nlohmann::json extra = nlohmann::json::object());

  service& svc_;
  sim::simulation& sim_;
  std::string name_, url_, arn_;
  queue_attributes attrs_;
  models::knob_values knobs_;
  // Knobs read on every receive, reply and timer, resolved from knobs_ whenever it is set (a
  // knob_values read is a map lookup by name). A duration that does not parse stays unset, so
  // reading it goes through knobs_ and throws there, when it is used, as before.
  struct hot_knobs {
    std::optional<sim::time_us> api_latency_max, timer_granularity, reorder_window;
    std::int64_t short_poll_servers = 1, inflight_max_standard = 0, inflight_max_fifo = 0;
    bool dlq_move_on_next_receive = false, dlq_move_on_visibility_expiry = false;
    detail::fault_rates faults;
  };
  hot_knobs hot_;
  void resolve_hot_knobs();
  sim::time_us hot_duration(const std::optional<sim::time_us>& cached,
                            std::string_view name) const {
    return cached ? *cached : knobs_.duration(name);
  }
  std::uint64_t tag_;
  std::uint64_t secret_;
  sim::rng ids_;
  sim::time_us created_at_;
  sim::time_us modified_at_;

  std::vector<census_entry> census_;
  std::map<std::uint64_t, message> live_;
  std::set<key> delayed_;    // (visible_at, seq)
  std::set<key> visible_;    // standard: (ready_at, seq); FIFO: (0, seq)
  std::set<key> inflight_;   // (deadline, seq)
  std::set<key> retention_;  // (enqueued_at, seq)
  struct group {
    std::set<std::uint64_t> members;  // live messages in order
    std::uint32_t inflight = 0;
  };
  std::map<std::string, group, std::less<>> groups_;
  std::map<std::string, dedup_record, std::less<>> dedup_;
  std::deque<std::pair<sim::time_us, std::string>> dedup_expiry_;
  std::map<std::string, attempt_record, std::less<>> attempts_;
  std::map<std::string, std::uint64_t, std::less<>> ghost_counts_;  // duplicate copies per id
  std::deque<waiter> waiters_;
  std::uint64_t next_waiter_ = 1;
  std::uint64_t sequence_counter_ = 0;
  sim::time_us last_purge_at_ = -1;
  queue_counters counters_;
  sim::event_id wake_{};
  sim::time_us wake_at_ = -1;
  bool serving_ = false;
  bool deleted_ = false;
  sim::lane_id lane_;
};

}  // namespace models::sqs

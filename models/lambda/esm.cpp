// The event source mapping's pollers, batches, invokes and settlement (see esm.hpp).
#include "models/lambda/esm.hpp"

#include "models/sqs/service.hpp"
#include "sim/assert.hpp"

#include <algorithm>

namespace models::lambda {

using nlohmann::json;

// One poller: it long-polls, fills a batch and invokes the function with it, then polls again.
struct event_source_mapping::slot {
  sim::lane_id lane = 0;
  bool active = false;
  std::vector<json> batch;     // records
  std::vector<json> overflow;  // received past the payload limit: the next batch's start
  std::size_t batch_bytes = 0;
  sim::time_us batch_started_us = 0;
  sim::time_us batch_deadline_us = 0;  // earliest visibility deadline of the batch's messages
};

event_source_mapping::event_source_mapping(sim::simulation& s, models::sqs::service& sqs,
                                           models::knob_values knobs, esm_config config,
                                           function_runtime& runtime)
    : sim_(s),
      sqs_(sqs),
      knobs_(std::move(knobs)),
      config_(std::move(config)),
      runtime_(runtime),
      ids_(s.stream("lambda." + config_.name + ".ids")) {}

event_source_mapping::~event_source_mapping() = default;

std::string event_source_mapping::label(const char* what) const {
  return "lambda." + config_.name + "." + what;
}

void event_source_mapping::record(const char* type, json fields) {
  if (!sim_.trace().enabled()) return;
  fields["mapping"] = config_.name;
  sim_.record(type, fields);
}

std::optional<models::api_error> event_source_mapping::start() {
  const models::api_result attrs = sqs_.call_from_aws(
      "GetQueueAttributes",
      {{"QueueUrl", config_.queue_url}, {"AttributeNames", json::array({"All"})}});
  if (!attrs.ok()) {
    return models::api_error{
        "InvalidParameterValueException",
        "Error occurred while ReceiveMessage. SQS Error Code: " + attrs.error->code, 400};
  }
  const json& a = attrs.response["Attributes"];
  visibility_timeout_us_ =
      std::stoll(a.value("VisibilityTimeout", std::string("30"))) * sim::k_second_us;
  config_.source.fifo = a.value("FifoQueue", std::string("false")) == "true";
  if (auto e = validate_function(config_.function)) return e;
  if (auto e = validate_mapping(config_.mapping, config_.function, config_.source.fifo,
                                visibility_timeout_us_)) {
    return e;
  }
  // With a window, window + timeout above the visibility timeout: Lambda makes the effective
  // visibility timeout window + timeout + 30 s [WSQS]; here through the receive's own
  // VisibilityTimeout (how AWS does it is SILENT).
  const sim::time_us window = config_.mapping.batching_window_us;
  if (window > 0 && knobs_.flag("lambda.effective_visibility.extend") &&
      window + config_.function.timeout_us > visibility_timeout_us_) {
    receive_visibility_us_ = window + config_.function.timeout_us + 30 * sim::k_second_us;
  }
  target_slots_ =
      std::min<std::int64_t>(knobs_.integer("lambda.poller.initial_concurrency"), cap_slots());
  record("lambda.mapping_created",
         {{"queue", config_.queue_url},
          {"function", config_.function.name},
          {"batch_size", config_.mapping.batch_size},
          {"batching_window_us", window},
          {"report_batch_item_failures", config_.mapping.report_batch_item_failures},
          {"timeout_us", config_.function.timeout_us},
          {"visibility_timeout_us", visibility_timeout_us_}});
  while (active_slots_ < floor_slots()) spawn_slots();
  return std::nullopt;
}

// MaximumConcurrency caps the pollers; otherwise the mapping's ceiling [SCALE].
std::int64_t event_source_mapping::cap_slots() const {
  const std::int64_t ceiling = knobs_.integer("lambda.poller.max_concurrency");
  return config_.mapping.maximum_concurrency
             ? std::min(ceiling, *config_.mapping.maximum_concurrency)
             : ceiling;
}

// Pollers kept on a quiet queue: as low as 2, an optimisation that is off with
// MaximumConcurrency [SCALE].
std::int64_t event_source_mapping::floor_slots() const {
  const std::int64_t initial = knobs_.integer("lambda.poller.initial_concurrency");
  if (config_.mapping.maximum_concurrency) return std::min(initial, cap_slots());
  return std::min(std::max<std::int64_t>(2, knobs_.integer("lambda.poller.min_concurrency")),
                  cap_slots());
}

// Reserved concurrency, else the account's pool: beyond it invokes are throttled [KCS].
std::int64_t event_source_mapping::concurrency_limit() const {
  const std::int64_t account = knobs_.integer("lambda.account.concurrency");
  const std::int64_t reserved = config_.function.reserved_concurrency
                                    ? *config_.function.reserved_concurrency
                                    : knobs_.integer("lambda.fn.reserved_concurrency");
  return reserved > 0 ? std::min(reserved, account) : account;
}

// Starts one more poller (reusing a retired one's lane, so lanes stay few).
void event_source_mapping::spawn_slots() {
  std::size_t s = 0;
  while (s < slots_.size() && slots_[s].active) ++s;
  if (s == slots_.size()) {
    slots_.emplace_back();
    slots_[s].lane = sim_.lane("lambda." + config_.name + ".poller." + std::to_string(s));
  }
  slots_[s].active = true;
  ++active_slots_;
  sim_.schedule_after(
      0, [this, s] { poll(s); }, slots_[s].lane);
}

void event_source_mapping::arm_scaling() {
  if (scaling_armed_) return;
  scaling_armed_ = true;
  sim_.schedule_after(knobs_.duration("lambda.poller.scale_step"), [this] {
    scaling_armed_ = false;
    // Scaling needs messages and no function errors [KCS].
    if (messages_this_step_ && !errors_this_step_) {
      const std::int64_t per_step = std::max<std::int64_t>(
          1, knobs_.integer("lambda.poller.scale_up_per_min") *
                 knobs_.duration("lambda.poller.scale_step") / sim::k_minute_us);
      target_slots_ = std::min(cap_slots(), target_slots_ + per_step);
    }
    const bool again = messages_this_step_;
    messages_this_step_ = errors_this_step_ = false;
    if (again) arm_scaling();
  });
}

void event_source_mapping::note_error() {
  errors_this_step_ = true;
  if (config_.mapping.report_batch_item_failures &&
      knobs_.flag("lambda.backoff.disabled_with_rbif")) {
    return;
  }
  const double factor = knobs_.number("lambda.backoff.error_factor");
  target_slots_ = std::max(floor_slots(),
                           static_cast<std::int64_t>(static_cast<double>(target_slots_) * factor));
}

void event_source_mapping::poll(std::size_t s) {
  slot& sl = slots_[s];
  if (!sl.active) return;
  const std::int64_t room = config_.mapping.batch_size - static_cast<std::int64_t>(sl.batch.size());
  std::int64_t wait_s = knobs_.duration("lambda.poller.wait_time") / sim::k_second_us;
  if (!sl.batch.empty()) {
    // Inside the batching window: wait at most until it ends (whole seconds, rounded up).
    const sim::time_us left = sl.batch_started_us + config_.mapping.batching_window_us - sim_.now();
    if (left <= 0) {
      invoke(s);
      return;
    }
    wait_s = std::min<std::int64_t>(wait_s, (left + sim::k_second_us - 1) / sim::k_second_us);
  }
  if (sl.batch.empty() && !idle_request_.is_null()) {
    receive(s, idle_request_);
    return;
  }
  json request{{"QueueUrl", config_.queue_url},
               {"MaxNumberOfMessages",
                std::min<std::int64_t>(room, knobs_.integer("lambda.poller.receive_max_messages"))},
               {"WaitTimeSeconds", wait_s},
               {"MessageSystemAttributeNames", json::array({"All"})},
               {"MessageAttributeNames", json::array({"All"})}};
  if (receive_visibility_us_ > 0) {
    request["VisibilityTimeout"] = receive_visibility_us_ / sim::k_second_us;
  }
  // A poller with no batch asks the same every time: built once (most polls on a quiet queue).
  if (sl.batch.empty()) idle_request_ = request;
  receive(s, request);
}

void event_source_mapping::receive(std::size_t s, const json& request) {
  sqs_.call_async(
      "ReceiveMessage", request,
      [this, s](models::api_result r) {
        if (!r.ok()) {
          record("lambda.receive_error", {{"code", r.error->code}});
          sim_.schedule_after(
              sim::k_second_us, [this, s] { poll(s); }, slots_[s].lane);
          return;
        }
        static const json k_none = json::array();
        const auto m = r.response.find("Messages");
        on_receive(s, m != r.response.end() ? *m : k_none);
      },
      slots_[s].lane);
}

void event_source_mapping::on_receive(std::size_t s, const json& messages) {
  slot& sl = slots_[s];
  const sim::time_us visibility =
      receive_visibility_us_ > 0 ? receive_visibility_us_ : visibility_timeout_us_;
  const std::size_t max_bytes =
      static_cast<std::size_t>(knobs_.integer("lambda.payload.max_bytes"));
  for (const json& m : messages) {
    json rec = make_record(m, config_.source, knobs_);
    if (!matches_filter(config_.mapping.filter_criteria, rec)) {
      // A message that matches no filter is deleted by Lambda; the function never sees it [FILT].
      ++stats_.filtered;
      sim_.reach("lambda.message_filtered");
      record("lambda.message_filtered", {{"message_id", rec["messageId"]}});
      (void)sqs_.call_from_aws("DeleteMessage", {{"QueueUrl", config_.queue_url},
                                                 {"ReceiptHandle", rec["receiptHandle"]}});
      continue;
    }
    const std::size_t bytes = record_bytes(rec);
    if (!sl.batch.empty() && sl.batch_bytes + bytes > max_bytes) {
      sl.overflow.push_back(std::move(rec));
      continue;
    }
    if (sl.batch.empty()) {
      sl.batch_started_us = sim_.now();
      sl.batch_deadline_us = sim_.now() + visibility;
    }
    sl.batch_bytes += bytes;
    sl.batch.push_back(std::move(rec));
  }
  if (sl.batch.empty()) {
    // A quiet queue: back down to the floor of pollers [SCALE].
    if (active_slots_ > floor_slots()) {
      sl.active = false;
      --active_slots_;
      if (active_slots_ <= floor_slots()) {
        target_slots_ = std::min<std::int64_t>(knobs_.integer("lambda.poller.initial_concurrency"),
                                               cap_slots());
      }
      return;
    }
    poll(s);
    return;
  }
  messages_this_step_ = true;
  arm_scaling();
  while (active_slots_ < target_slots_) spawn_slots();
  const bool full = static_cast<std::int64_t>(sl.batch.size()) >= config_.mapping.batch_size ||
                    !sl.overflow.empty();
  const bool window_over = sim_.now() >= sl.batch_started_us + config_.mapping.batching_window_us;
  if (full || window_over) {
    invoke(s);
  } else {
    poll(s);
  }
}

void event_source_mapping::invoke(std::size_t s) {
  slot& sl = slots_[s];
  if (in_flight_ >= concurrency_limit()) {
    // Throttled: retried until the batch's visibility timeout would run out, then dropped; SQS
    // makes the messages visible again and the next receive counts [ERR].
    ++stats_.throttles;
    sim_.reach("lambda.throttled");
    const sim::time_us retry = knobs_.duration("lambda.backoff.throttle_retry");
    record("lambda.throttled", {{"records", sl.batch.size()}});
    note_error();
    if (sim_.now() + retry >= sl.batch_deadline_us) {
      record("lambda.batch_dropped", {{"records", sl.batch.size()}});
      release_batch(s);
      return;
    }
    sim_.schedule_after(
        std::max<sim::time_us>(retry, 1), [this, s] { invoke(s); }, sl.lane);
    return;
  }
  ++in_flight_;
  bool cold = false;
  const std::uint64_t env = acquire_environment(cold);
  std::string request_id = sim::uuid_v4(ids_);  // Lambda's request ids are version-4 UUIDs.
  const sim::time_us init = cold ? knobs_.duration("lambda.env.cold_start") : 0;
  sim_.schedule_after(
      init,
      [this, s, env, cold, id = std::move(request_id)]() mutable {
        start_handler(s, env, cold, std::move(id));
      },
      sl.lane);
}

std::uint64_t event_source_mapping::acquire_environment(bool& cold) {
  // Environments idle longer than the reap time are shut down now (lazily: no timer per
  // environment), then the warm ones are candidates, most recently used first.
  const sim::time_us reap = knobs_.duration("lambda.env.idle_reap");
  std::vector<std::size_t> idle;
  for (std::size_t i = 0; i < environments_.size(); ++i) {
    environment& e = environments_[i];
    if (!e.alive || e.busy) continue;
    if (sim_.now() - e.last_used_us >= reap) {
      e.alive = false;
      record("lambda.environment_shut_down", {{"environment", e.id}, {"reason", "idle"}});
      runtime_.environment_gone(e.id);
      continue;
    }
    idle.push_back(i);
  }
  std::stable_sort(idle.begin(), idle.end(), [this](std::size_t a, std::size_t b) {
    return environments_[a].last_used_us > environments_[b].last_used_us;
  });
  std::size_t pick = 0;  // 0: the most recently used warm one, or a new one if none is idle
  if (!idle.empty() && knobs_.text("lambda.env.reuse") == "any") {
    // Options: each idle environment, most recent first, then a new (cold) one.
    pick = static_cast<std::size_t>(sim_.choose(label("environment"), idle.size() + 1));
  }
  if (pick < idle.size()) {
    environment& e = environments_[idle[pick]];
    e.busy = true;
    cold = false;
    return e.id;
  }
  environment e;
  e.id = environments_.size() + 1;
  e.busy = true;
  environments_.push_back(e);
  cold = true;
  ++stats_.cold_starts;
  return e.id;
}

void event_source_mapping::reset_environment(std::uint64_t env) {
  environment& e = environments_.at(env - 1);
  e.alive = false;
  e.busy = false;
  runtime_.environment_gone(env);
}

void event_source_mapping::start_handler(std::size_t s, std::uint64_t env, bool cold,
                                         std::string request_id) {
  slot& sl = slots_[s];
  ++stats_.invocations;
  invocation inv;
  inv.request_id = request_id;
  inv.environment = env;
  inv.cold = cold;
  inv.deadline_us = sim_.now() + config_.function.timeout_us;
  inv.event = json{{"Records", sl.batch}};
  sim_.reach(cold ? "lambda.cold_start" : "lambda.warm_start");
  if (sl.batch.size() > 1) sim_.reach("lambda.batch_of_several");
  for (const json& r : sl.batch) {
    // A record Lambda has handed over before: a retry after a failure (or a lost visibility).
    if (r["attributes"].value("ApproximateReceiveCount", "1") != "1") {
      sim_.reach("lambda.record_retried");
      break;
    }
  }
  if (sim_.trace().enabled()) {
    json ids = json::array();
    for (const json& r : sl.batch) ids.push_back(r["messageId"]);
    record("lambda.invoked",
           {{"request_id", request_id}, {"environment", env}, {"cold", cold}, {"records", ids}});
  }
  const invocation_result result = runtime_.invoke(inv);
  const sim::time_us ms = sim::k_millisecond_us;
  const sim::time_us duration =
      sim_.choose_between(label("duration_ms"), config_.duration_min_us / ms,
                          config_.duration_max_us / ms) *
      ms;
  const bool killed =
      result.runtime_exited || sim_.chance(label("killed"), config_.crash_probability);
  const bool timed_out = duration > config_.function.timeout_us;
  sim_.schedule_after(
      std::min(duration, config_.function.timeout_us),
      [this, s, env, request_id, result, timed_out, killed] {
        finish(s, env, request_id, result, timed_out, killed);
      },
      sl.lane);
}

void event_source_mapping::finish(std::size_t s, std::uint64_t env, const std::string& request_id,
                                  const invocation_result& result, bool timed_out, bool killed) {
  slot& sl = slots_[s];
  --in_flight_;
  PIPESIM_ASSERT(sim_, in_flight_ >= 0, "more invokes ended than started");
  std::string outcome = "returned";
  std::string error_type;
  if (timed_out) {
    outcome = "timed_out";  // "Task timed out after N seconds" [TOUT]
    error_type = "Sandbox.Timedout";
  } else if (killed) {
    outcome = "runtime_exited";  // "Runtime exited with error: signal: killed"
    error_type = "Runtime.ExitError";
  } else if (result.raised) {
    outcome = "raised";
    error_type = result.error_type;
  }
  batch_verdict verdict{true, {}, outcome};
  if (outcome == "returned") {
    if (sim_.chance(label("lost_ack"), knobs_.number("lambda.invoke.lost_ack_probability"))) {
      verdict = batch_verdict{true, {}, "no_acknowledgement"};
    } else {
      std::vector<std::string> ids;
      for (const json& r : sl.batch) ids.push_back(r["messageId"].get<std::string>());
      verdict =
          read_response(result.response, config_.mapping.report_batch_item_failures, ids, knobs_);
    }
  }
  std::vector<json> deleted;
  if (!verdict.complete_failure) {
    std::vector<std::string> keep = verdict.retry_message_ids;
    if (config_.source.fifo &&
        knobs_.text("lambda.fifo.partial_response") == "keep_rest_of_group") {
      // Every record of a group after its first failure stays, to keep the group's order.
      std::vector<std::string> failed_groups;
      for (const json& r : sl.batch) {
        const std::string id = r["messageId"].get<std::string>();
        const std::string group = r["attributes"].value("MessageGroupId", "");
        const bool listed = std::find(keep.begin(), keep.end(), id) != keep.end();
        const bool after_failure =
            std::find(failed_groups.begin(), failed_groups.end(), group) != failed_groups.end();
        if (after_failure && !listed) keep.push_back(id);
        if (listed || after_failure) failed_groups.push_back(group);
      }
    }
    for (const json& r : sl.batch) {
      if (std::find(keep.begin(), keep.end(), r["messageId"].get<std::string>()) == keep.end()) {
        deleted.push_back(r);
      }
    }
  }
  const bool function_error = outcome != "returned";
  if (timed_out) sim_.reach("lambda.invocation_timed_out");
  if (outcome == "raised") sim_.reach("lambda.handler_raised");
  if (outcome == "runtime_exited") sim_.reach("lambda.runtime_exited");
  if (verdict.reason == "partial") sim_.reach("lambda.batch_partially_failed");
  if (verdict.reason.rfind("invalid_response", 0) == 0) sim_.reach("lambda.invalid_batch_response");
  if (verdict.reason == "no_acknowledgement") sim_.reach("lambda.acknowledgement_lost");
  if (function_error) {
    ++stats_.errors;
    if (timed_out) ++stats_.timeouts;
    note_error();
  }
  record("lambda.invocation_ended", {{"request_id", request_id},
                                     {"outcome", outcome},
                                     {"error_type", error_type},
                                     {"verdict", verdict.reason},
                                     {"deleted", deleted.size()},
                                     {"returned_to_queue", sl.batch.size() - deleted.size()}});
  // A timeout or a dead runtime resets the environment; after a raised error the process lives
  // on, and with it the module's state [LIFE][PYRIC].
  if (timed_out || killed) {
    record("lambda.environment_shut_down", {{"environment", env}, {"reason", outcome}});
    reset_environment(env);
  } else {
    environment& e = environments_.at(env - 1);
    e.busy = false;
    e.last_used_us = sim_.now();
  }
  runtime_.settled(request_id, deleted);
  delete_records(deleted);
  release_batch(s);
}

void event_source_mapping::delete_records(const std::vector<json>& records) {
  if (records.empty()) return;
  const sim::time_us latency =
      sim_.choose_between(label("delete.latency_ms"), 0,
                          knobs_.duration("lambda.delete.latency_max") / sim::k_millisecond_us) *
      sim::k_millisecond_us;
  std::vector<json> handles;
  for (const json& r : records) {
    if (sim_.chance(label("delete.failed"), knobs_.number("lambda.delete.failure_probability"))) {
      record("lambda.delete_failed", {{"message_id", r["messageId"]}});
      continue;
    }
    handles.push_back(
        {{"Id", "m" + std::to_string(handles.size())}, {"ReceiptHandle", r["receiptHandle"]}});
  }
  stats_.deleted += handles.size();
  auto run = [this, handles] {
    for (std::size_t i = 0; i < handles.size(); i += 10) {
      json entries = json::array();
      for (std::size_t j = i; j < std::min(handles.size(), i + 10); ++j) {
        entries.push_back(handles[j]);
      }
      (void)sqs_.call_from_aws("DeleteMessageBatch",
                               {{"QueueUrl", config_.queue_url}, {"Entries", entries}});
    }
  };
  if (latency == 0) {
    run();
  } else {
    sim_.schedule_after(latency, run);
  }
}

// The slot's batch is done with; it starts the next one (from its overflow) and polls on.
void event_source_mapping::release_batch(std::size_t s) {
  slot& sl = slots_[s];
  sl.batch.clear();
  sl.batch_bytes = 0;
  std::vector<json> carry = std::move(sl.overflow);
  sl.overflow.clear();
  if (!carry.empty()) {
    sl.batch_started_us = sim_.now();
    sl.batch_deadline_us =
        sim_.now() + (receive_visibility_us_ > 0 ? receive_visibility_us_ : visibility_timeout_us_);
    for (json& r : carry) {
      sl.batch_bytes += record_bytes(r);
      sl.batch.push_back(std::move(r));
    }
  }
  if (sl.batch.empty() && active_slots_ > target_slots_) {
    // The target was lowered (back-off after function errors [ERR]): this poller stops, so the
    // mapping's concurrency comes down even while the queue stays busy.
    sl.active = false;
    --active_slots_;
    return;
  }
  sim_.schedule_after(
      0, [this, s] { poll(s); }, sl.lane);
}

}  // namespace models::lambda

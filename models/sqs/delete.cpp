// DeleteMessage, DeleteMessageBatch and PurgeQueue.
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
// Delete and visibility.

models::api_result queue::delete_one(const std::string& handle) {
  std::uint64_t seq = 0;
  std::uint32_t rn = 0;
  if (!parse_handle(handle, seq, rn))
    return error("ReceiptHandleIsInvalid",
                 "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
  auto it = live_.find(seq);
  if (it == live_.end()) {
    if (traced())
      sim_.record(
          "sqs.delete_no_message",
          {{"queue", name_}, {"message_id", census_[seq].message_id}, {"copy", census_[seq].copy}});
    return models::api_result::success(json::object());  // already gone: AWS answers success
  }
  message& m = it->second;
  if (rn > m.receive_no)
    return error("ReceiptHandleIsInvalid",
                 "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
  const bool current = rn == m.receive_no;
  if (attrs_.fifo) {
    if (!current || m.state != message_state::in_flight)
      return invalid("ReceiptHandle", handle, "The receipt handle has expired");
  } else if (!current) {
    const std::string& policy = knobs_.text("sqs.stale_delete.policy");
    bool do_delete = policy == "succeed_delete";
    if (policy == "error")
      return error("ReceiptHandleIsInvalid",
                   "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
    if (policy == "succeed_either") do_delete = sim_.choose(label("stale_delete"), 2) == 0;
    if (!do_delete) {
      sim_.reach("sqs.stale_delete_ignored");
      if (traced()) trace("sqs.delete_ignored", m, {{"reason", "stale_receipt_handle"}});
      return models::api_result::success(json::object());
    }
  }
  if (traced()) trace("sqs.message_deleted", m, {{"stale_handle", !current}});
  spawn_duplicate(m, "on_delete");
  ++counters_.deleted;
  remove(seq, message_state::deleted, false);
  // Invalidate attempt replays holding this message [RRAI].
  for (auto a = attempts_.begin(); a != attempts_.end();) {
    bool hit = false;
    for (const auto& r : a->second.receipts) hit = hit || r.first == seq;
    a = hit ? attempts_.erase(a) : std::next(a);
  }
  serve_waiters();  // a FIFO group may be unblocked
  arm();
  return models::api_result::success(json::object());
}

models::api_result queue::delete_message(const json& req) {
  if (!req.contains("ReceiptHandle") || req["ReceiptHandle"].is_null())
    return missing("ReceiptHandle");
  if (!req["ReceiptHandle"].is_string())
    return error("ReceiptHandleIsInvalid",
                 "The input receipt handle is not a valid receipt handle.");
  return delete_one(req["ReceiptHandle"].get<std::string>());
}

models::api_result queue::delete_batch(const json& req) {
  if (auto err = check_batch(req)) return *err;
  json ok = json::array(), failed = json::array();
  for (const auto& e : req["Entries"]) {
    const std::string id = e["Id"].get<std::string>();
    models::api_result r = !e.contains("ReceiptHandle") || !e["ReceiptHandle"].is_string()
                               ? missing("ReceiptHandle")
                               : delete_one(e["ReceiptHandle"].get<std::string>());
    if (r.ok())
      ok.push_back({{"Id", id}});
    else
      failed.push_back(failed_entry(id, *r.error));
  }
  return models::api_result::success({{"Successful", ok}, {"Failed", failed}});
}

// ---------------------------------------------------------------------------------------------
// Purge.

models::api_result queue::purge(const json&) {
  const sim::time_us now = sim_.now();
  const sim::time_us guard = knobs_.duration("sqs.purge.guard");
  if (last_purge_at_ >= 0 && now - last_purge_at_ < guard)
    return error("PurgeQueueInProgress",
                 "Only one PurgeQueue operation on " + name_ + " is allowed every 60 seconds.",
                 403);
  last_purge_at_ = now;
  const std::uint64_t cutoff = census_.size();
  const std::int64_t max_ms = knobs_.duration("sqs.purge.duration_max") / sim::k_millisecond_us;
  const std::int64_t delay_ms = sim_.choose_between(label("purge.delay_ms"), 0, max_ms);
  if (traced()) sim_.record("sqs.purge_started", {{"queue", name_}, {"completes_in_ms", delay_ms}});
  if (delay_ms == 0)
    complete_purge(cutoff);
  else
    sim_.schedule_after(
        delay_ms * sim::k_millisecond_us, [this, cutoff] { complete_purge(cutoff); }, lane_);
  return models::api_result::success(json::object());
}

void queue::complete_purge(std::uint64_t cutoff) {
  std::vector<std::uint64_t> doomed;
  for (const auto& [seq, m] : live_) {
    (void)m;
    if (seq < cutoff) doomed.push_back(seq);
  }
  for (std::uint64_t seq : doomed) {
    if (traced()) trace("sqs.message_purged", live_.at(seq));
    ++counters_.purged;
    remove(seq, message_state::deleted, true);
  }
  serve_waiters();
  arm();
}

}  // namespace models::sqs

// ChangeMessageVisibility and ChangeMessageVisibilityBatch.
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
// Visibility changes.

models::api_result queue::change_one(const std::string& handle, const json& vt_json) {
  std::int64_t vt = 0;
  if (vt_json.is_null()) return missing("VisibilityTimeout");
  if (!read_int(vt_json, vt) || vt < 0 || vt > k_visibility_max_s)
    return invalid("VisibilityTimeout",
                   vt_json.dump(-1, ' ', false, json::error_handler_t::replace),
                   "Must be >= 0 and <= 43200");
  std::uint64_t seq = 0;
  std::uint32_t rn = 0;
  if (!parse_handle(handle, seq, rn))
    return error("ReceiptHandleIsInvalid",
                 "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
  auto it = live_.find(seq);
  if (it == live_.end() || rn != it->second.receive_no)
    return invalid("ReceiptHandle", handle,
                   "Message does not exist or is not available for visibility timeout change");
  message& m = it->second;
  if (m.state != message_state::in_flight)
    return error("MessageNotInflight", "Message not inflight.");
  const sim::time_us now = sim_.now();
  const sim::time_us deadline = now + vt * sim::k_second_us;  // counts from the call [CMV]
  if (deadline > m.cap_at)
    return invalid("VisibilityTimeout", std::to_string(vt),
                   "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
  inflight_.erase({m.deadline, seq});
  for (auto a = attempts_.begin(); a != attempts_.end();) {
    bool hit = false;
    for (const auto& r : a->second.receipts) hit = hit || r.first == seq;
    a = hit ? attempts_.erase(a) : std::next(a);
  }
  if (traced())
    trace("sqs.visibility_changed", m, {{"visibility_timeout_s", vt}, {"deadline_us", deadline}});
  if (vt == 0) {
    if (attrs_.fifo) --groups_[m.group_id].inflight;
    make_visible(m);
    sim_.reach("sqs.visibility_released");
    if (traced()) trace("sqs.message_returned", m, {{"reason", "visibility_changed_to_0"}});
    serve_waiters();
  } else {
    m.deadline = deadline;
    inflight_.insert({m.deadline, seq});
  }
  arm();
  return models::api_result::success(json::object());
}

models::api_result queue::change_visibility(const json& req) {
  if (!req.contains("ReceiptHandle") || req["ReceiptHandle"].is_null())
    return missing("ReceiptHandle");
  if (!req["ReceiptHandle"].is_string())
    return error("ReceiptHandleIsInvalid",
                 "The input receipt handle is not a valid receipt handle.");
  return change_one(req["ReceiptHandle"].get<std::string>(),
                    req.value("VisibilityTimeout", json()));
}

models::api_result queue::change_visibility_batch(const json& req) {
  if (auto err = check_batch(req)) return *err;
  json ok = json::array(), failed = json::array();
  for (const auto& e : req["Entries"]) {
    const std::string id = e["Id"].get<std::string>();
    models::api_result r = !e.contains("ReceiptHandle") || !e["ReceiptHandle"].is_string()
                               ? missing("ReceiptHandle")
                               : change_one(e["ReceiptHandle"].get<std::string>(),
                                            e.value("VisibilityTimeout", json()));
    if (r.ok())
      ok.push_back({{"Id", id}});
    else
      failed.push_back(failed_entry(id, *r.error));
  }
  return models::api_result::success({{"Successful", ok}, {"Failed", failed}});
}

}  // namespace models::sqs

// SendMessage and SendMessageBatch, and the batch request checks shared with delete and
// visibility batches.
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
// Send.

std::optional<models::api_error> queue::validate_send(const json& e, bool batch_entry,
                                                      std::size_t& size) const {
  (void)batch_entry;
  if (!e.contains("MessageBody") || !e["MessageBody"].is_string())
    return make_error("MissingParameter", "The request must contain the parameter MessageBody.");
  const std::string& body = e["MessageBody"].get_ref<const std::string&>();
  if (body.empty())
    return make_error("MissingParameter", "The request must contain the parameter MessageBody.");
  if (!valid_message_characters(body))
    return make_error("InvalidMessageContents",
                      "Invalid binary character in message body. Allowed characters are #x9 | "
                      "#xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.");
  size = body.size();
  if (e.contains("DelaySeconds") && !e["DelaySeconds"].is_null()) {
    std::int64_t d = 0;
    // FIFO queues have no per-message delay, but DelaySeconds 0 asks for none and AWS accepts
    // it (the queue's own DelaySeconds still applies); any other value is rejected. Evidence:
    // LocalStack's AWS-validated test_send_message_with_delay_0_works_for_fifo
    // (https://github.com/localstack/localstack, tests/aws/services/sqs/test_sqs.py) and
    // https://github.com/softwaremill/elasticmq/issues/273.
    if (attrs_.fifo && !(read_int(e["DelaySeconds"], d) && d == 0))
      return make_error(
          "InvalidParameterValue",
          invalid_value_text("DelaySeconds",
                             e["DelaySeconds"].dump(-1, ' ', false, json::error_handler_t::replace),
                             "The request include parameter that is not valid for "
                             "this queue type"));
    if (!read_int(e["DelaySeconds"], d) || d < 0 || d > k_delay_max_s)
      return make_error(
          "InvalidParameterValue",
          invalid_value_text("DelaySeconds",
                             e["DelaySeconds"].dump(-1, ' ', false, json::error_handler_t::replace),
                             "Must be between 0 and 900, if provided"));
  }
  if (auto err = check_attributes(e.value("MessageAttributes", json()), false, size)) return err;
  std::size_t system_size = 0;
  if (auto err = check_attributes(e.value("MessageSystemAttributes", json()), true, system_size))
    return err;
  const bool has_group = e.contains("MessageGroupId") && !e["MessageGroupId"].is_null();
  const bool has_dedup =
      e.contains("MessageDeduplicationId") && !e["MessageDeduplicationId"].is_null();
  if (has_group && (!e["MessageGroupId"].is_string() ||
                    !valid_token_id(e["MessageGroupId"].get_ref<const std::string&>())))
    return make_error(
        "InvalidParameterValue",
        invalid_value_text("MessageGroupId",
                           e["MessageGroupId"].dump(-1, ' ', false, json::error_handler_t::replace),
                           "MessageGroupId can only include alphanumeric and "
                           "punctuation characters. 1 to 128 in length"));
  if (has_dedup && (!e["MessageDeduplicationId"].is_string() ||
                    !valid_token_id(e["MessageDeduplicationId"].get_ref<const std::string&>())))
    return make_error("InvalidParameterValue",
                      invalid_value_text("MessageDeduplicationId",
                                         e["MessageDeduplicationId"].dump(
                                             -1, ' ', false, json::error_handler_t::replace),
                                         "MessageDeduplicationId can only include alphanumeric "
                                         "and punctuation characters. 1 to 128 in length"));
  if (attrs_.fifo) {
    if (!has_group)
      return make_error("MissingParameter",
                        "The request must contain the parameter MessageGroupId.");
    if (!has_dedup && !attrs_.content_based_dedup)
      return make_error("InvalidParameterValue",
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly");
  } else if (has_dedup) {
    return make_error("InvalidParameterValue",
                      invalid_value_text("MessageDeduplicationId",
                                         e["MessageDeduplicationId"].dump(
                                             -1, ' ', false, json::error_handler_t::replace),
                                         "The request include parameter that is not valid for "
                                         "this queue type"));
  }
  if (size > static_cast<std::size_t>(attrs_.max_message_size_b))
    return make_error("InvalidParameterValue",
                      "One or more parameters are invalid. Reason: Message must be shorter than " +
                          std::to_string(attrs_.max_message_size_b) + " bytes.");
  return std::nullopt;
}

models::api_result queue::send_one(const json& e) {
  const sim::time_us now = sim_.now();
  message m;
  m.body = e["MessageBody"].get<std::string>();
  m.md5_body = md5_hex(m.body);
  m.attributes = e.value("MessageAttributes", json());
  if (m.attributes.is_object() && m.attributes.empty()) m.attributes = json();
  m.system_attributes = e.value("MessageSystemAttributes", json());
  if (m.system_attributes.is_object() && m.system_attributes.empty()) m.system_attributes = json();
  m.md5_system_attributes = md5_of_attributes(m.system_attributes);
  if (e.contains("MessageGroupId") && e["MessageGroupId"].is_string())
    m.group_id = e["MessageGroupId"].get<std::string>();
  m.sent_at = m.enqueued_at = now;
  json response;
  response["MD5OfMessageBody"] = m.md5_body;
  if (!m.attributes.is_null()) response["MD5OfMessageAttributes"] = md5_of_attributes(m.attributes);
  if (!m.system_attributes.is_null())
    response["MD5OfMessageSystemAttributes"] = m.md5_system_attributes;

  if (attrs_.fifo) {
    m.dedup_id = e.contains("MessageDeduplicationId") && e["MessageDeduplicationId"].is_string()
                     ? e["MessageDeduplicationId"].get<std::string>()
                     : sha256_hex(m.body);
    while (!dedup_expiry_.empty() && dedup_expiry_.front().first <= now) {
      auto d = dedup_.find(dedup_expiry_.front().second);
      if (d != dedup_.end() && d->second.expires_at <= now) dedup_.erase(d);
      dedup_expiry_.pop_front();
    }
    const std::string dkey =
        attrs_.dedup_scope == "messageGroup" ? m.group_id + '\n' + m.dedup_id : m.dedup_id;
    auto d = dedup_.find(dkey);
    if (d != dedup_.end() && d->second.expires_at > now) {
      ++counters_.deduplicated;
      if (traced())
        sim_.record("sqs.message_deduplicated", {{"queue", name_},
                                                 {"message_id", d->second.message_id},
                                                 {"deduplication_id", m.dedup_id},
                                                 {"group_id", m.group_id}});
      response["MessageId"] = d->second.message_id;
      response["SequenceNumber"] = d->second.sequence_number;
      return models::api_result::success(response);
    }
    sequence_counter_ += 1 + ids_.below(1'000'000);
    m.sequence_number = std::to_string(sequence_counter_);
    m.visible_at = m.enqueued_at + attrs_.delay_s * sim::k_second_us;
    const std::string id = sim::uuid_v4(ids_);
    const sim::time_us expires = now + knobs_.duration("sqs.fifo.dedup_window");
    dedup_[dkey] = dedup_record{expires, id, m.sequence_number};
    dedup_expiry_.emplace_back(expires, dkey);
    response["MessageId"] = id;
    response["SequenceNumber"] = m.sequence_number;
    const std::uint64_t seq = new_message(std::move(m), id, 0, false);
    ++counters_.sent;
    if (traced()) {
      const message& s = live_.at(seq);
      trace("sqs.message_sent", s,
            {{"group_id", s.group_id},
             {"sequence_number", s.sequence_number},
             {"visible_at_us", s.visible_at}});
    }
  } else {
    std::int64_t delay_s = attrs_.delay_s;
    if (e.contains("DelaySeconds") && !e["DelaySeconds"].is_null())
      read_int(e["DelaySeconds"], delay_s);
    const std::int64_t latency_max_ms =
        knobs_.duration("sqs.send_to_visible.latency_max") / sim::k_millisecond_us;
    const std::int64_t latency_ms =
        sim_.choose_between(label("send_to_visible.latency_ms"), 0, latency_max_ms);
    m.visible_at = now + delay_s * sim::k_second_us + latency_ms * sim::k_millisecond_us;
    const std::string id = sim::uuid_v4(ids_);
    response["MessageId"] = id;
    const std::uint64_t seq = new_message(std::move(m), id, 0, false);
    ++counters_.sent;
    if (traced()) {
      const message& s = live_.at(seq);
      trace("sqs.message_sent", s, {{"visible_at_us", s.visible_at}});
    }
  }
  serve_waiters();
  arm();
  return models::api_result::success(response);
}

models::api_result queue::send(const json& req) {
  std::size_t size = 0;
  if (auto err = validate_send(req, false, size)) return models::api_result{json::object(), err};
  return send_one(req);
}

namespace detail {

// Shared checks of a batch request's Entries [SMB][DM][CMV].
std::optional<models::api_result> check_batch(const json& req) {
  if (!req.contains("Entries") || req["Entries"].is_null()) return missing("Entries");
  const json& entries = req["Entries"];
  if (!entries.is_array())
    return invalid("Entries", entries.dump(-1, ' ', false, json::error_handler_t::replace),
                   "Entries must be a list");
  if (entries.empty())
    return error("EmptyBatchRequest",
                 "There should be at least one SendMessageBatchRequestEntry "
                 "in the request.");
  if (entries.size() > 10)
    return error("TooManyEntriesInBatchRequest",
                 "Maximum number of entries per request are 10. You have sent " +
                     std::to_string(entries.size()) + ".");
  std::set<std::string> ids;
  for (const auto& e : entries) {
    const std::string id = e.is_object() && e.contains("Id") && e["Id"].is_string()
                               ? e["Id"].get<std::string>()
                               : std::string();
    if (!valid_batch_id(id))
      return error("InvalidBatchEntryId",
                   "A batch entry id can only contain alphanumeric characters, hyphens and "
                   "underscores. It can be at most 80 letters long.");
    if (!ids.insert(id).second) return error("BatchEntryIdsNotDistinct", "Id " + id + " repeated.");
  }
  return std::nullopt;
}

json failed_entry(const std::string& id, const models::api_error& e) {
  return {
      {"Id", id}, {"SenderFault", e.http_status < 500}, {"Code", e.code}, {"Message", e.message}};
}

}  // namespace detail

models::api_result queue::send_batch(const json& req) {
  if (auto err = check_batch(req)) return *err;
  std::vector<std::size_t> sizes;
  std::vector<std::optional<models::api_error>> errors;
  std::size_t total = 0;
  for (const auto& e : req["Entries"]) {
    std::size_t size = 0;
    errors.push_back(validate_send(e, true, size));
    sizes.push_back(size);
    total += size;
  }
  if (total > 1'048'576)
    return error("BatchRequestTooLong",
                 "Batch requests cannot be longer than 1048576 bytes. You have sent " +
                     std::to_string(total) + " bytes.");
  json ok = json::array(), failed = json::array();
  std::size_t i = 0;
  for (const auto& e : req["Entries"]) {  // FIFO: enqueued in entry order [SMB]
    const std::string id = e["Id"].get<std::string>();
    if (errors[i]) {
      failed.push_back(failed_entry(id, *errors[i]));
    } else {
      auto r = send_one(e);
      json row = r.response;
      row["Id"] = id;
      ok.push_back(row);
    }
    ++i;
  }
  return models::api_result::success({{"Successful", ok}, {"Failed", failed}});
}

}  // namespace models::sqs

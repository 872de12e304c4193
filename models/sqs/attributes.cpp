// Queue attributes: checking and applying them (CreateQueue, SetQueueAttributes) and
// GetQueueAttributes.
#include "queue.hpp"
#include "validate.hpp"

#include <algorithm>

namespace models::sqs {

using nlohmann::json;
using namespace detail;

namespace {

const std::vector<std::string>& readable_attributes() {
  static const std::vector<std::string> names = {"ApproximateNumberOfMessages",
                                                 "ApproximateNumberOfMessagesDelayed",
                                                 "ApproximateNumberOfMessagesNotVisible",
                                                 "ContentBasedDeduplication",
                                                 "CreatedTimestamp",
                                                 "DeduplicationScope",
                                                 "DelaySeconds",
                                                 "FifoQueue",
                                                 "FifoThroughputLimit",
                                                 "KmsDataKeyReusePeriodSeconds",
                                                 "KmsMasterKeyId",
                                                 "LastModifiedTimestamp",
                                                 "MaximumMessageSize",
                                                 "MessageRetentionPeriod",
                                                 "Policy",
                                                 "QueueArn",
                                                 "ReceiveMessageWaitTimeSeconds",
                                                 "RedriveAllowPolicy",
                                                 "RedrivePolicy",
                                                 "SqsManagedSseEnabled",
                                                 "VisibilityTimeout"};
  return names;
}

models::api_error bad_value(const std::string& name) {
  return make_error("InvalidAttributeValue", "Invalid value for the parameter " + name + ".");
}
models::api_error unknown_attribute(const std::string& name) {
  return make_error("InvalidAttributeName", "Unknown Attribute " + name + ".");
}

}  // namespace

std::optional<models::api_error> queue::apply_attribute(const std::string& name, const json& value,
                                                        queue_attributes& a, bool creating,
                                                        const service& svc,
                                                        const models::knob_values& knobs) {
  if (!value.is_string()) return bad_value(name);
  const std::string& v = value.get_ref<const std::string&>();
  auto ranged = [&](std::int64_t lo, std::int64_t hi,
                    std::int64_t& out) -> std::optional<models::api_error> {
    std::int64_t n = 0;
    if (!parse_decimal(v, n) || n < lo || n > hi) return bad_value(name);
    out = n;
    return std::nullopt;
  };
  auto boolean = [&](bool& out) -> std::optional<models::api_error> {
    if (v != "true" && v != "false") return bad_value(name);
    out = v == "true";
    return std::nullopt;
  };
  if (name == "DelaySeconds") return ranged(0, 900, a.delay_s);
  if (name == "MaximumMessageSize")
    return ranged(1024, knobs.integer("sqs.message_size.max_bytes"), a.max_message_size_b);
  if (name == "MessageRetentionPeriod") return ranged(60, 1'209'600, a.retention_s);
  if (name == "ReceiveMessageWaitTimeSeconds") return ranged(0, 20, a.receive_wait_s);
  if (name == "VisibilityTimeout") return ranged(0, 43'200, a.visibility_timeout_s);
  if (name == "KmsDataKeyReusePeriodSeconds") return ranged(60, 86'400, a.kms_data_key_reuse_s);
  if (name == "SqsManagedSseEnabled") return boolean(a.sqs_managed_sse);
  if (name == "Policy") {
    if (!v.empty() && !json::accept(v)) return bad_value(name);
    a.policy = v;
    return std::nullopt;
  }
  if (name == "KmsMasterKeyId") {
    a.kms_master_key_id = v;
    return std::nullopt;
  }
  if (name == "RedriveAllowPolicy") {
    if (!v.empty()) {
      const json p = json::parse(v, nullptr, false);
      if (!p.is_object() || !p.contains("redrivePermission") || !p["redrivePermission"].is_string())
        return bad_value(name);
      const auto perm = p["redrivePermission"].get<std::string>();
      if (perm != "allowAll" && perm != "denyAll" && perm != "byQueue") return bad_value(name);
    }
    a.redrive_allow_policy = v;
    return std::nullopt;
  }
  if (name == "RedrivePolicy") {
    if (v.empty()) {
      a.redrive_policy.clear();
      a.dlq_arn.clear();
      a.max_receive_count = 0;
      return std::nullopt;
    }
    const json p = json::parse(v, nullptr, false);
    if (!p.is_object() || !p.contains("deadLetterTargetArn") ||
        !p["deadLetterTargetArn"].is_string() || !p.contains("maxReceiveCount"))
      return bad_value(name);
    std::int64_t count = 0;
    const json& c = p["maxReceiveCount"];
    if (!(read_int(c, count) || (c.is_string() && parse_decimal(c.get<std::string>(), count))) ||
        count < 1 || count > knobs.integer("sqs.redrive.max_receive_count_max"))
      return make_error("InvalidAttributeValue",
                        "Value " + v +
                            " for parameter RedrivePolicy is invalid. Reason: "
                            "Invalid value for maxReceiveCount: " +
                            c.dump(-1, ' ', false, json::error_handler_t::replace) +
                            ", valid values are "
                            "from 1 to " +
                            std::to_string(knobs.integer("sqs.redrive.max_receive_count_max")) +
                            " both inclusive.");
    const std::string target = p["deadLetterTargetArn"].get<std::string>();
    const queue* q = svc.find_by_arn(target);
    if (q == nullptr)
      return make_error("InvalidAttributeValue",
                        "Value " + v +
                            " for parameter RedrivePolicy is "
                            "invalid. Reason: Dead-letter target does not exist.");
    if (q->attributes().fifo != a.fifo)
      return make_error("InvalidAttributeValue",
                        "Value " + v +
                            " for parameter RedrivePolicy is invalid. Reason: Dead-letter "
                            "queue must be same type of queue as the source.");
    a.redrive_policy = v;
    a.dlq_arn = target;
    a.max_receive_count = count;
    return std::nullopt;
  }
  if (name == "FifoQueue") {
    if (!creating) return unknown_attribute(name);
    return boolean(a.fifo);
  }
  if (name == "ContentBasedDeduplication" || name == "DeduplicationScope" ||
      name == "FifoThroughputLimit") {
    if (!a.fifo) return unknown_attribute(name);
    if (name == "ContentBasedDeduplication") return boolean(a.content_based_dedup);
    if (name == "DeduplicationScope") {
      if (v != "queue" && v != "messageGroup") return bad_value(name);
      a.dedup_scope = v;
      return std::nullopt;
    }
    if (v != "perQueue" && v != "perMessageGroupId") return bad_value(name);
    a.fifo_throughput_limit = v;
    return std::nullopt;
  }
  return unknown_attribute(name);
}

std::optional<std::string> attribute_text(const std::string& name, const queue_attributes& a) {
  if (name == "DelaySeconds") return std::to_string(a.delay_s);
  if (name == "MaximumMessageSize") return std::to_string(a.max_message_size_b);
  if (name == "MessageRetentionPeriod") return std::to_string(a.retention_s);
  if (name == "ReceiveMessageWaitTimeSeconds") return std::to_string(a.receive_wait_s);
  if (name == "VisibilityTimeout") return std::to_string(a.visibility_timeout_s);
  if (name == "SqsManagedSseEnabled") return a.sqs_managed_sse ? "true" : "false";
  if (name == "Policy")
    return a.policy.empty() ? std::nullopt : std::optional<std::string>(a.policy);
  if (name == "KmsMasterKeyId")
    return a.kms_master_key_id.empty() ? std::nullopt
                                       : std::optional<std::string>(a.kms_master_key_id);
  if (name == "KmsDataKeyReusePeriodSeconds")
    return a.kms_master_key_id.empty()
               ? std::nullopt
               : std::optional<std::string>(std::to_string(a.kms_data_key_reuse_s));
  if (name == "RedrivePolicy")
    return a.redrive_policy.empty() ? std::nullopt : std::optional<std::string>(a.redrive_policy);
  if (name == "RedriveAllowPolicy")
    return a.redrive_allow_policy.empty() ? std::nullopt
                                          : std::optional<std::string>(a.redrive_allow_policy);
  if (!a.fifo) return std::nullopt;
  if (name == "FifoQueue") return std::string("true");
  if (name == "ContentBasedDeduplication") return a.content_based_dedup ? "true" : "false";
  if (name == "DeduplicationScope") return a.dedup_scope;
  if (name == "FifoThroughputLimit") return a.fifo_throughput_limit;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Queue attribute operations.

models::api_result queue::get_attributes(const json& req) {
  std::vector<std::string> names;
  if (req.contains("AttributeNames") && !req["AttributeNames"].is_null()) {
    if (!req["AttributeNames"].is_array())
      return invalid("AttributeNames",
                     req["AttributeNames"].dump(-1, ' ', false, json::error_handler_t::replace),
                     "Must be a list");
    for (const auto& n : req["AttributeNames"]) {
      const auto& known = readable_attributes();
      if (!n.is_string())
        return error(
            "InvalidAttributeName",
            "Unknown Attribute " + n.dump(-1, ' ', false, json::error_handler_t::replace) + ".");
      const std::string s = n.get<std::string>();
      if (s == "All") {
        names = known;
        break;
      }
      if (std::find(known.begin(), known.end(), s) == known.end())
        return error("InvalidAttributeName", "Unknown Attribute " + s + ".");
      names.push_back(s);
    }
  }
  // The indexes hold exactly the visible, delayed and in-flight copies.
  const std::size_t visible = visible_.size(), delayed = delayed_.size(),
                    not_visible = inflight_.size();
  json out = json::object();
  const std::int64_t epoch_s = svc_.config().epoch_ms / 1000;
  for (const auto& n : names) {
    if (n == "ApproximateNumberOfMessages")
      out[n] = std::to_string(visible);
    else if (n == "ApproximateNumberOfMessagesDelayed")
      out[n] = std::to_string(delayed);
    else if (n == "ApproximateNumberOfMessagesNotVisible")
      out[n] = std::to_string(not_visible);
    else if (n == "CreatedTimestamp")
      out[n] = std::to_string(epoch_s + created_at_ / sim::k_second_us);
    else if (n == "LastModifiedTimestamp")
      out[n] = std::to_string(epoch_s + modified_at_ / sim::k_second_us);
    else if (n == "QueueArn")
      out[n] = arn_;
    else if (auto t = attribute_text(n, attrs_))
      out[n] = *t;
  }
  if (out.empty()) return models::api_result::success(json::object());
  return models::api_result::success({{"Attributes", out}});
}

void queue::attributes_changed(const queue_attributes& before) {
  modified_at_ = sim_.now();
  // FIFO: a changed queue delay applies to messages already queued [DELQ].
  if (attrs_.fifo && before.delay_s != attrs_.delay_s) {
    std::vector<std::uint64_t> delayed;
    for (const auto& k : delayed_) delayed.push_back(k.second);
    for (std::uint64_t seq : delayed) {
      message& m = live_.at(seq);
      delayed_.erase({m.visible_at, seq});
      m.visible_at = m.enqueued_at + attrs_.delay_s * sim::k_second_us;
      if (m.visible_at <= sim_.now()) {
        make_visible(m);
        if (traced()) trace("sqs.message_visible", m);
      } else {
        delayed_.insert({m.visible_at, seq});
      }
    }
  }
  serve_waiters();
  arm();  // retention changes move the next expiry
}

models::api_result queue::set_attributes(const json& req) {
  if (!req.contains("Attributes") || req["Attributes"].is_null()) return missing("Attributes");
  if (!req["Attributes"].is_object())
    return invalid("Attributes",
                   req["Attributes"].dump(-1, ' ', false, json::error_handler_t::replace),
                   "Must be a map");
  queue_attributes next = attrs_;
  for (auto it = req["Attributes"].begin(); it != req["Attributes"].end(); ++it)
    if (auto err = apply_attribute(it.key(), it.value(), next, false, svc_, knobs_))
      return models::api_result{json::object(), err};
  if (next.fifo_throughput_limit == "perMessageGroupId" && next.dedup_scope != "messageGroup")
    return error("InvalidAttributeValue", "Invalid value for the parameter FifoThroughputLimit.");
  const queue_attributes before = attrs_;
  attrs_ = next;
  if (traced())
    sim_.record("sqs.queue_attributes_set", {{"queue", name_}, {"attributes", req["Attributes"]}});
  attributes_changed(before);
  return models::api_result::success(json::object());
}

}  // namespace models::sqs

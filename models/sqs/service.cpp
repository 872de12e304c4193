// The SQS endpoint: queue registry, operation dispatch, injected API faults, accounting.
#include "service.hpp"

#include "queue.hpp"
#include "sim/assert.hpp"
#include "validate.hpp"

#include <algorithm>

namespace models::sqs {

using nlohmann::json;
using namespace detail;

// ---------------------------------------------------------------------------------------------
// Service.

service::service(sim::simulation& s, models::knob_values values, service_config config)
    : sim_(s),
      values_(std::move(values)),
      fault_rates_(resolve_fault_rates(values_)),
      config_(std::move(config)),
      url_prefix_(queue_url("")),
      arn_prefix_(queue_arn("")) {}

service::~service() = default;

std::string service::queue_url(std::string_view name) const {
  return "https://sqs." + config_.region + ".amazonaws.com/" + config_.account + "/" +
         std::string(name);
}

std::string service::queue_arn(std::string_view name) const {
  return "arn:aws:sqs:" + config_.region + ":" + config_.account + ":" + std::string(name);
}

queue* service::find_by_url(std::string_view url) const {
  const std::string& prefix = url_prefix_;
  if (url.size() <= prefix.size() || url.compare(0, prefix.size(), prefix) != 0) return nullptr;
  auto it = queues_.find(url.substr(prefix.size()));
  return it == queues_.end() ? nullptr : it->second.get();
}

queue* service::find_by_arn(std::string_view arn) const {
  const std::string& prefix = arn_prefix_;
  if (arn.size() <= prefix.size() || arn.compare(0, prefix.size(), prefix) != 0) return nullptr;
  auto it = queues_.find(arn.substr(prefix.size()));
  return it == queues_.end() ? nullptr : it->second.get();
}

namespace {
models::knob_values merge_knobs(const models::knob_values& base, const json& overrides) {
  return base.with_overrides(knobs(), overrides);
}
}  // namespace

void service::set_queue_knobs(const std::string& queue_name, const json& overrides) {
  models::knob_values merged = merge_knobs(values_, overrides);  // throws knob_error first
  queue_overrides_[queue_name] = overrides;
  auto it = queues_.find(queue_name);
  if (it != queues_.end()) it->second->set_knobs(std::move(merged));
}

models::api_result service::create_queue(const json& req) {
  if (!req.contains("QueueName") || req["QueueName"].is_null()) return missing("QueueName");
  if (!req["QueueName"].is_string())
    return invalid("QueueName",
                   req["QueueName"].dump(-1, ' ', false, json::error_handler_t::replace),
                   "Must be a string");
  const std::string name = req["QueueName"].get<std::string>();
  const json attrs = req.value("Attributes", json::object());
  if (!attrs.is_object())
    return invalid("Attributes", attrs.dump(-1, ' ', false, json::error_handler_t::replace),
                   "Must be a map");
  auto ov = queue_overrides_.find(name);
  models::knob_values k = merge_knobs(values_, ov == queue_overrides_.end() ? json() : ov->second);
  queue_attributes a;
  a.max_message_size_b = k.integer("sqs.message_size.max_bytes");
  // FifoQueue first: the other attributes are checked against the queue type.
  if (attrs.contains("FifoQueue"))
    if (auto err = queue::apply_attribute("FifoQueue", attrs["FifoQueue"], a, true, *this, k))
      return models::api_result{json::object(), err};
  const bool fifo_name = name.size() > 5 && name.compare(name.size() - 5, 5, ".fifo") == 0;
  if (!valid_queue_name(name, a.fifo) || (fifo_name && !a.fifo))
    return error("InvalidParameterValue",
                 "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in "
                 "length. FIFO queue names must end in .fifo and need the FifoQueue attribute.");
  for (auto it = attrs.begin(); it != attrs.end(); ++it)
    if (it.key() != "FifoQueue")
      if (auto err = queue::apply_attribute(it.key(), it.value(), a, true, *this, k))
        return models::api_result{json::object(), err};
  if (a.fifo_throughput_limit == "perMessageGroupId" && a.dedup_scope != "messageGroup")
    return error("InvalidAttributeValue", "Invalid value for the parameter FifoThroughputLimit.");
  auto gone = deleted_at_.find(name);
  if (gone != deleted_at_.end() && queues_.find(name) == queues_.end() &&
      sim_.now() - gone->second < k.duration("sqs.queue.recreate_guard"))
    return error("QueueDeletedRecently",
                 "You must wait 60 seconds after deleting a queue before you can create another "
                 "with the same name.");
  auto existing = queues_.find(name);
  if (existing != queues_.end()) {
    // Same name: succeeds only if the given attributes match the queue's [CQ].
    for (auto it = attrs.begin(); it != attrs.end(); ++it) {
      auto have = attribute_text(it.key(), existing->second->attributes());
      const std::string want = it.value().get<std::string>();
      const bool same =
          have ? *have == want
               : (want.empty() || want == "false" || (it.key() == "FifoQueue" && want == "false"));
      if (!same)
        return error("QueueNameExists",
                     "A queue already exists with the same name and a "
                     "different value for attribute " +
                         it.key());
    }
    return models::api_result::success({{"QueueUrl", existing->second->url()}});
  }
  auto q = std::make_unique<queue>(*this, name, a, std::move(k), next_queue_tag_++);
  const std::string url = q->url();
  queues_.emplace(name, std::move(q));
  if (sim_.trace().enabled())
    sim_.record("sqs.queue_created", {{"queue", name}, {"url", url}, {"fifo", a.fifo}});
  return models::api_result::success({{"QueueUrl", url}});
}

models::api_result service::get_queue_url(const json& req) {
  if (!req.contains("QueueName") || req["QueueName"].is_null()) return missing("QueueName");
  if (!req["QueueName"].is_string())
    return invalid("QueueName",
                   req["QueueName"].dump(-1, ' ', false, json::error_handler_t::replace),
                   "Must be a string");
  if (req.contains("QueueOwnerAWSAccountId") && req["QueueOwnerAWSAccountId"] != config_.account)
    return error("QueueDoesNotExist", "The specified queue does not exist.");
  auto it = queues_.find(req["QueueName"].get<std::string>());
  if (it == queues_.end()) return error("QueueDoesNotExist", "The specified queue does not exist.");
  return models::api_result::success({{"QueueUrl", it->second->url()}});
}

models::api_result service::delete_queue(queue* q) {
  auto it = queues_.find(q->name());
  deleted_at_[q->name()] = sim_.now();
  q->shut_down();
  deleted_queues_.push_back(std::move(it->second));
  queues_.erase(it);
  return models::api_result::success(json::object());
}

models::api_result service::list_queues(const json& req) {
  std::string prefix;
  if (req.contains("QueueNamePrefix") && !req["QueueNamePrefix"].is_null()) {
    if (!req["QueueNamePrefix"].is_string())
      return invalid("QueueNamePrefix",
                     req["QueueNamePrefix"].dump(-1, ' ', false, json::error_handler_t::replace),
                     "Must be a string");
    prefix = req["QueueNamePrefix"].get<std::string>();
  }
  std::int64_t max = 1000;
  const bool paged = req.contains("MaxResults") && !req["MaxResults"].is_null();
  if (paged && (!read_int(req["MaxResults"], max) || max < 1 || max > 1000))
    return invalid("MaxResults",
                   req["MaxResults"].dump(-1, ' ', false, json::error_handler_t::replace),
                   "Must be between 1 and 1000");
  std::string after;
  if (req.contains("NextToken") && !req["NextToken"].is_null()) {
    if (!req["NextToken"].is_string())
      return invalid("NextToken",
                     req["NextToken"].dump(-1, ' ', false, json::error_handler_t::replace),
                     "Invalid token");
    after = req["NextToken"].get<std::string>();
  }
  json urls = json::array();
  std::string last;
  bool more = false;
  for (auto it = after.empty() ? queues_.begin() : queues_.upper_bound(after); it != queues_.end();
       ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) continue;
    if (static_cast<std::int64_t>(urls.size()) == max) {
      more = true;
      break;
    }
    urls.push_back(it->second->url());
    last = it->first;
  }
  json out = json::object();
  if (!urls.empty()) out["QueueUrls"] = urls;
  if (more && paged) out["NextToken"] = last;  // opaque to callers: the last name returned
  return models::api_result::success(out);
}

detail::call_outcome service::dispatch(std::string_view op, const json& req, queue* addressed,
                                       callback* async_done, sim::lane_id reply_lane) {
  static const std::vector<std::string_view> queue_ops = {"SendMessage",
                                                          "SendMessageBatch",
                                                          "ReceiveMessage",
                                                          "DeleteMessage",
                                                          "DeleteMessageBatch",
                                                          "ChangeMessageVisibility",
                                                          "ChangeMessageVisibilityBatch",
                                                          "GetQueueAttributes",
                                                          "SetQueueAttributes",
                                                          "PurgeQueue",
                                                          "DeleteQueue"};
  if (!req.is_object())
    return error("InvalidParameterValue", "The request body must be a JSON object.");
  if (op == "CreateQueue") return create_queue(req);
  if (op == "GetQueueUrl") return get_queue_url(req);
  if (op == "ListQueues") return list_queues(req);
  if (std::find(queue_ops.begin(), queue_ops.end(), op) == queue_ops.end())
    return error("UnsupportedOperation",
                 "The operation " + std::string(op) + " is not supported by this SQS endpoint.");
  if (!req.contains("QueueUrl") || req["QueueUrl"].is_null()) return missing("QueueUrl");
  queue* q = addressed;
  if (q == nullptr) return error("QueueDoesNotExist", "The specified queue does not exist.");
  if (op == "SendMessage") return q->send(req);
  if (op == "SendMessageBatch") return q->send_batch(req);
  if (op == "DeleteMessage") return q->delete_message(req);
  if (op == "DeleteMessageBatch") return q->delete_batch(req);
  if (op == "ChangeMessageVisibility") return q->change_visibility(req);
  if (op == "ChangeMessageVisibilityBatch") return q->change_visibility_batch(req);
  if (op == "GetQueueAttributes") return q->get_attributes(req);
  if (op == "SetQueueAttributes") return q->set_attributes(req);
  if (op == "PurgeQueue") return q->purge(req);
  if (op == "DeleteQueue") return delete_queue(q);
  // ReceiveMessage: parked when it waits; the callback has then moved into the waiter.
  return q->receive(req, async_done, reply_lane);
}

queue* service::addressed_queue(const json& request) const {
  if (!request.is_object()) return nullptr;
  const auto url = request.find("QueueUrl");
  return url != request.end() && url->is_string() ? find_by_url(url->get_ref<const std::string&>())
                                                  : nullptr;
}

const models::knob_values& service::knobs_for(const queue* addressed) const {
  return addressed ? addressed->knob_values() : values_;
}

detail::fault_rates detail::resolve_fault_rates(const models::knob_values& k) {
  return {k.parsed_number("sqs.api.throttle_probability"),
          k.parsed_number("sqs.api.server_error_probability")};
}

std::optional<models::api_result> service::injected_fault(std::string_view operation,
                                                          const json& request,
                                                          const queue* addressed) {
  const models::knob_values& k = knobs_for(addressed);
  const fault_rates& rates = addressed ? addressed->fault_rates() : fault_rates_;
  const auto rate = [&](const std::optional<double>& resolved, std::string_view name) {
    return resolved ? *resolved : k.number(name);
  };
  // [SQS errors]: RequestThrottled (400) is refused before it has any effect; SDKs retry it.
  if (sim_.chance("sqs.api.throttle", rate(rates.throttle, "sqs.api.throttle_probability"))) {
    return error("RequestThrottled", "Rate exceeded.", 400);
  }
  if (!sim_.chance("sqs.api.server_error",
                   rate(rates.server_error, "sqs.api.server_error_probability"))) {
    return std::nullopt;
  }
  // Carried out without a caller: a ReceiveMessage whose answer is lost leaves its messages in
  // flight until their visibility timeout ends, as in AWS.
  return models::server_error(sim_.choose("sqs.api.server_error.kind", 3),
                              [&] { return call_from_aws(operation, request); });
}

models::api_result service::call(std::string_view operation, const json& request) {
  if (auto injected = injected_fault(operation, request, addressed_queue(request))) {
    return std::move(*injected);
  }
  return call_from_aws(operation, request);
}

models::api_result service::call_from_aws(std::string_view operation, const json& request) {
  // No catch-all here: an exception from a queue is a bug in pipesim and must surface as one (a
  // model_error with the seed), not as a 500 InternalError that callers would retry.
  detail::call_outcome r = dispatch(operation, request, addressed_queue(request), nullptr, 0);
  PIPESIM_ASSERT(sim_, std::holds_alternative<models::api_result>(r),
                 "a synchronous call parked a long poll");
  return std::move(std::get<models::api_result>(r));
}

void service::call_async(std::string_view operation, const json& request, callback done,
                         sim::lane_id reply_lane) {
  models::api_result r;
  // Nothing between the fault check and dispatch changes the queues, so one lookup serves both.
  queue* const addressed = addressed_queue(request);
  if (auto injected = injected_fault(operation, request, addressed)) {
    r = std::move(*injected);
  } else {
    detail::call_outcome outcome = dispatch(operation, request, addressed, &done, reply_lane);
    if (std::holds_alternative<parked_long_poll>(outcome)) return;  // done runs later
    r = std::move(std::get<models::api_result>(outcome));
  }
  // The answer's latency follows the knobs of the queue addressed, else the service's.
  // Looked up again: dispatch may have created or deleted the queue.
  const models::knob_values& k = knobs_for(addressed_queue(request));
  const std::int64_t max_ms = k.duration("sqs.api.latency_max") / sim::k_millisecond_us;
  const sim::time_us delay =
      sim_.choose_between("sqs.api.latency_ms", 0, max_ms) * sim::k_millisecond_us;
  // The event runs once, so the answer moves into the callback rather than being copied.
  sim_.schedule_after(
      delay, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); },
      reply_lane);
}

std::vector<census_entry> service::census(std::string_view url) const {
  const queue* q = find_by_url(url);
  return q ? q->census() : std::vector<census_entry>{};
}

queue_counters service::counters(std::string_view url) const {
  const queue* q = find_by_url(url);
  return q ? q->counters() : queue_counters{};
}

void service::visit_queues(const queue_visitor& visit) const {
  for (const auto& [name, q] : queues_) {
    (void)name;
    visit(q->url(), q->census(), q->counters());
  }
}

}  // namespace models::sqs

// CreateEventSourceMapping's and CreateFunction's documented checks.
// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
#include "models/lambda/mapping.hpp"

namespace models::lambda {

namespace {

models::api_error invalid(std::string message) {
  return models::api_error{"InvalidParameterValueException", std::move(message), 400};
}

std::string seconds_text(sim::time_us us) { return std::to_string(us / sim::k_second_us); }

}  // namespace

std::optional<models::api_error> validate_function(const function_config& f) {
  // Timeout: 1 to 900 s, whole seconds (CreateFunction).
  if (f.timeout_us % sim::k_second_us != 0 || f.timeout_us < sim::k_second_us ||
      f.timeout_us > 900 * sim::k_second_us) {
    return invalid("1 validation error detected: Value '" + sim::format_duration(f.timeout_us) +
                   "' at 'timeout' failed to satisfy constraint: Member must be a whole number of "
                   "seconds from 1 to 900");
  }
  if (f.memory_mb < 128 || f.memory_mb > 32'768) {
    return invalid("1 validation error detected: Value '" + std::to_string(f.memory_mb) +
                   "' at 'memorySize' failed to satisfy constraint: Member must have value "
                   "between 128 and 32768");
  }
  if (f.reserved_concurrency && *f.reserved_concurrency < 0) {
    return invalid("ReservedConcurrentExecutions must be at least 0");
  }
  return std::nullopt;
}

std::optional<models::api_error> validate_filter_criteria(const nlohmann::json& criteria) {
  if (criteria.is_null()) return std::nullopt;
  if (!criteria.is_object() || !criteria.contains("Filters") || !criteria["Filters"].is_array() ||
      criteria.size() != 1) {
    return invalid("FilterCriteria must be an object {\"Filters\": [{\"Pattern\": \"...\"}]}");
  }
  const nlohmann::json& filters = criteria["Filters"];
  // 5 filters per mapping by default (a quota AWS can raise to 10) [FILT].
  if (filters.size() > 5) {
    return invalid("The number of filters (" + std::to_string(filters.size()) +
                   ") exceeds the limit of 5 per event source mapping");
  }
  for (const nlohmann::json& f : filters) {
    if (!f.is_object() || f.size() != 1 || !f.contains("Pattern") || !f["Pattern"].is_string()) {
      return invalid("Each filter must be an object {\"Pattern\": \"<JSON text>\"}");
    }
    const std::string& text = f["Pattern"].get_ref<const std::string&>();
    if (text.size() > 4096) {
      return invalid("Filter pattern is longer than 4096 characters");
    }
    const nlohmann::json pattern = nlohmann::json::parse(text, nullptr, false);
    if (pattern.is_discarded() || !pattern.is_object()) {
      return invalid("Invalid filter pattern definition: " + text);
    }
  }
  return std::nullopt;
}

std::optional<models::api_error> validate_mapping(const mapping_config& m, const function_config& f,
                                                  bool fifo_queue,
                                                  sim::time_us queue_visibility_timeout_us) {
  // BatchSize: 1-10,000; FIFO at most 10 [MODEL][PARAM].
  const std::int64_t max_batch = fifo_queue ? 10 : 10'000;
  if (m.batch_size < 1 || m.batch_size > max_batch) {
    return invalid(
        "BatchSize " + std::to_string(m.batch_size) + " is out of range: " +
        (fifo_queue ? "a FIFO queue takes 1 to 10" : "a standard queue takes 1 to 10000"));
  }
  // MaximumBatchingWindowInSeconds: 0-300 whole seconds; not for FIFO; at least 1 with a batch
  // size above 10 [MODEL][PARAM].
  if (m.batching_window_us % sim::k_second_us != 0 || m.batching_window_us < 0 ||
      m.batching_window_us > 300 * sim::k_second_us) {
    return invalid("MaximumBatchingWindowInSeconds must be whole seconds from 0 to 300");
  }
  if (fifo_queue && m.batching_window_us > 0) {
    return invalid("Batching window is not supported for FIFO queues");
  }
  if (m.batch_size > 10 && m.batching_window_us < sim::k_second_us) {
    return invalid(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size "
        "is greater than 10");
  }
  // ScalingConfig.MaximumConcurrency: 2-1,000 [MODEL].
  if (m.maximum_concurrency && (*m.maximum_concurrency < 2 || *m.maximum_concurrency > 1000)) {
    return invalid("1 validation error detected: Value '" + std::to_string(*m.maximum_concurrency) +
                   "' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member "
                   "must have value between 2 and 1000");
  }
  if (auto e = validate_filter_criteria(m.filter_criteria)) return e;
  // The function's timeout may not exceed the queue's visibility timeout; equal passes [CFG].
  // The message is the one AWS answers (observed, see README).
  if (f.timeout_us > queue_visibility_timeout_us) {
    return invalid("Queue visibility timeout: " + seconds_text(queue_visibility_timeout_us) +
                   " seconds is less than Function timeout: " + seconds_text(f.timeout_us) +
                   " seconds");
  }
  return std::nullopt;
}

}  // namespace models::lambda

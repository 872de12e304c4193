// AWS Lambda behind an Amazon SQS event source mapping: the function and mapping settings, their
// documented validation, the event Lambda builds from received messages, the reading of a
// function's response (ReportBatchItemFailures) and filter criteria. Pure functions: the poller
// that uses them on virtual time is esm.hpp.
//
// Sources: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html,
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html,
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html,
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html,
// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html.
#pragma once

#include "models/common/api.hpp"
#include "models/common/knobs.hpp"
#include "sim/coverage.hpp"
#include "sim/time.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace models::lambda {

/// Every Lambda knob (names "lambda.*"), with defaults per profile and documented-vs-chosen status.
const std::vector<models::knob_spec>& knobs();

/// The situations this model can reach (sim::simulation::reach), for behaviour coverage.
std::vector<sim::situation> situations();

/// The function's own settings (CreateFunction / PutFunctionConcurrency).
struct function_config {
  std::string name = "callback-consumer";
  sim::time_us timeout_us = 3 * sim::k_second_us;  ///< Timeout: default 3 s, 1 s to 900 s.
  std::int64_t memory_mb = 128;                    ///< MemorySize: default 128.
  /// Reserved concurrency (PutFunctionConcurrency); unset: the function draws on the account's.
  std::optional<std::int64_t> reserved_concurrency;
};

/// The event source mapping's settings (CreateEventSourceMapping), with Lambda's SQS defaults.
struct mapping_config {
  std::int64_t batch_size = 10;
  sim::time_us batching_window_us = 0;  ///< MaximumBatchingWindowInSeconds, whole seconds.
  bool report_batch_item_failures = false;
  std::optional<std::int64_t> maximum_concurrency;  ///< ScalingConfig.MaximumConcurrency.
  /// FilterCriteria as the API takes it: {"Filters": [{"Pattern": "<JSON text>"}]}; null: none.
  nlohmann::json filter_criteria = nullptr;
};

/// What CreateEventSourceMapping checks against the queue. An error is the AWS answer
/// (InvalidParameterValueException, 400) with its message; nothing means the mapping is valid.
/// `queue_visibility_timeout_us` is the queue's VisibilityTimeout attribute.
std::optional<models::api_error> validate_mapping(const mapping_config& m, const function_config& f,
                                                  bool fifo_queue,
                                                  sim::time_us queue_visibility_timeout_us);
/// The function settings' own ranges (CreateFunction), same form.
std::optional<models::api_error> validate_function(const function_config& f);
/// FilterCriteria's shape: at most 5 filters, each Pattern a JSON object as text of at most 4,096
/// characters. Same form.
std::optional<models::api_error> validate_filter_criteria(const nlohmann::json& criteria);

/// Whether a record passes the filter criteria (filters are ORed; no criteria passes everything).
/// `record` is the Lambda event record; its "body" is matched as JSON when the pattern's body is
/// an object, as text when it is a list of matchers (a mismatch of kinds drops the message).
bool matches_filter(const nlohmann::json& criteria, const nlohmann::json& record);

/// Where the records come from.
struct event_source {
  std::string queue_arn;
  std::string region;
  bool fifo = false;
};

/// One Records[] entry, exactly as Lambda builds it from an SQS ReceiveMessage message (the
/// awsJson1_0 shape: MessageId, ReceiptHandle, Body, Attributes, MessageAttributes...).
nlohmann::json make_record(const nlohmann::json& sqs_message, const event_source& source,
                           const models::knob_values& k);

/// The size Lambda counts towards the 6 MB synchronous payload: the record's JSON text.
std::size_t record_bytes(const nlohmann::json& record);

/// How a finished invocation settles its batch.
struct batch_verdict {
  bool complete_failure = false;
  /// When not a complete failure: the messageIds that become visible again (RBIF); the rest of
  /// the batch is deleted.
  std::vector<std::string> retry_message_ids;
  std::string reason;  ///< Why, for the trace: "success", "partial", "invalid_response: ...".
};

/// Reads a function's successful response (`response` is the returned JSON value; null for
/// None/undefined) for a batch of `batch_message_ids`, by the documented table of
/// ReportBatchItemFailures answers and the SILENT cases' knobs.
batch_verdict read_response(const nlohmann::json& response, bool report_batch_item_failures,
                            const std::vector<std::string>& batch_message_ids,
                            const models::knob_values& k);

}  // namespace models::lambda

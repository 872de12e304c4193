// How Lambda reads a function's response for an SQS batch: the documented table of
// ReportBatchItemFailures answers, and knobs for the cases AWS leaves open.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html ("Reporting batch item failures")
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
#include "models/lambda/mapping.hpp"

#include <algorithm>

namespace models::lambda {

using nlohmann::json;

namespace {

batch_verdict success(std::string reason = "success") {
  return batch_verdict{false, {}, std::move(reason)};
}
batch_verdict failure(std::string reason) {
  return batch_verdict{true, {}, "invalid_response: " + std::move(reason)};
}

}  // namespace

batch_verdict read_response(const json& response, bool rbif,
                            const std::vector<std::string>& batch_ids,
                            const models::knob_values& k) {
  if (!rbif) {
    // Without ReportBatchItemFailures the response is not read: the batch succeeded [STRM][PT].
    if (k.flag("lambda.rbif.ignored_without_flag") || !response.is_object() ||
        !response.contains("batchItemFailures")) {
      return success();
    }
    return read_response(response, true, batch_ids, k);
  }
  // Complete success: null response, empty response [WSQS].
  if (response.is_null()) return success();
  if (response.is_string()) {
    // SILENT: a JSON string, even one holding the object.
    return k.text("lambda.rbif.string_response") == "success"
               ? success("string_response")
               : failure("a JSON string, not an object");
  }
  if (!response.is_object() || !response.contains("batchItemFailures")) {
    // SILENT: read as a null list unless the knob says otherwise.
    return k.text("lambda.rbif.missing_key") == "success" ? success("no batchItemFailures")
                                                          : failure("no batchItemFailures member");
  }
  const json& failures = response["batchItemFailures"];
  // Null or empty list: complete success [WSQS].
  if (failures.is_null() || (failures.is_array() && failures.empty())) return success();
  if (!failures.is_array()) return failure("batchItemFailures is not a list");
  batch_verdict v;
  v.reason = "partial";
  for (const json& item : failures) {
    // Complete failure: itemIdentifier empty, null, under another key, or not in the batch.
    if (!item.is_object() || !item.contains("itemIdentifier")) {
      return failure("an item without itemIdentifier");
    }
    const json& id = item["itemIdentifier"];
    if (!id.is_string() || id.get_ref<const std::string&>().empty()) {
      return failure("itemIdentifier null or empty");
    }
    const std::string& text = id.get_ref<const std::string&>();
    if (std::find(batch_ids.begin(), batch_ids.end(), text) == batch_ids.end()) {
      return failure("itemIdentifier " + text + " is not a messageId of the batch");
    }
    if (std::find(v.retry_message_ids.begin(), v.retry_message_ids.end(), text) ==
        v.retry_message_ids.end()) {
      v.retry_message_ids.push_back(text);
    }
  }
  return v;
}

}  // namespace models::lambda

// The Records[] entry Lambda builds from an SQS message.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (example event), and the field set
// of aws-lambda-go's events/sqs.go (https://github.com/aws/aws-lambda-go/blob/main/events/sqs.go).
#include "models/lambda/mapping.hpp"

namespace models::lambda {

using nlohmann::json;

namespace {

// The system attributes a record carries, all strings [WSQS]: the four of every message, FIFO's
// three, and AWSTraceHeader when tracing is on. DeadLetterQueueSourceArn is not passed on
// (SILENT; see README).
constexpr const char* k_record_attributes[] = {
    "ApproximateReceiveCount",          "SentTimestamp",  "SenderId",
    "ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageGroupId",
    "MessageDeduplicationId",           "AWSTraceHeader"};

// SQS's {"DataType", "StringValue" | "BinaryValue", ...} in Lambda's lower-camel form; the value
// key not in use is omitted, the list keys are always there (empty) [GOEV].
json lower_camel_attribute(const json& a) {
  json out = json::object();
  if (a.contains("StringValue")) out["stringValue"] = a["StringValue"];
  if (a.contains("BinaryValue")) out["binaryValue"] = a["BinaryValue"];
  out["stringListValues"] = a.contains("StringListValues") ? a["StringListValues"] : json::array();
  out["binaryListValues"] = a.contains("BinaryListValues") ? a["BinaryListValues"] : json::array();
  out["dataType"] = a.value("DataType", "String");
  return out;
}

}  // namespace

json make_record(const json& m, const event_source& source, const models::knob_values& k) {
  json record = json::object();
  record["messageId"] = m.value("MessageId", "");
  record["receiptHandle"] = m.value("ReceiptHandle", "");
  record["body"] = m.value("Body", "");
  json attributes = json::object();
  if (m.contains("Attributes") && m["Attributes"].is_object()) {
    for (const char* name : k_record_attributes) {
      const auto it = m["Attributes"].find(name);
      if (it != m["Attributes"].end()) attributes[name] = *it;
    }
  }
  record["attributes"] = attributes;
  json message_attributes = json::object();
  if (m.contains("MessageAttributes") && m["MessageAttributes"].is_object()) {
    for (const auto& [name, value] : m["MessageAttributes"].items()) {
      message_attributes[name] = lower_camel_attribute(value);
    }
  }
  record["messageAttributes"] = message_attributes;
  if (m.contains("MD5OfMessageAttributes")) {
    record["md5OfMessageAttributes"] = m["MD5OfMessageAttributes"];
  } else if (k.text("lambda.event.md5_of_message_attributes") == "null") {
    record["md5OfMessageAttributes"] = nullptr;
  }
  record["md5OfBody"] = m.value("MD5OfBody", "");
  record["eventSource"] = "aws:sqs";
  record["eventSourceARN"] = source.queue_arn;
  record["awsRegion"] = source.region;
  return record;
}

std::size_t record_bytes(const json& record) { return record.dump().size(); }

}  // namespace models::lambda

// The Records[] entry Lambda builds from an SQS message.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (example event);
// https://github.com/aws/aws-lambda-go/blob/main/events/sqs.go (field names and message
// attribute shape).
#include "models/lambda/mapping.hpp"

#include <boost/test/unit_test.hpp>

namespace {

using nlohmann::json;

json message() {
  return json{{"MessageId", "059f36b4-87a3-44ab-83d2-661975830a7d"},
              {"ReceiptHandle", "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a"},
              {"MD5OfBody", "e4e68fb7bd0e697a0ae8f1bb342846b3"},
              {"Body", "test"},
              {"Attributes",
               {{"ApproximateReceiveCount", "1"},
                {"SentTimestamp", "1545082649183"},
                {"SenderId", "AIDAIENQZJOLO23YVJ4VO"},
                {"ApproximateFirstReceiveTimestamp", "1545082649185"},
                {"DeadLetterQueueSourceArn", "arn:aws:sqs:us-east-2:123456789012:src"}}}};
}

const models::lambda::event_source k_source{"arn:aws:sqs:us-east-2:123456789012:my-queue",
                                            "us-east-2", false};

}  // namespace

BOOST_AUTO_TEST_SUITE(event_test)

BOOST_AUTO_TEST_CASE(record_fields_as_lambda_names_them) {
  const models::knob_values k(models::lambda::knobs(), models::profile::aws_documented);
  const json r = models::lambda::make_record(message(), k_source, k);
  BOOST_TEST(r["messageId"] == "059f36b4-87a3-44ab-83d2-661975830a7d");
  BOOST_TEST(r["receiptHandle"] == "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a");
  BOOST_TEST(r["body"] == "test");
  BOOST_TEST(r["md5OfBody"] == "e4e68fb7bd0e697a0ae8f1bb342846b3");
  BOOST_TEST(r["eventSource"] == "aws:sqs");
  BOOST_TEST(r["eventSourceARN"] == "arn:aws:sqs:us-east-2:123456789012:my-queue");
  BOOST_TEST(r["awsRegion"] == "us-east-2");
  BOOST_TEST(r["messageAttributes"] == json::object());
  // Attribute values are strings, as SQS sends them.
  BOOST_TEST(r["attributes"]["ApproximateReceiveCount"] == "1");
  BOOST_TEST(r["attributes"]["SentTimestamp"] == "1545082649183");
  BOOST_TEST(r["attributes"].size() == 4u);  // DeadLetterQueueSourceArn is not passed on
  // Observed: null when the message has no attributes (knob; AWS's examples omit it).
  BOOST_TEST(r.contains("md5OfMessageAttributes"));
  BOOST_TEST(r["md5OfMessageAttributes"].is_null());
  const models::knob_values omit(models::lambda::knobs(), models::profile::aws_documented,
                                 json{{"lambda.event.md5_of_message_attributes", "omit"}});
  BOOST_TEST(
      !models::lambda::make_record(message(), k_source, omit).contains("md5OfMessageAttributes"));
}

// messageAttributes in lower camel case; the value key not in use is omitted, the list keys are
// there (empty).
BOOST_AUTO_TEST_CASE(message_attributes_in_lower_camel_case) {
  json m = message();
  m["MessageAttributes"] = {{"kind", {{"DataType", "String"}, {"StringValue", "callback"}}}};
  m["MD5OfMessageAttributes"] = "0123456789abcdef0123456789abcdef";
  const models::knob_values k(models::lambda::knobs(), models::profile::aws_documented);
  const json r = models::lambda::make_record(m, k_source, k);
  const json expected{{"stringValue", "callback"},
                      {"stringListValues", json::array()},
                      {"binaryListValues", json::array()},
                      {"dataType", "String"}};
  BOOST_TEST(r["messageAttributes"]["kind"] == expected);
  BOOST_TEST(r["md5OfMessageAttributes"] == "0123456789abcdef0123456789abcdef");
}

// FIFO records add SequenceNumber, MessageGroupId and MessageDeduplicationId.
BOOST_AUTO_TEST_CASE(fifo_attributes) {
  json m = message();
  m["Attributes"]["SequenceNumber"] = "18849496460467696128";
  m["Attributes"]["MessageGroupId"] = "1";
  m["Attributes"]["MessageDeduplicationId"] = "1";
  const models::knob_values k(models::lambda::knobs(), models::profile::aws_documented);
  const json r =
      models::lambda::make_record(m, {"arn:aws:sqs:us-east-2:1:q.fifo", "us-east-2", true}, k);
  BOOST_TEST(r["attributes"]["MessageGroupId"] == "1");
  BOOST_TEST(r["attributes"]["SequenceNumber"] == "18849496460467696128");
  BOOST_TEST(r["attributes"]["MessageDeduplicationId"] == "1");
}

BOOST_AUTO_TEST_SUITE_END()

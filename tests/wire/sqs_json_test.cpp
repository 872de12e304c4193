// The SQS json protocol (awsJson1_0, query-compatible) as current SDKs speak it
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html,
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html).
// Error names and legacy codes as recorded against AWS in github.com/localstack/localstack
// tests/aws/services/sqs/test_sqs.snapshot.json.
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

using nlohmann::json;
using wire_test::sqs_json;
using wire_test::world;

namespace {

const std::string k_client_url = "http://127.0.0.1:4566/123456789012/q";

json create(world& w) { return w.send_json(sqs_json("CreateQueue", {{"QueueName", "q"}})); }

}  // namespace

BOOST_AUTO_TEST_SUITE(sqs_json_test)

BOOST_AUTO_TEST_CASE(queue_operations) {
  world w;
  const wire::http_response r =
      w.send(sqs_json("CreateQueue", {{"QueueName", "q"},
                                      {"Attributes", {{"VisibilityTimeout", "45"}}},
                                      {"tags", {{"team", "ml"}}}}));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.header_value("content-type") == "application/x-amz-json-1.0");
  BOOST_TEST(r.header_value("x-amzn-requestid") == "req-1");
  BOOST_TEST(json::parse(r.body) == (json{{"QueueUrl", k_client_url}}));
  BOOST_TEST(w.send_json(sqs_json("GetQueueUrl", {{"QueueName", "q"}})) ==
             (json{{"QueueUrl", k_client_url}}));
  BOOST_TEST(w.send_json(sqs_json("ListQueues", json::object())) ==
             (json{{"QueueUrls", {k_client_url}}}));
  BOOST_TEST(w.send(sqs_json("SetQueueAttributes",
                             {{"QueueUrl", k_client_url}, {"Attributes", {{"DelaySeconds", "3"}}}}))
                 .status == 200);
  const json attrs = w.send_json(sqs_json(
      "GetQueueAttributes",
      {{"QueueUrl", k_client_url}, {"AttributeNames", {"DelaySeconds", "VisibilityTimeout"}}}));
  // Attribute values are strings in both protocols.
  BOOST_TEST(attrs == (json{{"Attributes", {{"DelaySeconds", "3"}, {"VisibilityTimeout", "45"}}}}));
  BOOST_TEST(w.send(sqs_json("PurgeQueue", {{"QueueUrl", k_client_url}})).status == 200);
  BOOST_TEST(w.send(sqs_json("DeleteQueue", {{"QueueUrl", k_client_url}})).status == 200);
}

BOOST_AUTO_TEST_CASE(messages_carry_the_md5s_clients_verify) {
  world w;
  create(w);
  const json sent = w.send_json(
      sqs_json("SendMessage",
               {{"QueueUrl", k_client_url},
                {"MessageBody", "hi"},
                {"MessageAttributes", {{"a", {{"DataType", "String"}, {"StringValue", "v"}}}}}}));
  // The JS SDK compares MD5OfMessageBody with the hex MD5 of the body it sent (RFC 1321).
  BOOST_TEST(sent.at("MD5OfMessageBody") == "49f68a5c8493ec2c0bf489821c21fc3b");
  BOOST_TEST(sent.at("MD5OfMessageAttributes").get<std::string>().size() == 32U);
  const json got = w.send_json(sqs_json("ReceiveMessage", {{"QueueUrl", k_client_url},
                                                           {"AttributeNames", {"All"}},
                                                           {"MessageAttributeNames", {"All"}},
                                                           {"MaxNumberOfMessages", 10},
                                                           {"WaitTimeSeconds", 0}}));
  BOOST_TEST_REQUIRE(got.at("Messages").size() == 1U);
  const json& m = got["Messages"][0];
  BOOST_TEST(m.at("Body") == "hi");
  BOOST_TEST(m.at("MD5OfBody") == "49f68a5c8493ec2c0bf489821c21fc3b");
  BOOST_TEST(m.at("MessageId") == sent.at("MessageId"));
  BOOST_TEST(m.at("MessageAttributes") ==
             (json{{"a", {{"DataType", "String"}, {"StringValue", "v"}}}}));
  BOOST_TEST(m.at("Attributes").at("SentTimestamp") == "1767225600000");
  const std::string handle = m.at("ReceiptHandle");
  BOOST_TEST(w.send(sqs_json("ChangeMessageVisibility", {{"QueueUrl", k_client_url},
                                                         {"ReceiptHandle", handle},
                                                         {"VisibilityTimeout", 10}}))
                 .status == 200);
  const wire::http_response d =
      w.send(sqs_json("DeleteMessage", {{"QueueUrl", k_client_url}, {"ReceiptHandle", handle}}));
  BOOST_TEST(d.status == 200);
  BOOST_TEST(json::parse(d.body) == json::object());
  // An empty receive omits Messages.
  BOOST_TEST(w.send_json(sqs_json("ReceiveMessage", {{"QueueUrl", k_client_url}})) ==
             json::object());
}

BOOST_AUTO_TEST_CASE(batches) {
  world w;
  create(w);
  const json s = w.send_json(
      sqs_json("SendMessageBatch",
               {{"QueueUrl", k_client_url},
                {"Entries",
                 {{{"Id", "a"}, {"MessageBody", "one"}}, {{"Id", "b"}, {"MessageBody", "two"}}}}}));
  BOOST_TEST_REQUIRE(s.at("Successful").size() == 2U);
  BOOST_TEST(s["Successful"][0].at("MD5OfMessageBody") == "f97c5d29941bfb1b2fdab0874906ab82");
  BOOST_TEST(s.at("Failed") == json::array());
  const json got = w.send_json(
      sqs_json("ReceiveMessage", {{"QueueUrl", k_client_url}, {"MaxNumberOfMessages", 10}}));
  BOOST_TEST_REQUIRE(got.at("Messages").size() == 2U);
  const json c = w.send_json(sqs_json("ChangeMessageVisibilityBatch",
                                      {{"QueueUrl", k_client_url},
                                       {"Entries",
                                        {{{"Id", "x"},
                                          {"ReceiptHandle", got["Messages"][0]["ReceiptHandle"]},
                                          {"VisibilityTimeout", 5}}}}}));
  BOOST_TEST(c == (json{{"Successful", {{{"Id", "x"}}}}, {"Failed", json::array()}}));
  const json d = w.send_json(
      sqs_json("DeleteMessageBatch",
               {{"QueueUrl", k_client_url},
                {"Entries",
                 {{{"Id", "x"}, {"ReceiptHandle", got["Messages"][0]["ReceiptHandle"]}},
                  {{"Id", "y"}, {"ReceiptHandle", got["Messages"][1]["ReceiptHandle"]}}}}}));
  BOOST_TEST(d ==
             (json{{"Successful", {{{"Id", "x"}}, {{"Id", "y"}}}}, {"Failed", json::array()}}));
}

BOOST_AUTO_TEST_CASE(errors_carry_type_and_the_query_error_header) {
  world w;
  const wire::http_response r =
      w.send(sqs_json("SendMessage", {{"QueueUrl", k_client_url}, {"MessageBody", "x"}}));
  BOOST_TEST(r.status == 400);
  BOOST_TEST(json::parse(r.body).at("__type") == "com.amazonaws.sqs#QueueDoesNotExist");
  BOOST_TEST(r.header_value("x-amzn-query-error") ==
             "AWS.SimpleQueueService.NonExistentQueue;Sender");

  create(w);
  const wire::http_response range =
      w.send(sqs_json("ReceiveMessage", {{"QueueUrl", k_client_url}, {"MaxNumberOfMessages", 11}}));
  BOOST_TEST(range.status == 400);
  BOOST_TEST(json::parse(range.body).at("__type") ==
             "com.amazonaws.sqs#InvalidParameterValueException");
  BOOST_TEST(range.header_value("x-amzn-query-error") == "InvalidParameterValue;Sender");

  const wire::http_response missing = w.send(sqs_json("SendMessage", {{"QueueUrl", k_client_url}}));
  BOOST_TEST(json::parse(missing.body).at("__type") ==
             "com.amazonaws.sqs#MissingRequiredParameterException");
  BOOST_TEST(missing.header_value("x-amzn-query-error") == "MissingParameter;Sender");

  const wire::http_response exists = w.send(
      sqs_json("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "99"}}}}));
  BOOST_TEST(json::parse(exists.body).at("__type") == "com.amazonaws.sqs#QueueNameExists");
  BOOST_TEST(exists.header_value("x-amzn-query-error") == "QueueAlreadyExists;Sender");

  BOOST_TEST(w.send(sqs_json("PurgeQueue", {{"QueueUrl", k_client_url}})).status == 200);
  const wire::http_response purge = w.send(sqs_json("PurgeQueue", {{"QueueUrl", k_client_url}}));
  BOOST_TEST(purge.status == 403);
  BOOST_TEST(purge.header_value("x-amzn-query-error") ==
             "AWS.SimpleQueueService.PurgeQueueInProgress;Sender");
}

BOOST_AUTO_TEST_CASE(malformed_requests) {
  world w;
  wire::http_request bad = sqs_json("ListQueues", json::object());
  bad.body = "{not json";
  const wire::http_response r = w.send(bad);
  BOOST_TEST(r.status == 400);
  BOOST_TEST(json::parse(r.body).at("__type") == "com.amazonaws.sqs#SerializationException");
  BOOST_TEST(!r.header_value("x-amzn-query-error").empty());

  const wire::http_response unknown = w.send(sqs_json("Frobnicate", json::object()));
  BOOST_TEST(unknown.status == 400);
  BOOST_TEST(json::parse(unknown.body).at("__type") ==
             "com.amazonaws.sqs#UnknownOperationException");

  wire::http_request no_target = sqs_json("ListQueues", json::object());
  no_target.headers.erase(no_target.headers.begin() + 2);
  const wire::http_response missing = w.send(no_target);
  BOOST_TEST(missing.status == 400);
  BOOST_TEST(json::parse(missing.body).at("__type") ==
             "com.amazonaws.sqs#UnknownOperationException");

  // An empty body is an empty request: ListQueues needs nothing.
  wire::http_request empty = sqs_json("ListQueues", json::object());
  empty.body.clear();
  BOOST_TEST(w.send(empty).status == 200);
}

BOOST_AUTO_TEST_CASE(the_service_comes_from_the_credential_scope_or_the_target) {
  wire::http_request r = sqs_json("ListQueues", json::object());
  BOOST_TEST(wire::service_of(r) == "sqs");
  r.headers.push_back(
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKID/20261202/eu-west-1/sagemaker/aws4_request, "
       "SignedHeaders=host, Signature=00"});
  BOOST_TEST(wire::service_of(r) == "sagemaker");
  BOOST_TEST(wire::service_of(wire_test::sagemaker("ListPipelines", json::object())) ==
             "sagemaker");
  BOOST_TEST(wire::service_of(wire_test::query("Action=ListQueues")) == "sqs");
}

BOOST_AUTO_TEST_CASE(queue_urls_translate_both_ways) {
  wire::context c;
  c.origin = "http://localhost:9000";
  BOOST_TEST(wire::model_queue_url("http://localhost:9000/123456789012/q", c) ==
             "https://sqs.us-east-1.amazonaws.com/123456789012/q");
  BOOST_TEST(wire::model_queue_url("q", c) == "https://sqs.us-east-1.amazonaws.com/123456789012/q");
  BOOST_TEST(wire::client_queue_url("https://sqs.us-east-1.amazonaws.com/123456789012/q", c) ==
             "http://localhost:9000/123456789012/q");
  BOOST_TEST(wire::client_queue_url("https://elsewhere/x", c) == "https://elsewhere/x");
}

BOOST_AUTO_TEST_SUITE_END()

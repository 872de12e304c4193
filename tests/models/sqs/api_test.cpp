// The API surface: member names, defaults, and the AWS error for each bad parameter (sources:
// models/sqs/README.md).
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <rapidcheck.h>

using namespace sqs_test;

BOOST_AUTO_TEST_SUITE(api_test)

BOOST_AUTO_TEST_CASE(queue_url_has_the_documented_shape) {
  env e;
  BOOST_TEST(e.create("jobs") == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs");
  auto r = e.svc.call("GetQueueUrl", {{"QueueName", "jobs"}});
  BOOST_TEST(r.response["QueueUrl"] == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs");
  BOOST_TEST(code_of(e.svc.call("GetQueueUrl", {{"QueueName", "nope"}})) == "QueueDoesNotExist");
  BOOST_TEST(e.attribute(e.create("jobs"), "QueueArn") ==
             "arn:aws:sqs:us-east-1:123456789012:jobs");
}

BOOST_AUTO_TEST_CASE(deleted_queue_name_can_be_reused_only_after_60_seconds) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  BOOST_TEST(code_of(e.svc.call("DeleteQueue", {{"QueueUrl", url}})) == "ok");
  BOOST_TEST(code_of(e.send(url, "b")) == "QueueDoesNotExist");
  BOOST_TEST(code_of(e.svc.call("GetQueueUrl", {{"QueueName", "q"}})) == "QueueDoesNotExist");
  e.advance(s_us(59));
  BOOST_TEST(code_of(e.svc.call("CreateQueue", {{"QueueName", "q"}})) == "QueueDeletedRecently");
  e.advance(s_us(1));
  BOOST_TEST(e.create("q") == url);
  BOOST_TEST(e.receive(url).empty());  // a new, empty queue
}

BOOST_AUTO_TEST_CASE(list_queues_filters_by_prefix_and_pages) {
  env e;
  for (const char* n : {"alpha", "beta", "alpine", "gamma"}) e.create(n);
  auto r = e.svc.call("ListQueues", {{"QueueNamePrefix", "al"}});
  BOOST_TEST(r.response["QueueUrls"].size() == 2u);
  r = e.svc.call("ListQueues", {{"MaxResults", 3}});
  BOOST_TEST(r.response["QueueUrls"].size() == 3u);
  BOOST_TEST_REQUIRE(r.response.contains("NextToken"));
  r = e.svc.call("ListQueues", {{"MaxResults", 3}, {"NextToken", r.response["NextToken"]}});
  BOOST_TEST(r.response["QueueUrls"].size() == 1u);
  BOOST_TEST(!r.response.contains("NextToken"));
  BOOST_TEST(code_of(e.svc.call("ListQueues", {{"MaxResults", 1001}})) == "InvalidParameterValue");
  BOOST_TEST(
      !e.svc.call("ListQueues", {{"QueueNamePrefix", "zzz"}}).response.contains("QueueUrls"));
}

BOOST_AUTO_TEST_CASE(queue_attribute_defaults_match_the_documentation) {
  env e;
  const auto url = e.create("q");
  BOOST_TEST(e.attribute(url, "VisibilityTimeout") == "30");             // [VT][CQ]
  BOOST_TEST(e.attribute(url, "MessageRetentionPeriod") == "345600");    // 4 days [CQ]
  BOOST_TEST(e.attribute(url, "DelaySeconds") == "0");                   // [DELQ]
  BOOST_TEST(e.attribute(url, "ReceiveMessageWaitTimeSeconds") == "0");  // [POLL]
  BOOST_TEST(e.attribute(url, "MaximumMessageSize") == "1048576");       // 1 MiB [SM][CQ]
  // 2026-01-01T00:00:00Z is the default virtual epoch.
  BOOST_TEST(e.attribute(url, "CreatedTimestamp") == "1767225600");
}

BOOST_AUTO_TEST_CASE(queue_attribute_ranges_are_enforced_without_clamping) {
  env e;
  const auto url = e.create("q");
  auto set = [&](const std::string& n, const std::string& v) {
    return code_of(e.svc.call("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{n, v}}}}));
  };
  BOOST_TEST(set("VisibilityTimeout", "43200") == "ok");
  BOOST_TEST(set("VisibilityTimeout", "43201") == "InvalidAttributeValue");
  BOOST_TEST(set("DelaySeconds", "900") == "ok");
  BOOST_TEST(set("DelaySeconds", "901") == "InvalidAttributeValue");
  BOOST_TEST(set("MessageRetentionPeriod", "60") == "ok");
  BOOST_TEST(set("MessageRetentionPeriod", "59") == "InvalidAttributeValue");
  BOOST_TEST(set("MessageRetentionPeriod", "1209600") == "ok");  // 14 days
  BOOST_TEST(set("MessageRetentionPeriod", "1209601") == "InvalidAttributeValue");
  BOOST_TEST(set("ReceiveMessageWaitTimeSeconds", "20") == "ok");
  BOOST_TEST(set("ReceiveMessageWaitTimeSeconds", "21") == "InvalidAttributeValue");
  BOOST_TEST(set("MaximumMessageSize", "1023") == "InvalidAttributeValue");
  BOOST_TEST(set("MaximumMessageSize", "1048577") == "InvalidAttributeValue");
  BOOST_TEST(set("VisibilityTimeout", "abc") == "InvalidAttributeValue");
  BOOST_TEST(set("NoSuchAttribute", "1") == "InvalidAttributeName");
  BOOST_TEST(set("FifoQueue", "true") == "InvalidAttributeName");
  BOOST_TEST(set("ContentBasedDeduplication", "true") == "InvalidAttributeName");
  BOOST_TEST(e.attribute(url, "VisibilityTimeout") == "43200");  // failed sets changed nothing
  auto g = e.svc.call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"Bogus"}}});
  BOOST_TEST(code_of(g) == "InvalidAttributeName");
}

BOOST_AUTO_TEST_CASE(create_queue_is_idempotent_only_with_equal_attributes) {
  env e;
  const auto url = e.create("q", {{"VisibilityTimeout", "60"}});
  BOOST_TEST(e.create("q", {{"VisibilityTimeout", "60"}}) == url);
  BOOST_TEST(code_of(e.svc.call("CreateQueue", {{"QueueName", "q"},
                                                {"Attributes", {{"VisibilityTimeout", "61"}}}})) ==
             "QueueNameExists");
  BOOST_TEST(code_of(e.svc.call("CreateQueue", {{"QueueName", "bad name"}})) ==
             "InvalidParameterValue");
  BOOST_TEST(code_of(e.svc.call("CreateQueue", {{"QueueName", std::string(81, 'a')}})) ==
             "InvalidParameterValue");
  BOOST_TEST(code_of(e.svc.call("CreateQueue", {{"QueueName", "x.fifo"}})) ==
             "InvalidParameterValue");
  BOOST_TEST(code_of(e.svc.call("CreateQueue",
                                {{"QueueName", "x"}, {"Attributes", {{"FifoQueue", "true"}}}})) ==
             "InvalidParameterValue");
  BOOST_TEST(code_of(e.svc.call("CreateQueue", json::object())) == "MissingParameter");
}

BOOST_AUTO_TEST_CASE(send_message_returns_md5_and_message_id) {
  env e;
  const auto url = e.create("q");
  auto r = e.send(url, "hello");
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r.response["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592");
  BOOST_TEST(r.response["MessageId"].get<std::string>().size() == 36u);
  auto m = e.receive(url);
  BOOST_TEST_REQUIRE(m.size() == 1u);
  BOOST_TEST(m[0]["Body"] == "hello");
  BOOST_TEST(m[0]["MD5OfBody"] == "5d41402abc4b2a76b9719d911017c592");
  BOOST_TEST(m[0]["MessageId"] == r.response["MessageId"]);
}

BOOST_AUTO_TEST_CASE(send_message_rejects_bad_parameters_with_aws_errors) {
  env e;
  const auto url = e.create("q");
  BOOST_TEST(code_of(e.svc.call("SendMessage", {{"QueueUrl", url}})) == "MissingParameter");
  BOOST_TEST(code_of(e.send(url, "")) == "MissingParameter");
  BOOST_TEST(code_of(e.send(url, std::string("a\x01", 2))) == "InvalidMessageContents");
  BOOST_TEST(code_of(e.send(url, "x", {{"DelaySeconds", 901}})) == "InvalidParameterValue");
  BOOST_TEST(code_of(e.send(url, "x", {{"DelaySeconds", -1}})) == "InvalidParameterValue");
  BOOST_TEST(code_of(e.send(url, "x", {{"DelaySeconds", 900}})) == "ok");
  BOOST_TEST(code_of(e.send(url, "x", {{"MessageDeduplicationId", "d"}})) ==
             "InvalidParameterValue");
  BOOST_TEST(code_of(e.send(url, std::string(1'048'577, 'a'))) == "InvalidParameterValue");
  BOOST_TEST(code_of(e.send(url, std::string(1'048'576, 'a'))) == "ok");  // 1 MiB is allowed
  BOOST_TEST(code_of(e.svc.call("SendMessage", {{"QueueUrl", url + "x"}, {"MessageBody", "b"}})) ==
             "QueueDoesNotExist");
  BOOST_TEST(code_of(e.svc.call("SendMessage", {{"MessageBody", "b"}})) == "MissingParameter");
  json attrs;
  for (int i = 0; i < 11; ++i)
    attrs["a" + std::to_string(i)] = {{"DataType", "String"}, {"StringValue", "v"}};
  BOOST_TEST(code_of(e.send(url, "x", {{"MessageAttributes", attrs}})) == "InvalidParameterValue");
  BOOST_TEST(code_of(e.send(
                 url, "x",
                 {{"MessageAttributes", {{"a", {{"DataType", "Date"}, {"StringValue", "v"}}}}}})) ==
             "InvalidParameterValue");
  BOOST_TEST(code_of(e.send(url, "x",
                            {{"MessageAttributes",
                              {{"AWS.x", {{"DataType", "String"}, {"StringValue", "v"}}}}}})) ==
             "InvalidParameterValue");
  BOOST_TEST(code_of(e.send(url, "x",
                            {{"MessageAttributes",
                              {{"n", {{"DataType", "Number"}, {"StringValue", "1e"}}}}}})) ==
             "InvalidParameterValue");
}

BOOST_AUTO_TEST_CASE(message_body_characters_follow_the_documented_ranges) {
  env e;
  const auto url = e.create("q");
  BOOST_TEST(code_of(e.send(url, "tab\tnewline\ncr\r")) == "ok");
  BOOST_TEST(code_of(e.send(url, "\xF0\x9F\x98\x80")) == "ok");  // U+1F600, above #x10000
  BOOST_TEST(code_of(e.send(url, "\xEF\xBF\xBD")) == "ok");      // U+FFFD
  BOOST_TEST(code_of(e.send(url, "\xEF\xBF\xBE")) == "InvalidMessageContents");  // U+FFFE
  BOOST_TEST(code_of(e.send(url, "\xED\xA0\x80")) == "InvalidMessageContents");  // surrogate
  BOOST_TEST(code_of(e.send(url, "\xC3")) == "InvalidMessageContents");          // truncated UTF-8
}

BOOST_AUTO_TEST_CASE(get_queue_attributes_all_lists_type_specific_attributes) {
  env e;
  const auto std_url = e.create("s");
  const auto fifo_url = e.create("f.fifo", {{"FifoQueue", "true"}});
  auto all = [&](const std::string& url) {
    return e.svc.call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}})
        .response["Attributes"];
  };
  BOOST_TEST(!all(std_url).contains("FifoQueue"));
  BOOST_TEST(all(fifo_url)["FifoQueue"] == "true");
  BOOST_TEST(all(fifo_url)["ContentBasedDeduplication"] == "false");
  BOOST_TEST(all(fifo_url)["DeduplicationScope"] == "queue");
  BOOST_TEST(all(fifo_url)["FifoThroughputLimit"] == "perQueue");
  BOOST_TEST(all(std_url)["ApproximateNumberOfMessages"] == "0");
  BOOST_TEST(e.svc.call("GetQueueAttributes", {{"QueueUrl", std_url}}).response == json::object());
}

BOOST_AUTO_TEST_CASE(message_attributes_round_trip_with_aws_md5) {
  env e;
  const auto url = e.create("q");
  // Known answer computed independently (Python hashlib) with AWS's documented encoding:
  // 4-byte big-endian lengths, name, data type, transport byte 1, value.
  auto r = e.send(url, "x",
                  {{"MessageAttributes", {{"a", {{"DataType", "String"}, {"StringValue", "b"}}}}}});
  BOOST_TEST_REQUIRE(r.ok());
  const std::string md5 = r.response["MD5OfMessageAttributes"].get<std::string>();
  BOOST_TEST(md5 == "bef8bf215374a0a228d67533b1a488be");
  auto m = e.receive(url, {{"MessageAttributeNames", {"All"}}});
  BOOST_TEST_REQUIRE(m.size() == 1u);
  BOOST_TEST(m[0]["MessageAttributes"]["a"]["StringValue"] == "b");
  BOOST_TEST(m[0]["MD5OfMessageAttributes"] == md5);
}

BOOST_AUTO_TEST_CASE(receive_parameters_are_range_checked) {
  env e;
  const auto url = e.create("q");
  auto rc = [&](const json& extra) {
    json req = extra;
    req["QueueUrl"] = url;
    return code_of(e.svc.call("ReceiveMessage", req));
  };
  BOOST_TEST(rc({{"MaxNumberOfMessages", 0}}) == "InvalidParameterValue");
  BOOST_TEST(rc({{"MaxNumberOfMessages", 11}}) == "InvalidParameterValue");  // at most 10
  BOOST_TEST(rc({{"MaxNumberOfMessages", 10}}) == "ok");
  BOOST_TEST(rc({{"WaitTimeSeconds", 21}}) == "InvalidParameterValue");  // at most 20 s
  BOOST_TEST(rc({{"VisibilityTimeout", 43201}}) == "InvalidParameterValue");
  BOOST_TEST(rc({{"MessageSystemAttributeNames", {"Nope"}}}) == "InvalidAttributeName");
}

BOOST_AUTO_TEST_CASE(receive_returns_at_most_max_number_of_messages) {
  env e;
  const auto url = e.create("q");
  for (int i = 0; i < 15; ++i) e.send(url, "m" + std::to_string(i));
  BOOST_TEST(e.receive(url).size() == 1u);  // default MaxNumberOfMessages is 1
  BOOST_TEST(e.receive(url, {{"MaxNumberOfMessages", 10}}).size() == 10u);
  BOOST_TEST(e.receive(url, {{"MaxNumberOfMessages", 10}}).size() == 4u);
}

BOOST_AUTO_TEST_CASE(batch_requests_check_entries) {
  env e;
  const auto url = e.create("q");
  auto batch = [&](const json& entries) {
    return e.svc.call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
  };
  BOOST_TEST(code_of(batch(json::array())) == "EmptyBatchRequest");
  json eleven = json::array();
  for (int i = 0; i < 11; ++i)
    eleven.push_back({{"Id", "e" + std::to_string(i)}, {"MessageBody", "b"}});
  BOOST_TEST(code_of(batch(eleven)) == "TooManyEntriesInBatchRequest");  // at most 10
  BOOST_TEST(code_of(batch({{{"Id", "a"}, {"MessageBody", "b"}},
                            {{"Id", "a"}, {"MessageBody", "c"}}})) == "BatchEntryIdsNotDistinct");
  BOOST_TEST(code_of(batch({{{"Id", "bad id"}, {"MessageBody", "b"}}})) == "InvalidBatchEntryId");
  BOOST_TEST(code_of(batch({{{"Id", std::string(81, 'a')}, {"MessageBody", "b"}}})) ==
             "InvalidBatchEntryId");
  json big = json::array();
  for (int i = 0; i < 2; ++i)
    big.push_back({{"Id", "e" + std::to_string(i)}, {"MessageBody", std::string(600'000, 'x')}});
  BOOST_TEST(code_of(batch(big)) == "BatchRequestTooLong");
  auto r = batch({{{"Id", "ok"}, {"MessageBody", "b"}},
                  {{"Id", "bad"}, {"MessageBody", "b"}, {"DelaySeconds", 901}}});
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r.response["Successful"].size() == 1u);
  BOOST_TEST(r.response["Successful"][0]["Id"] == "ok");
  BOOST_TEST(r.response["Failed"].size() == 1u);
  BOOST_TEST(r.response["Failed"][0]["Id"] == "bad");
  BOOST_TEST(r.response["Failed"][0]["Code"] == "InvalidParameterValue");
  BOOST_TEST(r.response["Failed"][0]["SenderFault"] == true);

  auto m = e.receive(url);
  BOOST_TEST_REQUIRE(m.size() == 1u);
  auto d =
      e.svc.call("DeleteMessageBatch", {{"QueueUrl", url},
                                        {"Entries",
                                         {{{"Id", "x"}, {"ReceiptHandle", m[0]["ReceiptHandle"]}},
                                          {{"Id", "y"}, {"ReceiptHandle", "garbage"}}}}});
  BOOST_TEST_REQUIRE(d.ok());
  BOOST_TEST(d.response["Successful"].size() == 1u);
  BOOST_TEST(d.response["Failed"][0]["Code"] == "ReceiptHandleIsInvalid");
}

BOOST_AUTO_TEST_CASE(unknown_operation_and_malformed_handles_are_errors_not_exceptions) {
  env e;
  const auto url = e.create("q");
  BOOST_TEST(code_of(e.svc.call("FrobnicateQueue", {{"QueueUrl", url}})) == "UnsupportedOperation");
  BOOST_TEST(code_of(e.svc.call("AddPermission", {{"QueueUrl", url}})) == "UnsupportedOperation");
  BOOST_TEST(code_of(e.del(url, "not-a-handle")) == "ReceiptHandleIsInvalid");
  BOOST_TEST(code_of(e.change(url, "AQEB", 10)) == "ReceiptHandleIsInvalid");
  BOOST_TEST(code_of(e.svc.call("DeleteMessage", {{"QueueUrl", url}})) == "MissingParameter");
  BOOST_TEST(code_of(e.svc.call("SendMessage", json::array())) == "InvalidParameterValue");
  // A handle from another queue is not valid here.
  const auto other = e.create("other");
  e.send(other, "x");
  auto m = e.receive(other);
  BOOST_TEST(code_of(e.del(url, m[0]["ReceiptHandle"])) == "ReceiptHandleIsInvalid");
}

BOOST_AUTO_TEST_CASE(purge_queue_twice_within_60_seconds_is_rejected) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  BOOST_TEST(code_of(e.svc.call("PurgeQueue", {{"QueueUrl", url}})) == "ok");
  BOOST_TEST(e.receive(url).empty());
  e.advance(s_us(59));
  auto r = e.svc.call("PurgeQueue", {{"QueueUrl", url}});
  BOOST_TEST(code_of(r) == "PurgeQueueInProgress");
  BOOST_TEST(r.error->http_status == 403);
  e.advance(s_us(1));
  BOOST_TEST(code_of(e.svc.call("PurgeQueue", {{"QueueUrl", url}})) == "ok");
}

BOOST_AUTO_TEST_CASE(purge_deletes_in_flight_messages_too) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  e.send(url, "b");
  auto m = e.receive(url);
  BOOST_TEST_REQUIRE(m.size() == 1u);
  e.svc.call("PurgeQueue", {{"QueueUrl", url}});
  BOOST_TEST(e.svc.counters(url).purged == 2u);
  BOOST_TEST(e.count_in(url, message_state::deleted) == 2u);
  e.advance(s_us(31));
  BOOST_TEST(e.receive(url).empty());
}

BOOST_AUTO_TEST_CASE(synchronous_long_poll_without_messages_asks_for_call_async) {
  env e;
  const auto url = e.create("q");
  auto r = e.svc.call("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 5}});
  BOOST_TEST(code_of(r) == "pipesim.LongPollRequiresAsync");
  e.send(url, "x");
  r = e.svc.call("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 5}});
  BOOST_TEST(r.ok());
  BOOST_TEST(r.response["Messages"].size() == 1u);
}

namespace {
json arbitrary_value(int kind, int n, const std::vector<std::string>& strings) {
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return n - 5;
    case 2:
      return n * 997;
    case 3:
      return strings[static_cast<std::size_t>(n) % strings.size()];
    case 4:
      return json::array({strings[static_cast<std::size_t>(n) % strings.size()]});
    case 5:
      return json{{"Id", "e" + std::to_string(n % 3)},
                  {"MessageBody", "b"},
                  {"ReceiptHandle", strings[static_cast<std::size_t>(n) % strings.size()]}};
    case 6:
      return json::array({json{
          {"Id", "e" + std::to_string(n % 3)}, {"MessageBody", "b"}, {"VisibilityTimeout", n}}});
    case 7:
      return n % 2 == 0;
    default:
      return json::object({{"DataType", n % 2 ? "String" : "Binary"}, {"StringValue", "v"}});
  }
}
}  // namespace

RC_BOOST_PROP(arbitrary_requests_get_a_result_or_an_aws_error_never_an_exception, ()) {
  static const std::vector<std::string> ops = {"SendMessage",
                                               "SendMessageBatch",
                                               "ReceiveMessage",
                                               "DeleteMessage",
                                               "DeleteMessageBatch",
                                               "ChangeMessageVisibility",
                                               "ChangeMessageVisibilityBatch",
                                               "GetQueueAttributes",
                                               "SetQueueAttributes",
                                               "PurgeQueue",
                                               "CreateQueue",
                                               "GetQueueUrl",
                                               "ListQueues",
                                               "DeleteQueue"};
  static const std::vector<std::string> members = {"QueueUrl",
                                                   "MessageBody",
                                                   "DelaySeconds",
                                                   "MessageAttributes",
                                                   "MessageSystemAttributes",
                                                   "MessageGroupId",
                                                   "MessageDeduplicationId",
                                                   "MaxNumberOfMessages",
                                                   "WaitTimeSeconds",
                                                   "VisibilityTimeout",
                                                   "MessageSystemAttributeNames",
                                                   "AttributeNames",
                                                   "MessageAttributeNames",
                                                   "ReceiveRequestAttemptId",
                                                   "ReceiptHandle",
                                                   "Entries",
                                                   "Attributes",
                                                   "QueueName"};
  env e(*rc::gen::element(models::profile::ideal, models::profile::adversarial), 1);
  const auto std_url = e.create("s");
  const auto fifo_url =
      e.create("f.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
  e.send(std_url, "x");
  e.send(fifo_url, "x", {{"MessageGroupId", "g"}});
  std::vector<std::string> strings = {std_url,
                                      fifo_url,
                                      "",
                                      "g",
                                      "All",
                                      "s",
                                      "x.fifo",
                                      "VisibilityTimeout",
                                      "AQEB00000001",
                                      "{\"maxReceiveCount\":1}"};
  for (const auto& url : {std_url, fifo_url})
    for (const auto& m : e.receive(url)) strings.push_back(m["ReceiptHandle"]);
  const auto steps =
      *rc::gen::container<std::vector<std::tuple<int, int, int, int>>>(rc::gen::resize(
          rc::kNominalSize, rc::gen::tuple(rc::gen::inRange(0, 14), rc::gen::inRange(0, 1 << 16),
                                           rc::gen::inRange(0, 9), rc::gen::inRange(0, 100))));
  for (const auto& [op, mask, kind, n] : steps) {
    json req = json::object();
    req["QueueUrl"] = (mask & 1) ? json(std_url) : json(fifo_url);
    for (std::size_t i = 0; i < members.size() && i < 16; ++i)
      if (mask & (1 << i))
        req[members[i]] = arbitrary_value((kind + static_cast<int>(i)) % 9, n, strings);
    if (mask & 2) req["QueueUrl"] = (mask & 1) ? json(std_url) : json(fifo_url);
    const auto r = e.svc.call(ops[static_cast<std::size_t>(op)], req);
    RC_ASSERT((r.ok() || (r.error->code != "InternalError" && !r.error->code.empty() &&
                          !r.error->message.empty())));
    e.advance(sim::k_second_us * (n % 5));
  }
}

BOOST_AUTO_TEST_SUITE_END()

// FIFO queues: groups, ordering, deduplication, sequence numbers [FIFOL][FIFOE][FIFOK][SM][RRAI].
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace sqs_test;

namespace {
std::string fifo(env& e, const std::string& name, json attrs = json::object()) {
  attrs["FifoQueue"] = "true";
  return e.create(name, attrs);
}
models::api_result send_g(env& e, const std::string& url, const std::string& body,
                          const std::string& group, const std::string& dedup = "") {
  json extra{{"MessageGroupId", group}};
  extra["MessageDeduplicationId"] = dedup.empty() ? body : dedup;
  return e.send(url, body, extra);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(fifo_test)

BOOST_AUTO_TEST_CASE(fifo_send_requires_message_group_id) {
  env e;
  const auto url = fifo(e, "q.fifo");
  BOOST_TEST(code_of(e.send(url, "a", {{"MessageDeduplicationId", "d"}})) == "MissingParameter");
  BOOST_TEST(code_of(e.send(url, "a", {{"MessageGroupId", "g"}})) ==
             "InvalidParameterValue");  // no dedup id
  BOOST_TEST(code_of(e.send(
                 url, "a",
                 {{"MessageGroupId", std::string(129, 'g')}, {"MessageDeduplicationId", "d"}})) ==
             "InvalidParameterValue");  // at most 128 characters
}

BOOST_AUTO_TEST_CASE(fifo_rejects_per_message_delay) {
  env e;
  const auto url = fifo(e, "q.fifo");
  BOOST_TEST(code_of(e.send(url, "a",
                            {{"MessageGroupId", "g"},
                             {"MessageDeduplicationId", "d"},
                             {"DelaySeconds", 5}})) == "InvalidParameterValue");
}

// AWS accepts DelaySeconds 0 on a FIFO queue and applies the queue's own delay: LocalStack's
// AWS-validated test_send_message_with_delay_0_works_for_fifo
// (https://github.com/localstack/localstack, tests/aws/services/sqs/test_sqs.py) and
// https://github.com/softwaremill/elasticmq/issues/273.
BOOST_AUTO_TEST_CASE(fifo_accepts_delay_seconds_zero_and_keeps_the_queue_delay) {
  env e;
  const auto url = fifo(e, "q.fifo", {{"DelaySeconds", "60"}});
  BOOST_TEST(code_of(e.send(url, "a",
                            {{"MessageGroupId", "g"},
                             {"MessageDeduplicationId", "d"},
                             {"DelaySeconds", 0}})) == "ok");
  BOOST_TEST(e.receive(url).empty());  // the queue's 60 s delay still applies
  e.advance(s_us(61));
  BOOST_TEST(e.receive(url).size() == 1u);
  // The same in a batch: 0 is accepted, another value fails that entry only.
  const auto r = e.svc.call("SendMessageBatch", {{"QueueUrl", url},
                                                 {"Entries",
                                                  {{{"Id", "zero"},
                                                    {"MessageBody", "b"},
                                                    {"MessageGroupId", "g"},
                                                    {"MessageDeduplicationId", "b"},
                                                    {"DelaySeconds", 0}},
                                                   {{"Id", "five"},
                                                    {"MessageBody", "c"},
                                                    {"MessageGroupId", "g"},
                                                    {"MessageDeduplicationId", "c"},
                                                    {"DelaySeconds", 5}}}}});
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r.response["Successful"].size() == 1u);
  BOOST_TEST(r.response["Successful"][0]["Id"] == "zero");
  BOOST_TEST_REQUIRE(r.response["Failed"].size() == 1u);
  BOOST_TEST(r.response["Failed"][0]["Id"] == "five");
  BOOST_TEST(r.response["Failed"][0]["Code"] == "InvalidParameterValue");
}

BOOST_AUTO_TEST_CASE(fifo_order_is_strict_within_a_group) {
  env e;
  const auto url = fifo(e, "q.fifo");
  for (int i = 0; i < 5; ++i) send_g(e, url, "m" + std::to_string(i), "g");
  auto m = e.receive(url, {{"MaxNumberOfMessages", 3}});
  BOOST_TEST_REQUIRE(m.size() == 3u);
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(m[static_cast<std::size_t>(i)]["Body"] == "m" + std::to_string(i));
  for (const auto& x : m) e.del(url, x["ReceiptHandle"]);
  m = e.receive(url, {{"MaxNumberOfMessages", 10}});
  BOOST_TEST_REQUIRE(m.size() == 2u);
  BOOST_TEST(m[0]["Body"] == "m3");
  BOOST_TEST(m[1]["Body"] == "m4");
}

BOOST_AUTO_TEST_CASE(fifo_group_is_blocked_while_one_of_its_messages_is_in_flight) {
  env e;
  const auto url = fifo(e, "q.fifo");
  send_g(e, url, "a1", "a");
  send_g(e, url, "a2", "a");
  send_g(e, url, "b1", "b");
  auto m = e.receive(url);
  BOOST_TEST(m[0]["Body"] == "a1");
  m = e.receive(url, {{"MaxNumberOfMessages", 10}});
  BOOST_TEST_REQUIRE(m.size() == 1u);
  BOOST_TEST(m[0]["Body"] == "b1");  // group a is blocked
  BOOST_TEST(e.receive(url).empty());
  e.advance(s_us(30));  // a1 and b1 become visible again; a1 comes back first in its group
  m = e.receive(url, {{"MaxNumberOfMessages", 10}});
  BOOST_TEST_REQUIRE(m.size() >= 1u);
  BOOST_TEST(m[0]["Body"] == "a1");
}

BOOST_AUTO_TEST_CASE(fifo_receive_fills_from_one_group_first) {
  env e;
  const auto url = fifo(e, "q.fifo");
  send_g(e, url, "a1", "a");
  send_g(e, url, "b1", "b");
  send_g(e, url, "a2", "a");
  auto m = e.receive(url, {{"MaxNumberOfMessages", 10}});
  BOOST_TEST_REQUIRE(m.size() == 3u);
  BOOST_TEST(m[0]["Body"] == "a1");
  BOOST_TEST(m[1]["Body"] == "a2");
  BOOST_TEST(m[2]["Body"] == "b1");
}

BOOST_AUTO_TEST_CASE(deduplication_window_of_5_minutes_outlives_deletion) {
  env e;
  const auto url = fifo(e, "q.fifo");
  auto first = send_g(e, url, "a", "g", "dedup-1");
  auto m = e.receive(url);
  e.del(url, m[0]["ReceiptHandle"]);
  e.advance(s_us(5 * 60) - 1);
  auto again = send_g(e, url, "a", "g", "dedup-1");
  BOOST_TEST(again.ok());  // accepted...
  BOOST_TEST(again.response["MessageId"] == first.response["MessageId"]);
  BOOST_TEST(e.receive(url).empty());  // ...but not delivered
  BOOST_TEST(e.svc.counters(url).deduplicated == 1u);
  e.advance(1);  // 5 minutes after the first send: a new message
  BOOST_TEST(send_g(e, url, "a", "g", "dedup-1").response["MessageId"] !=
             first.response["MessageId"]);
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(content_based_deduplication_uses_sha256_of_the_body) {
  env e;
  const auto url = fifo(e, "q.fifo", {{"ContentBasedDeduplication", "true"}});
  e.send(url, "same", {{"MessageGroupId", "g"}});
  e.send(url, "same",
         {{"MessageGroupId", "g"},
          {"MessageAttributes", {{"x", {{"DataType", "String"}, {"StringValue", "y"}}}}}});
  e.send(url, "other", {{"MessageGroupId", "g"}});
  auto m = e.receive(url, {{"MaxNumberOfMessages", 10}});
  BOOST_TEST_REQUIRE(m.size() == 2u);
  // The generated id is the SHA-256 of the body (attributes excluded) [CQ][SM].
  BOOST_TEST(m[0]["Attributes"]["MessageDeduplicationId"] ==
             "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5");
  // An explicit id overrides content-based deduplication.
  e.send(url, "same", {{"MessageGroupId", "g"}, {"MessageDeduplicationId", "explicit"}});
  BOOST_TEST(e.svc.counters(url).sent == 3u);
}

BOOST_AUTO_TEST_CASE(deduplication_scope_message_group_is_per_group) {
  env e;
  const auto q = fifo(e, "q.fifo");
  const auto g =
      fifo(e, "g.fifo",
           {{"DeduplicationScope", "messageGroup"}, {"FifoThroughputLimit", "perMessageGroupId"}});
  for (const auto& url : {q, g}) {
    send_g(e, url, "x", "a", "d");
    send_g(e, url, "x", "b", "d");
  }
  BOOST_TEST(e.svc.counters(q).sent == 1u);
  BOOST_TEST(e.svc.counters(g).sent == 2u);
  BOOST_TEST(code_of(e.svc.call(
                 "CreateQueue",
                 {{"QueueName", "h.fifo"},
                  {"Attributes",
                   {{"FifoQueue", "true"}, {"FifoThroughputLimit", "perMessageGroupId"}}}})) ==
             "InvalidAttributeValue");
}

BOOST_AUTO_TEST_CASE(sequence_numbers_increase_and_are_20_digits) {
  env e;
  const auto url = fifo(e, "q.fifo");
  auto a = send_g(e, url, "a", "g").response["SequenceNumber"].get<std::string>();
  auto b = send_g(e, url, "b", "g").response["SequenceNumber"].get<std::string>();
  BOOST_TEST(a.size() == 20u);
  BOOST_TEST(b.size() == 20u);
  BOOST_TEST(a < b);
}

BOOST_AUTO_TEST_CASE(fifo_late_delete_is_rejected_as_expired) {
  env e;
  const auto url = fifo(e, "q.fifo");
  send_g(e, url, "a", "g");
  auto m = e.receive(url);
  e.advance(s_us(30));
  BOOST_TEST(code_of(e.del(url, m[0]["ReceiptHandle"])) == "InvalidParameterValue");
}

BOOST_AUTO_TEST_CASE(fifo_queue_delay_change_is_retroactive) {
  env e;
  const auto url = fifo(e, "q.fifo", {{"DelaySeconds", "60"}});
  send_g(e, url, "a", "g");
  BOOST_TEST(e.receive(url).empty());
  e.svc.call("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"DelaySeconds", "0"}}}});
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(receive_request_attempt_id_replays_the_same_messages_and_handles) {
  env e;
  const auto url = fifo(e, "q.fifo");
  send_g(e, url, "a", "g");
  send_g(e, url, "b", "g");
  auto m1 = e.receive(url, {{"MaxNumberOfMessages", 2}, {"ReceiveRequestAttemptId", "try-1"}});
  e.advance(s_us(10));
  auto m2 = e.receive(url, {{"MaxNumberOfMessages", 2}, {"ReceiveRequestAttemptId", "try-1"}});
  BOOST_TEST_REQUIRE(m2.size() == 2u);
  BOOST_TEST(m1[0]["ReceiptHandle"] == m2[0]["ReceiptHandle"]);
  BOOST_TEST(m1[1]["ReceiptHandle"] == m2[1]["ReceiptHandle"]);
  e.advance(s_us(25));  // the replay reset the 30 s timeout at 10 s
  BOOST_TEST(e.receive(url).empty());
  e.del(url, m2[0]["ReceiptHandle"]);
  BOOST_TEST(
      e.receive(url, {{"ReceiveRequestAttemptId", "try-1"}}).empty());  // no replay after delete
}

BOOST_AUTO_TEST_CASE(fifo_dlq_resets_enqueue_time_and_replaces_dedup_id) {
  env e;
  const auto dlq = fifo(e, "dlq.fifo", {{"MessageRetentionPeriod", "100"}});
  const auto url = fifo(
      e, "src.fifo",
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq.fifo","maxReceiveCount":1})"}});
  auto sent = send_g(e, url, "a", "g", "d1");
  e.receive(url, {{"VisibilityTimeout", 0}});
  e.advance(s_us(60));
  BOOST_TEST(e.receive(url).empty());
  BOOST_TEST(e.count_in(url, message_state::in_dlq) == 1u);
  e.advance(s_us(99));
  auto m = e.receive(dlq, {{"VisibilityTimeout", 0}});
  BOOST_TEST_REQUIRE(m.size() == 1u);  // 159 s after the send, alive: retention restarted at 60 s
  BOOST_TEST(m[0]["Attributes"]["MessageDeduplicationId"] == sent.response["MessageId"]);
  e.advance(s_us(1));
  BOOST_TEST(e.count_in(dlq, message_state::expired) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

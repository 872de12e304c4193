// Visibility timeout, receipt handles and ChangeMessageVisibility [VT][CMV][DM][MSG].
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace sqs_test;

BOOST_AUTO_TEST_SUITE(visibility_test)

BOOST_AUTO_TEST_CASE(received_message_is_hidden_for_the_default_30_seconds) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  BOOST_TEST(e.receive(url).size() == 1u);
  e.advance(s_us(30) - 1);
  BOOST_TEST(e.receive(url).empty());
  e.advance(1);
  auto m = e.receive(url);
  BOOST_TEST_REQUIRE(m.size() == 1u);
  BOOST_TEST(m[0]["Attributes"]["ApproximateReceiveCount"] == "2");
}

BOOST_AUTO_TEST_CASE(receive_visibility_timeout_overrides_the_queue_value_for_that_receive) {
  env e;
  const auto url = e.create("q", {{"VisibilityTimeout", "60"}});
  e.send(url, "a");
  BOOST_TEST(e.receive(url, {{"VisibilityTimeout", 5}}).size() == 1u);
  e.advance(s_us(5));
  BOOST_TEST(e.receive(url).size() == 1u);  // now hidden for the queue's 60 s
  e.advance(s_us(59));
  BOOST_TEST(e.receive(url).empty());
  e.advance(s_us(1));
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(visibility_change_counts_from_the_call) {
  // The documented example: queue timeout 60 s, 15 s elapsed, set 10 s -> visible at 25 s.
  env e;
  const auto url = e.create("q", {{"VisibilityTimeout", "60"}});
  e.send(url, "a");
  auto m = e.receive(url);
  e.advance(s_us(15));
  BOOST_TEST(code_of(e.change(url, m[0]["ReceiptHandle"], 10)) == "ok");
  e.advance(s_us(10) - 1);
  BOOST_TEST(e.receive(url).empty());
  e.advance(1);
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(visibility_change_applies_to_this_receipt_only) {
  env e;
  const auto url = e.create("q");  // 30 s
  e.send(url, "a");
  auto m = e.receive(url);
  BOOST_TEST(code_of(e.change(url, m[0]["ReceiptHandle"], 300)) == "ok");
  e.advance(s_us(300));
  auto again = e.receive(url);
  BOOST_TEST_REQUIRE(again.size() == 1u);
  e.advance(s_us(30));  // the queue's 30 s applies again on the next receive
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(visibility_change_to_zero_releases_at_once) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  auto m = e.receive(url);
  BOOST_TEST(code_of(e.change(url, m[0]["ReceiptHandle"], 0)) == "ok");
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(visibility_cap_of_12_hours_runs_from_the_receive_and_is_not_clamped) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  auto m = e.receive(url);
  const std::string h = m[0]["ReceiptHandle"];
  e.advance(s_us(5));
  // 43,200 s right after a receive exceeds the remaining time; 43,195 s fits [VT].
  auto r = e.change(url, h, 43'200);
  BOOST_TEST(code_of(r) == "InvalidParameterValue");
  BOOST_TEST(code_of(e.change(url, h, 43'195)) == "ok");
  // Extensions do not reset the ceiling.
  e.advance(s_us(43'000));  // 43,005 s after the receive: 195 s left under the ceiling
  BOOST_TEST(code_of(e.change(url, h, 196)) == "InvalidParameterValue");
  BOOST_TEST(code_of(e.change(url, h, 195)) == "ok");
  BOOST_TEST(code_of(e.change(url, h, 43'201)) == "InvalidParameterValue");
}

BOOST_AUTO_TEST_CASE(change_visibility_on_a_message_not_in_flight_is_rejected) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  auto m = e.receive(url);
  e.advance(s_us(30));
  BOOST_TEST(code_of(e.change(url, m[0]["ReceiptHandle"], 10)) == "MessageNotInflight");
  auto again = e.receive(url);
  // The first handle is stale now.
  BOOST_TEST(code_of(e.change(url, m[0]["ReceiptHandle"], 10)) == "InvalidParameterValue");
  BOOST_TEST(code_of(e.del(url, again[0]["ReceiptHandle"])) == "ok");
  BOOST_TEST(code_of(e.change(url, again[0]["ReceiptHandle"], 10)) == "InvalidParameterValue");
}

BOOST_AUTO_TEST_CASE(every_receive_issues_a_new_receipt_handle) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  auto m1 = e.receive(url, {{"VisibilityTimeout", 0}});
  auto m2 = e.receive(url);
  BOOST_TEST_REQUIRE(m2.size() == 1u);
  BOOST_TEST(m1[0]["ReceiptHandle"] != m2[0]["ReceiptHandle"]);
  BOOST_TEST(m1[0]["MessageId"] == m2[0]["MessageId"]);
}

BOOST_AUTO_TEST_CASE(delete_with_stale_handle_succeeds_and_outcome_follows_the_knob) {
  for (const char* policy : {"succeed_delete", "succeed_noop"}) {
    env e(models::profile::ideal, 1, {{"sqs.stale_delete.policy", policy}});
    const auto url = e.create("q");
    e.send(url, "a");
    auto m1 = e.receive(url, {{"VisibilityTimeout", 0}});
    auto m2 = e.receive(url, {{"VisibilityTimeout", 0}});
    BOOST_TEST(code_of(e.del(url, m1[0]["ReceiptHandle"])) == "ok");  // succeeds either way [DM]
    const bool deleted = e.count_in(url, message_state::deleted) == 1;
    BOOST_TEST(deleted == (std::string(policy) == "succeed_delete"));
  }
}

BOOST_AUTO_TEST_CASE(delete_removes_a_message_even_after_its_timeout_on_standard_queues) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  auto m = e.receive(url);
  e.advance(s_us(31));
  BOOST_TEST(code_of(e.del(url, m[0]["ReceiptHandle"])) == "ok");
  BOOST_TEST(e.receive(url).empty());
  BOOST_TEST(code_of(e.del(url, m[0]["ReceiptHandle"])) == "ok");  // repeat delete is harmless
  BOOST_TEST(e.svc.counters(url).deleted == 1u);
}

BOOST_AUTO_TEST_CASE(system_attributes_report_timestamps_and_counts) {
  env e;
  const auto url = e.create("q");
  e.advance(s_us(10));
  e.send(url, "a");
  e.advance(s_us(2));
  auto m = e.receive(url, {{"VisibilityTimeout", 0}});
  e.advance(s_us(3));
  m = e.receive(url);
  BOOST_TEST_REQUIRE(m.size() == 1u);
  const auto& a = m[0]["Attributes"];
  BOOST_TEST(a["SentTimestamp"] == "1767225610000");
  BOOST_TEST(a["ApproximateFirstReceiveTimestamp"] == "1767225612000");
  BOOST_TEST(a["ApproximateReceiveCount"] == "2");
  BOOST_TEST(a["SenderId"].is_string());
  BOOST_TEST(!a.contains("SequenceNumber"));  // FIFO only
}

BOOST_AUTO_TEST_SUITE_END()

// Delays, retention, long polling, redrive to a dead-letter queue, purge
// [DELQ][TIMER][CQ][POLL][DLQ][PQ].
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace sqs_test;

namespace {
// A consumer that long-polls through call_async and records what it got and when.
struct poll_result {
  bool done = false;
  sim::time_us at = -1;
  models::api_result result;
};
void long_poll(env& e, const std::string& url, std::int64_t wait_s, poll_result& out, int max = 1) {
  e.svc.call_async("ReceiveMessage",
                   {{"QueueUrl", url}, {"WaitTimeSeconds", wait_s}, {"MaxNumberOfMessages", max}},
                   [&out, &e](models::api_result r) {
                     out.done = true;
                     out.at = e.sim.now();
                     out.result = std::move(r);
                   });
}
}  // namespace

BOOST_AUTO_TEST_SUITE(lifecycle_test)

BOOST_AUTO_TEST_CASE(queue_delay_hides_new_messages) {
  env e;
  const auto url = e.create("q", {{"DelaySeconds", "900"}});  // 15 minutes, the maximum
  e.send(url, "a");
  BOOST_TEST(e.count_in(url, message_state::delayed) == 1u);
  BOOST_TEST(e.attribute(url, "ApproximateNumberOfMessagesDelayed") == "1");
  e.advance(s_us(900) - 1);
  BOOST_TEST(e.receive(url).empty());
  e.advance(1);
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(timer_granularity_knob_rounds_timers_up_to_the_sweep) {
  env e(models::profile::ideal, 1, {{"sqs.timer.granularity", "1s"}});
  const auto url = e.create("q");
  e.advance(300 * sim::k_millisecond_us);
  e.send(url, "a", {{"DelaySeconds", 1}});  // due at 1.3 s, released by the sweep at 2 s
  e.advance(s_us(1));
  BOOST_TEST(e.receive(url).empty());
  e.advance(700 * sim::k_millisecond_us - 1);
  BOOST_TEST(e.receive(url).empty());
  e.advance(1);
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(message_timer_overrides_queue_delay_on_standard_queues) {
  env e;
  const auto url = e.create("q", {{"DelaySeconds", "60"}});
  e.send(url, "a", {{"DelaySeconds", 5}});
  e.advance(s_us(5));
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(queue_delay_change_is_not_retroactive_on_standard_queues) {
  env e;
  const auto url = e.create("q", {{"DelaySeconds", "60"}});
  e.send(url, "a");
  e.svc.call("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"DelaySeconds", "0"}}}});
  BOOST_TEST(e.receive(url).empty());
  e.advance(s_us(60));
  BOOST_TEST(e.receive(url).size() == 1u);
}

BOOST_AUTO_TEST_CASE(retention_expires_messages_from_the_original_enqueue_time) {
  env e;
  const auto url = e.create("q", {{"MessageRetentionPeriod", "60"}});
  e.send(url, "a");
  e.receive(url, {{"VisibilityTimeout", 50}});  // in flight does not protect from expiry
  e.advance(s_us(60) - 1);
  BOOST_TEST(e.count_in(url, message_state::expired) == 0u);
  e.advance(1);
  BOOST_TEST(e.count_in(url, message_state::expired) == 1u);
  BOOST_TEST(e.svc.counters(url).expired == 1u);
}

BOOST_AUTO_TEST_CASE(default_retention_is_4_days) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  e.advance(s_us(345'600) - 1);
  BOOST_TEST(e.count_in(url, message_state::visible) == 1u);
  e.advance(1);
  BOOST_TEST(e.count_in(url, message_state::expired) == 1u);
}

BOOST_AUTO_TEST_CASE(long_poll_answers_as_soon_as_a_message_is_visible) {
  env e;
  const auto url = e.create("q");
  poll_result p;
  long_poll(e, url, 20, p);
  e.sim.schedule_after(s_us(7), [&] { e.send(url, "late"); });
  e.advance(s_us(20));
  BOOST_TEST_REQUIRE(p.done);
  BOOST_TEST(p.at == s_us(7));
  BOOST_TEST(p.result.response["Messages"].size() == 1u);
}

BOOST_AUTO_TEST_CASE(long_poll_returns_empty_when_the_wait_of_20_seconds_runs_out) {
  env e;
  const auto url = e.create("q");
  poll_result p;
  long_poll(e, url, 20, p);
  e.advance(s_us(30));
  BOOST_TEST_REQUIRE(p.done);
  BOOST_TEST(p.at == s_us(20));
  BOOST_TEST(p.result.ok());
  BOOST_TEST(!p.result.response.contains("Messages"));
}

BOOST_AUTO_TEST_CASE(long_poll_uses_the_queue_wait_time_when_the_call_omits_it) {
  env e;
  const auto url = e.create("q", {{"ReceiveMessageWaitTimeSeconds", "4"}});
  poll_result p;
  e.svc.call_async("ReceiveMessage", {{"QueueUrl", url}}, [&](models::api_result r) {
    p.done = true;
    p.at = e.sim.now();
    p.result = std::move(r);
  });
  e.advance(s_us(10));
  BOOST_TEST(p.at == s_us(4));
}

BOOST_AUTO_TEST_CASE(long_poll_wakes_when_a_visibility_timeout_ends) {
  env e;
  const auto url = e.create("q");
  e.send(url, "a");
  e.receive(url);  // hidden for 30 s
  e.advance(s_us(15));
  poll_result p;
  long_poll(e, url, 20, p);
  e.advance(s_us(20));
  BOOST_TEST_REQUIRE(p.done);
  BOOST_TEST(p.at == s_us(30));
  BOOST_TEST(p.result.response["Messages"].size() == 1u);
}

// A parked long poll is served with the queue's VisibilityTimeout as it is when a message
// arrives, unless the request gave its own.
BOOST_AUTO_TEST_CASE(parked_long_poll_takes_the_queue_visibility_timeout_when_served) {
  env e;
  const auto url = e.create("q");  // 30 s
  const auto own = e.create("own");
  poll_result p, q;
  long_poll(e, url, 20, p);
  e.svc.call_async("ReceiveMessage",
                   {{"QueueUrl", own}, {"WaitTimeSeconds", 20}, {"VisibilityTimeout", 7}},
                   [&](models::api_result r) {
                     q.done = true;
                     q.result = std::move(r);
                   });
  e.advance(s_us(1));
  for (const auto& u : {url, own}) {
    BOOST_TEST(code_of(e.svc.call(
                   "SetQueueAttributes",
                   {{"QueueUrl", u}, {"Attributes", {{"VisibilityTimeout", "5"}}}})) == "ok");
    e.send(u, "a");
  }
  e.advance(s_us(1));  // received at 1 s: hidden until 6 s (url) and 8 s (own)
  BOOST_TEST_REQUIRE(p.done);
  BOOST_TEST_REQUIRE(q.done);
  e.advance(s_us(4) - 1);
  BOOST_TEST(e.receive(url).empty());
  BOOST_TEST(e.receive(own).empty());
  e.advance(1);
  BOOST_TEST(e.receive(url).size() == 1u);  // hidden for the queue's new 5 s
  BOOST_TEST(e.receive(own).empty());       // hidden for the request's own 7 s
  e.advance(s_us(2));
  BOOST_TEST(e.receive(own).size() == 1u);
}

BOOST_AUTO_TEST_CASE(waiting_long_polls_are_served_oldest_first_in_ideal) {
  env e;
  const auto url = e.create("q");
  poll_result first, second;
  long_poll(e, url, 20, first);
  e.advance(s_us(1));
  long_poll(e, url, 20, second);
  e.sim.schedule_after(s_us(2), [&] { e.send(url, "a"); });
  e.advance(s_us(30));
  BOOST_TEST(first.result.response.contains("Messages"));
  BOOST_TEST(first.at == s_us(3));
  BOOST_TEST(!second.result.response.contains("Messages"));
  BOOST_TEST(second.at == s_us(21));
}

BOOST_AUTO_TEST_CASE(async_immediate_answers_arrive_in_virtual_time) {
  env e;
  const auto url = e.create("q");
  bool done = false;
  e.svc.call_async("SendMessage", {{"QueueUrl", url}, {"MessageBody", "a"}},
                   [&](models::api_result r) { done = r.ok(); });
  BOOST_TEST(!done);
  e.advance(0);
  BOOST_TEST(done);
}

BOOST_AUTO_TEST_CASE(async_answers_arrive_within_the_api_latency_knob) {
  env e(models::profile::ideal, 4, {{"sqs.api.latency_max", "100ms"}});
  const auto url = e.create("q");
  std::vector<sim::time_us> arrivals;
  for (int i = 0; i < 20; ++i)
    e.svc.call_async("SendMessage", {{"QueueUrl", url}, {"MessageBody", "a"}},
                     [&](models::api_result) { arrivals.push_back(e.sim.now()); });
  BOOST_TEST(e.svc.counters(url).sent == 20u);  // state changed when the request was handled
  e.advance(s_us(1));
  BOOST_TEST_REQUIRE(arrivals.size() == 20u);
  bool some_late = false;
  for (auto t : arrivals) {
    BOOST_TEST(t <= 100 * sim::k_millisecond_us);
    some_late |= t > 0;
  }
  BOOST_TEST(some_late);
}

BOOST_AUTO_TEST_CASE(redrive_moves_a_message_after_max_receive_count_receives) {
  env e;
  const auto dlq = e.create("dlq");
  const auto url = e.create(
      "src",
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":2})"}});
  e.send(url, "a");
  BOOST_TEST(e.receive(url, {{"VisibilityTimeout", 0}}).size() == 1u);
  BOOST_TEST(e.receive(url, {{"VisibilityTimeout", 0}}).size() == 1u);
  // The count would exceed maxReceiveCount: moved on this receive, not returned.
  BOOST_TEST(e.receive(url).empty());
  BOOST_TEST(e.svc.counters(url).moved_to_dlq == 1u);
  BOOST_TEST(e.count_in(url, message_state::in_dlq) == 1u);
  auto m = e.receive(dlq);
  BOOST_TEST_REQUIRE(m.size() == 1u);
  BOOST_TEST(m[0]["Attributes"]["DeadLetterQueueSourceArn"] ==
             "arn:aws:sqs:us-east-1:123456789012:src");
  BOOST_TEST(m[0]["Attributes"]["ApproximateReceiveCount"] == "3");  // counts across queues [RM]
}

BOOST_AUTO_TEST_CASE(redrive_policy_is_validated) {
  env e;
  e.create("dlq");
  e.create("dlq.fifo", {{"FifoQueue", "true"}});
  const auto url = e.create("src");
  auto set = [&](const std::string& v) {
    return code_of(e.svc.call("SetQueueAttributes",
                              {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", v}}}}));
  };
  BOOST_TEST(
      set(R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":0})") ==
      "InvalidAttributeValue");
  BOOST_TEST(
      set(R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":1001})") ==
      "InvalidAttributeValue");
  BOOST_TEST(
      set(R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:nope","maxReceiveCount":5})") ==
      "InvalidAttributeValue");
  BOOST_TEST(
      set(R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq.fifo","maxReceiveCount":5})") ==
      "InvalidAttributeValue");
  BOOST_TEST(
      set(R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":"5"})") ==
      "ok");
  BOOST_TEST(set("not json") == "InvalidAttributeValue");
}

BOOST_AUTO_TEST_CASE(standard_dlq_keeps_the_original_enqueue_time_for_retention) {
  env e;
  const auto dlq = e.create("dlq", {{"MessageRetentionPeriod", "100"}});
  const auto url = e.create(
      "src",
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":1})"}});
  e.send(url, "a");
  e.receive(url, {{"VisibilityTimeout", 0}});
  e.advance(s_us(60));
  BOOST_TEST(e.receive(url).empty());  // moved at 60 s
  e.advance(s_us(40) - 1);
  BOOST_TEST(e.count_in(dlq, message_state::visible) == 1u);
  e.advance(1);  // 100 s after the original send
  BOOST_TEST(e.count_in(dlq, message_state::expired) == 1u);
}

BOOST_AUTO_TEST_CASE(dlq_move_timing_on_visibility_expiry_moves_without_a_receive) {
  env e(models::profile::ideal, 1, {{"sqs.dlq.move_timing", "on_visibility_expiry"}});
  const auto dlq = e.create("dlq");
  const auto url = e.create(
      "src",
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":1})"}});
  e.send(url, "a");
  e.receive(url);
  e.advance(s_us(30));
  BOOST_TEST(e.count_in(url, message_state::in_dlq) == 1u);
  BOOST_TEST(e.count_in(dlq, message_state::visible) == 1u);
}

BOOST_AUTO_TEST_CASE(purge_may_take_up_to_60_seconds_in_aws_documented) {
  env e(models::profile::aws_documented, 3);
  const auto url = e.create("q");
  for (int i = 0; i < 5; ++i) e.send(url, "m");
  e.advance(s_us(1));
  BOOST_TEST(code_of(e.svc.call("PurgeQueue", {{"QueueUrl", url}})) == "ok");
  e.send(url, "after");  // sent after the purge request: kept in this model
  e.advance(s_us(60));
  BOOST_TEST(e.svc.counters(url).purged == 5u);
  BOOST_TEST(e.count_in(url, message_state::visible) + e.count_in(url, message_state::in_flight) +
                 e.count_in(url, message_state::delayed) ==
             1u);
}

BOOST_AUTO_TEST_CASE(in_flight_cap_gives_over_limit_to_short_polls_only) {
  env e(models::profile::ideal, 1, {{"sqs.inflight.max_standard", 2}});
  const auto url = e.create("q");
  for (int i = 0; i < 3; ++i) e.send(url, "m");
  BOOST_TEST(e.receive(url, {{"MaxNumberOfMessages", 10}}).size() == 2u);
  auto r = e.svc.call("ReceiveMessage", {{"QueueUrl", url}});
  BOOST_TEST(code_of(r) == "OverLimit");
  poll_result p;
  long_poll(e, url, 5, p);
  e.advance(s_us(5));
  BOOST_TEST(p.done);
  BOOST_TEST(p.result.ok());
  BOOST_TEST(!p.result.response.contains("Messages"));
}

BOOST_AUTO_TEST_CASE(every_state_change_is_a_trace_event) {
  env e;
  e.sim.trace().enable(true);
  e.sim.trace().keep_lines(true);
  const auto url = e.create("q", {{"DelaySeconds", "1"}});
  e.send(url, "a");
  e.advance(s_us(1));
  auto m = e.receive(url);
  e.advance(s_us(30));
  m = e.receive(url);
  e.change(url, m[0]["ReceiptHandle"], 5);
  e.del(url, m[0]["ReceiptHandle"]);
  std::vector<std::string> types;
  for (const auto& line : e.sim.trace().lines()) {
    const auto j = json::parse(line);
    if (j["type"].get<std::string>().rfind("sqs.", 0) == 0) types.push_back(j["type"]);
  }
  const std::vector<std::string> expected = {"sqs.queue_created",      "sqs.message_sent",
                                             "sqs.message_visible",    "sqs.message_received",
                                             "sqs.message_returned",   "sqs.message_received",
                                             "sqs.visibility_changed", "sqs.message_deleted"};
  BOOST_TEST(types == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_copy_comes_back_after_a_delete_and_is_counted) {
  // Forced with probability 1: one ghost at the receive, one at the delete [ALO][DM].
  env e(models::profile::ideal, 3,
        {{"sqs.duplicate.probability", 1.0}, {"sqs.duplicate.delay_max", "10s"}});
  const auto url = e.create("q");
  const std::string id = e.send(url, "a").response["MessageId"];
  auto m = e.receive(url);
  BOOST_TEST(code_of(e.del(url, m[0]["ReceiptHandle"])) == "ok");
  e.advance(s_us(10));
  auto again = e.receive(url, {{"MaxNumberOfMessages", 10}});
  BOOST_TEST_REQUIRE(again.size() == 2u);
  BOOST_TEST(again[0]["MessageId"] == id);
  BOOST_TEST(again[1]["MessageId"] == id);
  BOOST_TEST(e.svc.counters(url).duplicates_created == 2u);
  std::size_t copies = 0;
  for (const auto& row : e.svc.census(url)) copies += row.message_id == id ? 1 : 0;
  BOOST_TEST(copies == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

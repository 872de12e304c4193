// The event source mapping on virtual time, against the SQS model: each test cites the rule.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (WSQS),
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html (ERR),
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (SCALE),
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html (FILT).
#include "esm_world.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

using namespace esm_world;  // NOLINT: the shared test world

BOOST_AUTO_TEST_SUITE(esm_test)

// WSQS: after a successful invocation Lambda deletes all the batch's messages.
BOOST_AUTO_TEST_CASE(success_deletes_the_whole_batch) {
  world w;
  for (int i = 0; i < 3; ++i) w.send("m" + std::to_string(i));
  BOOST_TEST_REQUIRE(!w.start());
  w.run_until(10 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 1u);
  BOOST_TEST(w.runtime.calls[0].event["Records"].size() == 3u);
  BOOST_TEST(w.counters().deleted == 3u);
}

// WSQS, ERR: any invocation failure returns every message of the batch after the visibility
// timeout; the next receive counts.
BOOST_AUTO_TEST_CASE(an_error_returns_the_whole_batch_after_the_visibility_timeout) {
  world w(json{{"VisibilityTimeout", "30"}});
  w.runtime.handler = [&w](const invocation&) {
    invocation_result r;
    r.raised = w.runtime.calls.size() == 1;  // the first invoke raises, the second returns
    r.error_type = "ValueError";
    return r;
  };
  w.send("a");
  w.send("b");
  BOOST_TEST_REQUIRE(!w.start());
  w.run_until(29 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 1u);
  BOOST_TEST(w.counters().deleted == 0u);
  w.run_until(40 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.runtime.calls[1].event["Records"].size() == 2u);
  BOOST_TEST(w.runtime.calls[1].event["Records"][0]["attributes"]["ApproximateReceiveCount"] ==
             "2");
  BOOST_TEST(w.counters().deleted == 2u);
}

// WSQS: with ReportBatchItemFailures the listed messages become visible again, the rest are
// deleted.
BOOST_AUTO_TEST_CASE(partial_batch_response_returns_only_the_listed_items) {
  world w(json{{"VisibilityTimeout", "30"}});
  w.runtime.handler = [&w](const invocation& inv) {
    invocation_result r;
    if (w.runtime.calls.size() == 1) {
      r.response = {{"batchItemFailures", json::array({{{"itemIdentifier", ids_of(inv)[1]}}})}};
    }
    return r;
  };
  for (const char* b : {"a", "b", "c"}) w.send(b);
  models::lambda::esm_config c;
  c.mapping.report_batch_item_failures = true;
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(10 * k_s);
  BOOST_TEST(w.counters().deleted == 2u);
  w.run_until(45 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.runtime.calls[1].event["Records"].size() == 1u);
  BOOST_TEST(w.runtime.calls[1].event["Records"][0]["body"] == "b");
  BOOST_TEST(w.counters().deleted == 3u);
}

// ERR, WSQS: a timed-out invocation fails the whole batch; LIFE: the environment is reset, so
// the next invoke is a cold start in a new environment. A raised error keeps the environment.
BOOST_AUTO_TEST_CASE(timeout_fails_the_batch_and_resets_the_environment) {
  world w(json{{"VisibilityTimeout", "30"}});
  models::lambda::esm_config c;
  c.function.timeout_us = 3 * k_s;
  c.duration_min_us = c.duration_max_us = 5 * k_s;  // longer than the timeout
  w.send("a");
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(20 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 1u);
  BOOST_TEST(w.runtime.calls[0].cold);
  BOOST_TEST(w.runtime.calls[0].deadline_us == w.runtime.calls[0].deadline_us);
  BOOST_TEST(w.runtime.gone == std::vector<std::uint64_t>{1});
  BOOST_TEST(w.counters().deleted == 0u);
  w.run_until(40 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.runtime.calls[1].cold);
  BOOST_TEST(w.runtime.calls[1].environment == 2u);
}

// LIFE: an environment is reused for later invokes (warm); the context's deadline is the invoke's
// start plus the function timeout.
BOOST_AUTO_TEST_CASE(warm_environment_is_reused) {
  world w;
  models::lambda::esm_config c;
  c.function.timeout_us = 10 * k_s;
  w.send("a");
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(5 * k_s);
  w.send("b");
  w.run_until(10 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.runtime.calls[0].cold);
  BOOST_TEST(!w.runtime.calls[1].cold);
  BOOST_TEST(w.runtime.calls[1].environment == w.runtime.calls[0].environment);
  BOOST_TEST(w.runtime.calls[1].deadline_us == 5 * k_s + 10 * k_s);
}

// FILT: a message that matches no filter is deleted by Lambda and never reaches the function.
BOOST_AUTO_TEST_CASE(non_matching_messages_are_deleted_unseen) {
  world w;
  models::lambda::esm_config c;
  c.mapping.filter_criteria = {
      {"Filters", json::array({{{"Pattern", R"({"body": {"status": ["Stopping"]}})"}}})}};
  w.send(R"({"token":"t1"})");
  w.send(R"({"token":"t2","status":"Stopping"})");
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(10 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 1u);
  BOOST_TEST(w.runtime.calls[0].event["Records"].size() == 1u);
  BOOST_TEST(w.counters().deleted == 2u);
  BOOST_TEST(w.esm->counters().filtered == 1u);
}

// WSQS: with a batching window Lambda keeps polling until the window ends, the batch is full or
// the payload limit is hit: a lone message waits out the window; a batch above 10 spans receives.
BOOST_AUTO_TEST_CASE(batching_window_gathers_messages) {
  world w;
  models::lambda::esm_config c;
  c.mapping.batching_window_us = 5 * k_s;
  std::vector<sim::time_us> at;
  w.runtime.handler = [&](const invocation&) {
    at.push_back(w.sim.now());
    return invocation_result{};
  };
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(1 * k_s);
  w.send("a");
  w.run_until(20 * k_s);
  BOOST_TEST_REQUIRE(at.size() == 1u);
  BOOST_TEST(at[0] >= 6 * k_s);

  world big;
  models::lambda::esm_config b;
  b.mapping.batch_size = 15;
  b.mapping.batching_window_us = 2 * k_s;
  for (int i = 0; i < 25; ++i) big.send("m" + std::to_string(i));
  BOOST_TEST_REQUIRE(!big.start(b));
  big.run_until(20 * k_s);
  std::size_t largest = 0;
  for (const invocation& inv : big.runtime.calls) {
    largest = std::max<std::size_t>(largest, inv.event["Records"].size());
  }
  BOOST_TEST(largest == 15u);
}

// WSQS: Lambda keeps no retry count of its own; the queue's maxReceiveCount moves a message that
// keeps failing to the dead-letter queue.
BOOST_AUTO_TEST_CASE(failing_messages_reach_the_queues_dlq) {
  world w;
  const std::string dlq_arn = "arn:aws:sqs:us-east-1:123456789012:dlq";
  BOOST_TEST_REQUIRE(w.sqs.call("CreateQueue", {{"QueueName", "dlq"}}).ok());
  BOOST_TEST_REQUIRE(
      w.sqs
          .call("SetQueueAttributes",
                {{"QueueUrl", w.url},
                 {"Attributes",
                  {{"VisibilityTimeout", "10"},
                   {"RedrivePolicy",
                    json{{"deadLetterTargetArn", dlq_arn}, {"maxReceiveCount", 2}}.dump()}}}})
          .ok());
  w.runtime.handler = [](const invocation&) {
    invocation_result r;
    r.raised = true;
    return r;
  };
  w.send("poison");
  BOOST_TEST_REQUIRE(!w.start());
  w.run_until(2 * sim::k_minute_us);
  BOOST_TEST(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.counters().moved_to_dlq == 1u);
}

// SCALE: pollers start with 5 concurrent batches; MaximumConcurrency caps them.
BOOST_AUTO_TEST_CASE(concurrency_starts_at_five_and_respects_maximum_concurrency) {
  for (const std::optional<std::int64_t> max :
       {std::optional<std::int64_t>{}, std::optional<std::int64_t>{2}}) {
    world w(json{{"VisibilityTimeout", "120"}});
    models::lambda::esm_config c;
    c.mapping.batch_size = 1;
    c.mapping.maximum_concurrency = max;
    c.function.timeout_us = 60 * k_s;
    c.duration_min_us = c.duration_max_us = 30 * k_s;
    for (int i = 0; i < 20; ++i) w.send("m" + std::to_string(i));
    BOOST_TEST_REQUIRE(!w.start(c));
    w.run_until(29 * k_s);  // within the first round of invokes
    BOOST_TEST(w.runtime.calls.size() == static_cast<std::size_t>(max.value_or(5)));
  }
}

// KCS: the mapping ignores reserved concurrency when polling; invokes beyond it are throttled
// and retried until the visibility timeout, then the batch is dropped and comes back.
BOOST_AUTO_TEST_CASE(reserved_concurrency_throttles_overpulled_batches) {
  world w(json{{"VisibilityTimeout", "30"}});
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.function.reserved_concurrency = 1;
  c.function.timeout_us = 30 * k_s;
  c.duration_min_us = c.duration_max_us = 20 * k_s;
  w.send("a");
  w.send("b");
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(10 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 1u);
  BOOST_TEST(w.esm->counters().throttles > 0u);
}

// CFG: CreateEventSourceMapping refuses a function timeout above the queue's visibility timeout.
BOOST_AUTO_TEST_CASE(start_refuses_a_timeout_above_the_visibility_timeout) {
  world w(json{{"VisibilityTimeout", "30"}});
  models::lambda::esm_config c;
  c.function.timeout_us = 60 * k_s;
  const auto e = w.start(c);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->message ==
             "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds");
}

// WSQS/SCALE: FIFO group order is kept: after a failure the group's messages are retried, in
// order, before Lambda takes more of that group.
BOOST_AUTO_TEST_CASE(fifo_failure_blocks_the_group_until_retried) {
  world w(json{{"VisibilityTimeout", "30"}, {"ContentBasedDeduplication", "true"}}, "q.fifo");
  w.runtime.handler = [&w](const invocation&) {
    invocation_result r;
    r.raised = w.runtime.calls.size() == 1;
    return r;
  };
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  w.send("first", {{"MessageGroupId", "g"}});
  w.send("second", {{"MessageGroupId", "g"}});
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(60 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() >= 3u);
  std::vector<std::string> bodies;
  for (const invocation& inv : w.runtime.calls) {
    bodies.push_back(inv.event["Records"][0]["body"].get<std::string>());
  }
  BOOST_TEST((std::vector<std::string>(bodies.begin(), bodies.begin() + 3) ==
              std::vector<std::string>{"first", "first", "second"}));
}

// WSQS: with a batching window, when window + function timeout exceed the queue's visibility
// timeout, the effective visibility timeout is window + timeout + 30 s (here applied through the
// receive's VisibilityTimeout; the knob turns the rule off).
BOOST_AUTO_TEST_CASE(effective_visibility_timeout_with_a_window) {
  for (const bool extend : {true, false}) {
    world w(json{{"VisibilityTimeout", "30"}});
    models::lambda::esm_config c;
    c.mapping.batching_window_us = 10 * k_s;
    c.function.timeout_us = 25 * k_s;
    std::vector<sim::time_us> at;
    w.runtime.handler = [&](const invocation&) {
      at.push_back(w.sim.now());
      invocation_result r;
      r.raised = at.size() == 1;
      return r;
    };
    w.send("a");
    BOOST_TEST_REQUIRE(!w.start(c, json{{"lambda.effective_visibility.extend", extend}}));
    w.run_until(3 * sim::k_minute_us);
    BOOST_TEST_REQUIRE(at.size() == 2u);
    // Received at 0: back after 65 s (10 + 25 + 30) with the rule, after 30 s without; the
    // window then runs again before the invoke.
    const sim::time_us back = extend ? 65 * k_s : 30 * k_s;
    BOOST_TEST(at[1] >= back, extend);
    BOOST_TEST(at[1] < back + 12 * k_s, extend);
  }
}

// SCALE, BLOG300: 5 concurrent batches at first, then up to 300 more per minute while messages
// keep coming.
BOOST_AUTO_TEST_CASE(pollers_scale_up_after_the_first_minute) {
  world w(json{{"VisibilityTimeout", "120"}});
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.function.timeout_us = 60 * k_s;
  c.duration_min_us = c.duration_max_us = 20 * k_s;
  for (int i = 0; i < 60; ++i) w.send("m" + std::to_string(i));
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(59 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 15u);  // three rounds of 5
  w.run_until(70 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 60u);  // the target jumped by 300 at 1m
}

// ERR, WSQS: a thrown exception is a complete failure even with ReportBatchItemFailures on.
BOOST_AUTO_TEST_CASE(an_exception_fails_the_whole_batch_even_with_rbif) {
  world w(json{{"VisibilityTimeout", "30"}});
  w.runtime.handler = [](const invocation& inv) {
    invocation_result r;
    r.raised = true;
    r.response = {{"batchItemFailures", json::array({{{"itemIdentifier", ids_of(inv)[0]}}})}};
    return r;
  };
  models::lambda::esm_config c;
  c.mapping.report_batch_item_failures = true;
  w.send("a");
  w.send("b");
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(20 * k_s);
  BOOST_TEST(w.counters().deleted == 0u);
}

// MODEL, WSQS: a batch holds fewer records than BatchSize when they would pass the 6 MB payload
// limit (here lowered by its knob); the rest start the next batch.
BOOST_AUTO_TEST_CASE(payload_limit_splits_a_batch) {
  world w;
  const std::string body(3000, 'x');
  for (int i = 0; i < 4; ++i) w.send(body);
  BOOST_TEST_REQUIRE(!w.start({}, json{{"lambda.payload.max_bytes", 7000}}));
  w.run_until(20 * k_s);
  std::size_t largest = 0, total = 0;
  for (const invocation& inv : w.runtime.calls) {
    largest = std::max<std::size_t>(largest, inv.event["Records"].size());
    total += inv.event["Records"].size();
  }
  BOOST_TEST(largest == 2u);
  BOOST_TEST(total == 4u);
}

// ERR: the handler should report the first failure of a FIFO group and everything after it;
// Lambda does not enforce it (as_listed); keep_rest_of_group keeps the group's later records too.
BOOST_AUTO_TEST_CASE(fifo_partial_response_listing_a_middle_record) {
  for (const char* policy : {"as_listed", "keep_rest_of_group"}) {
    world w(json{{"VisibilityTimeout", "30"}, {"ContentBasedDeduplication", "true"}}, "q.fifo");
    w.runtime.handler = [&w](const invocation& inv) {
      invocation_result r;
      if (w.runtime.calls.size() == 1) {
        r.response = {{"batchItemFailures", json::array({{{"itemIdentifier", ids_of(inv)[1]}}})}};
      }
      return r;
    };
    models::lambda::esm_config c;
    c.mapping.report_batch_item_failures = true;
    for (const char* b : {"1", "2", "3"}) w.send(b, {{"MessageGroupId", "g"}});
    BOOST_TEST_REQUIRE(!w.start(c, json{{"lambda.fifo.partial_response", policy}}));
    w.run_until(10 * k_s);
    BOOST_TEST_REQUIRE(w.runtime.calls.size() == 1u);
    BOOST_TEST(w.counters().deleted == (std::string(policy) == "as_listed" ? 2u : 1u), policy);
  }
}

BOOST_AUTO_TEST_SUITE_END()

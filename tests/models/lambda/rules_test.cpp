// Documented rules of the SQS trigger that the other suites do not check: back-off after errors
// and throttles, duplicates from lost acknowledgements and failed deletes, execution environment
// reuse, init and reaping, and a few configuration ranges. Each test names its source; the table
// of rules and their tests is RULES.md next to this file.
#include "esm_world.hpp"
#include "models/lambda/mapping.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

using namespace esm_world;  // NOLINT: the shared test world

namespace {

// Invokes that started in [from, to).
std::size_t started_between(const fake_runtime& rt, sim::time_us from, sim::time_us to) {
  return static_cast<std::size_t>(
      std::count_if(rt.started_us.begin(), rt.started_us.end(),
                    [&](sim::time_us t) { return t >= from && t < to; }));
}

invocation_result raise_error(const invocation&) {
  invocation_result r;
  r.raised = true;
  r.error_type = "RuntimeError";
  return r;
}

// Every message raises; batches of one; invokes last 10 s; plenty of messages stay visible.
models::lambda::esm_config failing_mapping(world& w, int messages) {
  w.runtime.handler = raise_error;
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.function.timeout_us = 60 * k_s;
  c.duration_min_us = c.duration_max_us = 10 * k_s;
  for (int i = 0; i < messages; ++i) w.send("m" + std::to_string(i));
  return c;
}

std::string not_visible(world& w) {
  const auto r =
      w.sqs.call("GetQueueAttributes",
                 {{"QueueUrl", w.url},
                  {"AttributeNames", json::array({"ApproximateNumberOfMessagesNotVisible"})}});
  return r.response["Attributes"]["ApproximateNumberOfMessagesNotVisible"].get<std::string>();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rules_test)

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html: after a function
// error Lambda gradually lowers the concurrency it gives the mapping. With the back-off off
// (factor 1.0) the 5 first batches keep going.
BOOST_AUTO_TEST_CASE(function_errors_lower_the_mappings_concurrency) {
  for (const double factor : {0.5, 1.0}) {
    world w(json{{"VisibilityTimeout", "120"}});
    const auto c = failing_mapping(w, 40);
    BOOST_TEST_REQUIRE(!w.start(
        c, json{{"lambda.backoff.error_factor", factor}, {"lambda.env.cold_start", "0s"}}));
    w.run_until(30 * k_s);
    BOOST_TEST(started_between(w.runtime, 0, 10 * k_s) == 5u, factor);
    if (factor < 1.0) {
      BOOST_TEST(started_between(w.runtime, 10 * k_s, 20 * k_s) < 5u, factor);
    } else {
      BOOST_TEST(started_between(w.runtime, 10 * k_s, 20 * k_s) == 5u, factor);
    }
  }
}

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html: with
// ReportBatchItemFailures on, failed invocations do not make Lambda scale polling down
// (lambda.backoff.disabled_with_rbif; adversarial turns it off).
BOOST_AUTO_TEST_CASE(with_rbif_failures_do_not_scale_polling_down) {
  for (const bool disabled : {true, false}) {
    world w(json{{"VisibilityTimeout", "120"}});
    auto c = failing_mapping(w, 40);
    c.mapping.report_batch_item_failures = true;
    BOOST_TEST_REQUIRE(!w.start(
        c, json{{"lambda.backoff.disabled_with_rbif", disabled}, {"lambda.env.cold_start", "0s"}}));
    w.run_until(30 * k_s);
    const std::size_t second_round = started_between(w.runtime, 10 * k_s, 20 * k_s);
    BOOST_TEST((disabled ? second_round == 5u : second_round < 5u), disabled);
  }
}

// https://repost.aws/knowledge-center/lambda-sqs-scaling: scaling up needs messages in the
// queue and no function errors; errors hold it back. (The back-off itself is off here, so only
// the hold shows: still 5 batches at a time after the first minute.)
BOOST_AUTO_TEST_CASE(function_errors_hold_back_scaling_up) {
  world w(json{{"VisibilityTimeout", "120"}});
  auto c = failing_mapping(w, 60);
  c.duration_min_us = c.duration_max_us = 20 * k_s;
  BOOST_TEST_REQUIRE(
      !w.start(c, json{{"lambda.backoff.error_factor", 1.0}, {"lambda.env.cold_start", "0s"}}));
  w.run_until(70 * k_s);
  BOOST_TEST(started_between(w.runtime, 60 * k_s, 70 * k_s) == 5u);
  BOOST_TEST(w.runtime.calls.size() == 20u);  // four rounds of 5, no jump at 1m
}

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html: a throttled
// invoke is retried until the message's time in flight passes the visibility timeout, then
// dropped: SQS makes it visible again and the next receive counts (retries within one receive do
// not). https://repost.aws/knowledge-center/lambda-sqs-scaling: the mapping ignores reserved
// concurrency when polling, so it holds more messages than it can invoke.
BOOST_AUTO_TEST_CASE(throttled_batch_is_retried_until_the_visibility_timeout_then_returns) {
  world w(json{{"VisibilityTimeout", "30"}});
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.function.reserved_concurrency = 1;
  c.function.timeout_us = 30 * k_s;
  c.duration_min_us = c.duration_max_us = 28 * k_s;  // done before its own message reappears
  w.send("a");
  w.send("b");
  // Retries every 3 s: the last one that fits is at 24 s; at 27 s the batch is given up.
  BOOST_TEST_REQUIRE(
      !w.start(c, json{{"lambda.env.cold_start", "0s"}, {"lambda.backoff.throttle_retry", "3s"}}));
  w.run_until(5 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 1u);
  BOOST_TEST(not_visible(w) == "2");             // overpull: both received, one invoked
  BOOST_TEST(w.esm->counters().throttles > 1u);  // retried, not given up at once
  w.run_until(29 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 1u);
  w.run_until(45 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  const json& rec = w.runtime.calls[1].event["Records"][0];
  BOOST_TEST(rec["body"] != w.runtime.calls[0].event["Records"][0]["body"]);
  BOOST_TEST(rec["attributes"]["ApproximateReceiveCount"] == "2");
  BOOST_TEST(w.runtime.started_us[1] >= 30 * k_s);
}

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html: when
// MaximumConcurrency is reached the mapping stops reading, so it holds no message it cannot
// invoke.
BOOST_AUTO_TEST_CASE(maximum_concurrency_pulls_no_more_than_it_invokes) {
  world w(json{{"VisibilityTimeout", "120"}});
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.mapping.maximum_concurrency = 2;
  c.function.timeout_us = 60 * k_s;
  c.duration_min_us = c.duration_max_us = 30 * k_s;
  for (int i = 0; i < 10; ++i) w.send("m" + std::to_string(i));
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(10 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 2u);
  BOOST_TEST(not_visible(w) == "2");
}

// https://repost.aws/knowledge-center/lambda-sqs-scaling: the account's concurrency (default
// 1,000; 3 here) caps the mapping's invokes below its pollers; the others are throttled.
BOOST_AUTO_TEST_CASE(account_concurrency_caps_the_invokes) {
  world w(json{{"VisibilityTimeout", "120"}});
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.function.timeout_us = 60 * k_s;
  c.duration_min_us = c.duration_max_us = 30 * k_s;
  for (int i = 0; i < 10; ++i) w.send("m" + std::to_string(i));
  BOOST_TEST_REQUIRE(!w.start(c, json{{"lambda.account.concurrency", 3}}));
  w.run_until(29 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 3u);
  BOOST_TEST(w.esm->counters().throttles > 0u);
}

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html: MaximumConcurrency set
// above the function's reserved concurrency lets the mapping pull batches Lambda then throttles.
BOOST_AUTO_TEST_CASE(maximum_concurrency_above_reserved_concurrency_throttles) {
  world w(json{{"VisibilityTimeout", "120"}});
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.mapping.maximum_concurrency = 4;
  c.function.reserved_concurrency = 2;
  c.function.timeout_us = 60 * k_s;
  c.duration_min_us = c.duration_max_us = 30 * k_s;
  for (int i = 0; i < 10; ++i) w.send("m" + std::to_string(i));
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(29 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.esm->counters().throttles > 0u);
  BOOST_TEST(not_visible(w) == "4");
}

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html: on a FIFO queue
// concurrency scales up to the number of active message groups (2 here, below the 5 pollers).
BOOST_AUTO_TEST_CASE(fifo_concurrency_is_bounded_by_active_groups) {
  world w(json{{"VisibilityTimeout", "120"}, {"ContentBasedDeduplication", "true"}}, "q.fifo");
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.function.timeout_us = 60 * k_s;
  c.duration_min_us = c.duration_max_us = 30 * k_s;
  for (const char* g : {"g1", "g2"}) {
    for (int i = 0; i < 3; ++i)
      w.send(std::string(g) + "-" + std::to_string(i), {{"MessageGroupId", g}});
  }
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(29 * k_s);
  BOOST_TEST(w.runtime.calls.size() == 2u);
}

// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html: an execution environment
// serves one invoke at a time, so concurrent batches run in distinct (here all new) environments.
BOOST_AUTO_TEST_CASE(concurrent_invokes_run_in_distinct_environments) {
  world w(json{{"VisibilityTimeout", "120"}});
  models::lambda::esm_config c;
  c.mapping.batch_size = 1;
  c.function.timeout_us = 60 * k_s;
  c.duration_min_us = c.duration_max_us = 30 * k_s;
  for (int i = 0; i < 5; ++i) w.send("m" + std::to_string(i));
  BOOST_TEST_REQUIRE(!w.start(c));
  w.run_until(29 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 5u);
  std::vector<std::uint64_t> envs;
  for (const invocation& inv : w.runtime.calls) {
    BOOST_TEST(inv.cold);
    envs.push_back(inv.environment);
  }
  std::sort(envs.begin(), envs.end());
  BOOST_TEST((std::adjacent_find(envs.begin(), envs.end()) == envs.end()));
}

// https://repost.aws/knowledge-center/lambda-function-process-sqs-messages: Lambda invoked the
// function but got no acknowledgement; it deletes nothing and the message is processed again
// after the visibility timeout.
BOOST_AUTO_TEST_CASE(lost_acknowledgement_deletes_nothing_and_the_batch_comes_back) {
  world w(
      json{{"VisibilityTimeout", "30"}}, "q",
      std::make_unique<forcing_strategy>(std::map<std::string, int>{{"lambda.fn.lost_ack", 1}}));
  w.send("a");
  BOOST_TEST_REQUIRE(!w.start({}, json{{"lambda.invoke.lost_ack_probability", 0.5}}));
  w.run_until(20 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 1u);
  BOOST_TEST(w.counters().deleted == 0u);
  w.run_until(45 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(ids_of(w.runtime.calls[1]) == ids_of(w.runtime.calls[0]));
  BOOST_TEST(w.counters().deleted == 1u);
}

// https://repost.aws/knowledge-center/lambda-function-process-sqs-messages: Lambda failed to
// delete a message after a successful batch; it comes back after its visibility timeout and is
// processed again (only that one: the rest of the batch was deleted).
BOOST_AUTO_TEST_CASE(failed_delete_brings_the_message_back) {
  world w(json{{"VisibilityTimeout", "30"}}, "q",
          std::make_unique<forcing_strategy>(
              std::map<std::string, int>{{"lambda.fn.delete.failed", 1}}));
  w.send("a");
  w.send("b");
  BOOST_TEST_REQUIRE(!w.start({}, json{{"lambda.delete.failure_probability", 0.5}}));
  w.run_until(20 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 1u);
  BOOST_TEST(w.runtime.calls[0].event["Records"].size() == 2u);
  BOOST_TEST(w.counters().deleted == 1u);
  w.run_until(45 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(ids_of(w.runtime.calls[1]) == std::vector<std::string>{ids_of(w.runtime.calls[0])[0]});
  BOOST_TEST(w.counters().deleted == 2u);
}

// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html: Lambda may reuse
// an environment or start a new one, and code must not assume reuse. With lambda.env.reuse "any"
// which one serves the batch is a choice point: its first option is the most recent idle one,
// its last a new (cold) environment.
BOOST_AUTO_TEST_CASE(environment_reuse_is_a_choice_point) {
  for (const int forced : {0, 1}) {
    world w(json::object(), "q",
            std::make_unique<forcing_strategy>(
                std::map<std::string, int>{{"lambda.fn.environment", forced}}));
    w.send("a");
    BOOST_TEST_REQUIRE(!w.start({}, json{{"lambda.env.reuse", "any"}}));
    w.run_until(5 * k_s);
    w.send("b");
    w.run_until(10 * k_s);
    BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
    BOOST_TEST(w.runtime.calls[1].cold == (forced == 1), forced);
    BOOST_TEST(w.runtime.calls[1].environment == (forced == 1 ? 2u : 1u), forced);
  }
}

// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html: Init runs once
// per environment, before its first invoke; the Invoke phase is what the function timeout
// bounds. Init length is lambda.env.cold_start (2 s here): the cold invoke starts 2 s after the
// batch, its deadline is timeout after that; a warm invoke starts at once.
BOOST_AUTO_TEST_CASE(cold_start_delays_the_first_invoke_and_is_not_in_the_timeout) {
  world w;
  models::lambda::esm_config c;
  c.function.timeout_us = 3 * k_s;
  w.send("a");
  BOOST_TEST_REQUIRE(!w.start(c, json{{"lambda.env.cold_start", "2s"}}));
  w.run_until(10 * k_s);
  w.send("b");
  w.run_until(20 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.runtime.calls[0].cold);
  BOOST_TEST(w.runtime.started_us[0] == 2 * k_s);
  BOOST_TEST(w.runtime.calls[0].deadline_us == 5 * k_s);
  BOOST_TEST(!w.runtime.calls[1].cold);
  BOOST_TEST(w.runtime.started_us[1] == 10 * k_s);
  BOOST_TEST(w.counters().deleted == 2u);  // init did not eat into the 3 s timeout
}

// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html: an idle
// environment is eventually shut down; the next invoke is a cold start (after
// lambda.env.idle_reap, 10 s here).
BOOST_AUTO_TEST_CASE(idle_environment_is_shut_down_after_the_reap_time) {
  world w;
  w.send("a");
  BOOST_TEST_REQUIRE(!w.start({}, json{{"lambda.env.idle_reap", "10s"}}));
  w.run_until(30 * k_s);
  w.send("b");
  w.run_until(40 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.runtime.calls[1].cold);
  BOOST_TEST(w.runtime.calls[1].environment == 2u);
  BOOST_TEST(w.runtime.gone == std::vector<std::uint64_t>{1});
}

// https://github.com/aws/aws-lambda-python-runtime-interface-client: a handler exception is
// posted and the process keeps running, so the next invoke there is warm (module state kept).
BOOST_AUTO_TEST_CASE(a_raised_error_keeps_the_environment_warm) {
  world w(json{{"VisibilityTimeout", "30"}});
  w.runtime.handler = [&w](const invocation& inv) {
    return w.runtime.calls.size() == 1 ? raise_error(inv) : invocation_result{};
  };
  w.send("a");
  BOOST_TEST_REQUIRE(!w.start());
  w.run_until(45 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(!w.runtime.calls[1].cold);
  BOOST_TEST(w.runtime.calls[1].environment == w.runtime.calls[0].environment);
  BOOST_TEST(w.runtime.gone.empty());
  BOOST_TEST(w.counters().deleted == 1u);
}

// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html: a runtime crash fails the whole
// batch (every message comes back); lambda-runtime-environment.html: after a crash Lambda resets
// the environment, so the next invoke runs init again.
BOOST_AUTO_TEST_CASE(a_runtime_crash_fails_the_batch_and_resets_the_environment) {
  world w(json{{"VisibilityTimeout", "30"}});
  w.runtime.handler = [&w](const invocation&) {
    invocation_result r;
    r.runtime_exited = w.runtime.calls.size() == 1;
    return r;
  };
  w.send("a");
  w.send("b");
  BOOST_TEST_REQUIRE(!w.start());
  w.run_until(20 * k_s);
  BOOST_TEST(w.counters().deleted == 0u);
  BOOST_TEST(w.runtime.gone == std::vector<std::uint64_t>{1});
  w.run_until(45 * k_s);
  BOOST_TEST_REQUIRE(w.runtime.calls.size() == 2u);
  BOOST_TEST(w.runtime.calls[1].event["Records"].size() == 2u);
  BOOST_TEST(w.runtime.calls[1].cold);
  BOOST_TEST(w.counters().deleted == 2u);
}

// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (Model shape
// CreateFunctionRequest): MemorySize 128-32,768 MB.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html: reserved
// concurrency is a count (not negative).
BOOST_AUTO_TEST_CASE(memory_size_and_reserved_concurrency_ranges) {
  using models::lambda::validate_function;
  models::lambda::function_config f;
  for (const std::int64_t ok : {128, 32'768}) {
    f.memory_mb = ok;
    BOOST_TEST(!validate_function(f), ok);
  }
  for (const std::int64_t bad : {127, 32'769}) {
    f.memory_mb = bad;
    BOOST_TEST(validate_function(f).has_value(), bad);
  }
  f.memory_mb = 128;
  f.reserved_concurrency = -1;
  BOOST_TEST(validate_function(f).has_value());
  f.reserved_concurrency = 0;
  BOOST_TEST(!validate_function(f));
}

// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html: a record's attributes include
// AWSTraceHeader when the message carries it (tracing on); SQS's own attributes Lambda does not
// list stay out.
BOOST_AUTO_TEST_CASE(record_passes_the_trace_header) {
  const models::knob_values k(models::lambda::knobs(), models::profile::aws_documented);
  const json m{{"MessageId", "id"},
               {"ReceiptHandle", "rh"},
               {"Body", "b"},
               {"MD5OfBody", "x"},
               {"Attributes",
                {{"ApproximateReceiveCount", "1"},
                 {"AWSTraceHeader", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"}}}};
  const json r =
      models::lambda::make_record(m, {"arn:aws:sqs:us-east-1:1:q", "us-east-1", false}, k);
  BOOST_TEST(r["attributes"]["AWSTraceHeader"] ==
             "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
}

BOOST_AUTO_TEST_SUITE_END()

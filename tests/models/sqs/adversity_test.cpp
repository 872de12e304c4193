// Seedable standard-queue adversity and determinism: duplicates, reordering, latency,
// short-poll sampling, false-empty long polls; same seed => same delivery sequence.
#include "fixture.hpp"
#include "sim/trace.hpp"

#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <memory>

using namespace sqs_test;

namespace {

struct workload_result {
  std::uint64_t digest = 0;
  std::vector<std::string> delivered;  // bodies in delivery order
  std::map<std::string, int> deliveries_by_id;
  models::sqs::queue_counters counters;
  std::vector<std::uint64_t> picks;  // every choice-point answer, in order
};

// A producer sends 40 messages, one every 100 ms; a consumer long-polls (20 s), "processes"
// each message for 500 ms and deletes it, forgetting to delete every 7th delivery.
workload_result run_workload(models::profile p, std::uint64_t seed, const json& overrides = nullptr,
                             const json& queue_overrides = nullptr,
                             std::unique_ptr<sim::strategy> strategy = nullptr) {
  auto e = std::make_unique<env>(p, seed, overrides, std::move(strategy));
  e->sim.trace().enable(true);
  if (!queue_overrides.is_null()) e->svc.set_queue_knobs("work", queue_overrides);
  const auto url = e->create("work");
  const auto producer = e->sim.lane("producer");
  const auto consumer = e->sim.lane("consumer");
  for (int i = 0; i < 40; ++i)
    e->sim.schedule_at(
        i * 100 * sim::k_millisecond_us, [&e, url, i] { e->send(url, "m" + std::to_string(i)); },
        producer);
  workload_result out;
  int count = 0;
  std::function<void()> poll = [&] {
    e->svc.call_async(
        "ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}, {"MaxNumberOfMessages", 3}},
        [&](models::api_result r) {
          for (const auto& m : r.response.value("Messages", json::array())) {
            out.delivered.push_back(m["Body"]);
            ++out.deliveries_by_id[m["MessageId"]];
            const bool forget = ++count % 7 == 0;
            const std::string h = m["ReceiptHandle"];
            if (!forget)
              e->sim.schedule_after(
                  500 * sim::k_millisecond_us, [&e, url, h] { e->del(url, h); }, consumer);
          }
          if (e->sim.now() < s_us(120)) e->sim.schedule_after(0, poll, consumer);
        },
        consumer);
  };
  e->sim.schedule_at(0, poll, consumer);
  e->sim.run({s_us(200)});
  out.digest = e->sim.trace().digest();
  out.counters = e->svc.counters(url);
  for (const auto& c : e->sim.choices()) out.picks.push_back(c.pick);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(adversity_test)

BOOST_AUTO_TEST_CASE(same_seed_gives_the_same_delivery_sequence_in_every_profile) {
  for (auto p :
       {models::profile::ideal, models::profile::aws_documented, models::profile::adversarial}) {
    const auto a = run_workload(p, 42);
    const auto b = run_workload(p, 42);
    BOOST_TEST(a.digest == b.digest, "profile " << models::to_string(p));
    BOOST_TEST(a.delivered == b.delivered);
    BOOST_TEST(!a.delivered.empty());
  }
}

BOOST_AUTO_TEST_CASE(same_seed_gives_the_same_fifo_delivery_sequence_in_every_profile) {
  auto run = [](models::profile p, std::uint64_t seed) {
    env e(p, seed);
    e.sim.trace().enable(true);
    const auto url =
        e.create("f.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}});
    std::vector<std::string> order;
    for (int i = 0; i < 30; ++i)
      e.send(url, "m" + std::to_string(i), {{"MessageGroupId", "g" + std::to_string(i % 4)}});
    for (int round = 0; round < 20; ++round) {
      for (const auto& m : e.receive(url, {{"MaxNumberOfMessages", 3}})) {
        order.push_back(m["Body"]);
        if (round % 3 != 0) e.del(url, m["ReceiptHandle"]);
      }
      e.advance(s_us(11));
    }
    return std::make_pair(e.sim.trace().digest(), order);
  };
  for (auto p :
       {models::profile::ideal, models::profile::aws_documented, models::profile::adversarial}) {
    const auto a = run(p, 5), b = run(p, 5);
    BOOST_TEST(a.first == b.first);
    BOOST_TEST(a.second == b.second);
  }
  BOOST_TEST(run(models::profile::adversarial, 5).second !=
             run(models::profile::adversarial, 6).second);
}

BOOST_AUTO_TEST_CASE(recorded_choices_replay_the_same_run) {
  // Every delivery decision goes through choice points, so replaying the picks reproduces the
  // run, and a shortened pick list (the rest nominal) still runs to completion.
  const auto recorded = run_workload(models::profile::adversarial, 11);
  BOOST_TEST_REQUIRE(!recorded.picks.empty());
  const auto replayed = run_workload(models::profile::adversarial, 11, nullptr, nullptr,
                                     std::make_unique<sim::replay_strategy>(recorded.picks));
  BOOST_TEST(replayed.digest == recorded.digest);
  BOOST_TEST(replayed.delivered == recorded.delivered);
  auto half = recorded.picks;
  half.resize(half.size() / 2);
  const auto shortened = run_workload(models::profile::adversarial, 11, nullptr, nullptr,
                                      std::make_unique<sim::replay_strategy>(half));
  BOOST_TEST(shortened.deliveries_by_id.size() == 40u);
}

BOOST_AUTO_TEST_CASE(different_seeds_differ_in_adversarial) {
  const auto a = run_workload(models::profile::adversarial, 1);
  const auto b = run_workload(models::profile::adversarial, 2);
  BOOST_TEST(a.digest != b.digest);
}

BOOST_AUTO_TEST_CASE(ideal_profile_has_no_duplicates_and_keeps_order) {
  const auto r = run_workload(models::profile::ideal, 7);
  BOOST_TEST(r.counters.duplicates_created == 0u);
  // Every message is delivered; redeliveries come only from the forgotten deletes.
  BOOST_TEST(r.deliveries_by_id.size() == 40u);
  std::vector<std::string> firsts;
  std::map<std::string, bool> seen;
  for (const auto& b : r.delivered)
    if (!seen[b]) {
      seen[b] = true;
      firsts.push_back(b);
    }
  for (std::size_t i = 0; i < firsts.size(); ++i) BOOST_TEST(firsts[i] == "m" + std::to_string(i));
}

BOOST_AUTO_TEST_CASE(adversarial_profile_delivers_duplicates_that_outlive_a_delete) {
  std::uint64_t dups = 0;
  bool redelivered_after_delete = false;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const auto r = run_workload(models::profile::adversarial, seed);
    dups += r.counters.duplicates_created;
    for (const auto& [id, n] : r.deliveries_by_id) redelivered_after_delete |= n > 1;
  }
  BOOST_TEST(dups > 0u);
  BOOST_TEST(redelivered_after_delete);
}

BOOST_AUTO_TEST_CASE(adversarial_profile_reorders_within_the_window) {
  bool reordered = false;
  for (std::uint64_t seed = 1; seed <= 5 && !reordered; ++seed) {
    const auto r = run_workload(models::profile::adversarial, seed);
    for (std::size_t i = 1; i < r.delivered.size(); ++i)
      reordered |= std::stoi(r.delivered[i].substr(1)) < std::stoi(r.delivered[i - 1].substr(1));
  }
  BOOST_TEST(reordered);
}

BOOST_AUTO_TEST_CASE(per_queue_knobs_override_the_profile) {
  const json calm{{"sqs.duplicate.probability", 0.0},
                  {"sqs.reorder.window", "0s"},
                  {"sqs.send_to_visible.latency_max", "0s"},
                  {"sqs.receive.false_empty_probability", 0.0},
                  {"sqs.stale_delete.policy", "succeed_delete"},
                  {"sqs.long_poll.waiter_order", "fifo"}};
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const auto r = run_workload(models::profile::adversarial, seed, nullptr, calm);
    BOOST_TEST(r.counters.duplicates_created == 0u);
  }
  env e;
  BOOST_CHECK_THROW(e.svc.set_queue_knobs("q", {{"sqs.no_such_knob", 1}}), models::knob_error);
}

BOOST_AUTO_TEST_CASE(short_poll_sampling_can_return_fewer_than_available) {
  env e(models::profile::adversarial, 5);
  const auto url = e.create("q");
  for (int i = 0; i < 8; ++i) e.send(url, "m");
  e.advance(s_us(3));  // past the send-to-visible latency
  bool fewer = false;
  for (int i = 0; i < 20 && !fewer; ++i) {
    auto m = e.receive(url, {{"MaxNumberOfMessages", 8}, {"VisibilityTimeout", 0}});
    fewer = m.size() < 8;
    e.advance(s_us(1));
  }
  BOOST_TEST(fewer);
}

BOOST_AUTO_TEST_CASE(send_to_visible_latency_is_bounded_by_the_knob) {
  env e(models::profile::ideal, 9, {{"sqs.send_to_visible.latency_max", "2s"}});
  const auto url = e.create("q");
  for (int i = 0; i < 20; ++i) e.send(url, "m");
  e.advance(s_us(2));
  BOOST_TEST(e.receive(url, {{"MaxNumberOfMessages", 10}}).size() == 10u);
  BOOST_TEST(e.receive(url, {{"MaxNumberOfMessages", 10}}).size() == 10u);
}

BOOST_AUTO_TEST_CASE(nominal_strategy_runs_the_ideal_schedule_even_in_adversarial) {
  // Option 0 is nominal at every SQS choice point: no duplicate, no reorder, no miss.
  sim::simulation s(1, std::make_unique<sim::nominal_strategy>());
  models::sqs::service svc(s,
                           models::knob_values(models::sqs::knobs(), models::profile::adversarial));
  const std::string url = svc.call("CreateQueue", {{"QueueName", "q"}}).response["QueueUrl"];
  for (int i = 0; i < 10; ++i)
    svc.call("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m" + std::to_string(i)}});
  for (int i = 0; i < 10; ++i) {
    auto r = svc.call("ReceiveMessage", {{"QueueUrl", url}});
    BOOST_TEST_REQUIRE(r.response.contains("Messages"));
    BOOST_TEST(r.response["Messages"][0]["Body"] == "m" + std::to_string(i));
    svc.call("DeleteMessage",
             {{"QueueUrl", url}, {"ReceiptHandle", r.response["Messages"][0]["ReceiptHandle"]}});
  }
  BOOST_TEST(svc.counters(url).duplicates_created == 0u);
}

// sqs.api.server_error_probability: a 5xx answer, and only the 500 "after effect" kind changes
// the queue ([BC-Retry] has SDKs retry both; whether the request landed is the caller's problem).
BOOST_AUTO_TEST_CASE(server_errors_carry_out_the_request_only_after_effect) {
  env e(models::profile::ideal, 3, {{"sqs.api.server_error_probability", 1.0}});
  const std::string url =
      e.svc.call_from_aws("CreateQueue", {{"QueueName", "q"}}).response["QueueUrl"];
  int unavailable = 0;
  int internal = 0;
  for (int i = 0; i < 60; ++i) {
    const models::api_result r = e.send(url, "m" + std::to_string(i));
    BOOST_TEST_REQUIRE(!r.ok());
    if (r.error->code == "ServiceUnavailable") {
      BOOST_TEST(r.error->http_status == 503);
      ++unavailable;
    } else {
      BOOST_TEST(r.error->code == "InternalFailure");
      BOOST_TEST(r.error->http_status == 500);
      ++internal;
    }
  }
  std::uint64_t after_effect = 0;
  for (const sim::choice_record& c : e.sim.choices()) {
    if (c.label == "sqs.api.server_error.kind") after_effect += c.pick == 2;
  }
  BOOST_TEST(unavailable > 0);
  BOOST_TEST(internal > 0);
  BOOST_TEST(after_effect > 0U);
  BOOST_TEST(e.svc.counters(url).sent == after_effect);
  // Calls from inside AWS (SageMaker's own sends) never see an injected fault.
  BOOST_TEST(e.svc.call_from_aws("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}}).ok());
}

// sqs.api.throttle_probability: RequestThrottled (400) before any effect.
BOOST_AUTO_TEST_CASE(throttled_calls_have_no_effect) {
  env e(models::profile::ideal, 3, {{"sqs.api.throttle_probability", 1.0}});
  const std::string url =
      e.svc.call_from_aws("CreateQueue", {{"QueueName", "q"}}).response["QueueUrl"];
  for (int i = 0; i < 10; ++i) {
    const models::api_result r = e.send(url, "m");
    BOOST_TEST_REQUIRE(!r.ok());
    BOOST_TEST(r.error->code == "RequestThrottled");
    BOOST_TEST(r.error->http_status == 400);
  }
  BOOST_TEST(e.svc.counters(url).sent == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

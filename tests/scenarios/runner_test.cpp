// The runner: determinism, and the bundled verdicts holding whatever the seed.
#include "scenarios/runner.hpp"

#include "scenarios/scenario.hpp"
#include "sim/strategy.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <algorithm>
#include <string>

BOOST_AUTO_TEST_SUITE(runner_test)

scenarios::scenario bundled(const std::string& name) {
  return scenarios::load_scenario(PIPESIM_SOURCE_DIR "/scenarios/library/" + name + ".json");
}

std::string failures(const scenarios::run_report& r) {
  std::string out;
  for (const auto* checks : {&r.expectations, &r.invariants}) {
    for (const scenarios::check_result& c : *checks) {
      if (!c.ok) out += c.name + ": " + c.detail + "\n";
    }
  }
  return out;
}

BOOST_AUTO_TEST_CASE(same_scenario_and_seed_give_the_same_trace) {
  const scenarios::scenario sc = bundled("stop_during_callback");
  scenarios::run_options a;
  a.keep_trace_lines = true;
  scenarios::run_options b;
  b.keep_trace_lines = true;
  const scenarios::run_report ra = scenarios::run_scenario(sc, std::move(a));
  const scenarios::run_report rb = scenarios::run_scenario(sc, std::move(b));
  BOOST_TEST(ra.digest == rb.digest);
  BOOST_TEST(ra.trace_lines == rb.trace_lines);
  BOOST_TEST(ra.ok(), failures(ra));
}

BOOST_AUTO_TEST_CASE(replaying_the_recorded_picks_reproduces_the_run) {
  const scenarios::scenario sc = bundled("duplicate_delivery");
  scenarios::run_options first;
  first.seed = 99;
  const scenarios::run_report original = scenarios::run_scenario(sc, std::move(first));
  scenarios::run_options again;
  again.seed = 99;
  again.strategy = std::make_unique<sim::replay_strategy>(original.choices);
  BOOST_TEST(scenarios::run_scenario(sc, std::move(again)).digest == original.digest);
}

BOOST_AUTO_TEST_CASE(the_report_json_has_the_documented_members) {
  const scenarios::run_report r = scenarios::run_scenario(bundled("second_stop_new_token"));
  const nlohmann::json j = r.to_json();
  for (const char* key :
       {"seed", "executions", "actions", "expectations", "invariants", "events", "sim_time"}) {
    BOOST_TEST(j.contains(key), key);
  }
  BOOST_TEST(j["executions"]["run"]["status"] == "Stopped");
  BOOST_TEST(j["actions"]["1"]["ok"] == true);
  BOOST_TEST(j["actions"]["2"]["error"]["code"] == "ValidationException");
  BOOST_TEST(j["invariants"].size() == scenarios::invariant_names().size());
}

// The library's verdicts are properties of the race, not of one lucky seed. Not
// consumer_ignores_stopping: its consumer has the ignores-status bug, and when SQS delivers the
// Stopping message twice (documented at-least-once delivery; seed 74776580) it starts the job
// again after the stop, which stop_cleans_up rightly reports. scenarios/bugs/ignores_status.json
// is where explore finds that.
RC_BOOST_PROP(bundled_verdicts_hold_for_any_seed, (std::uint64_t seed)) {
  for (const char* name :
       {"stop_during_callback", "double_stop_same_token", "duplicate_delivery",
        "consumer_crash_after_side_effect", "parallelism_fan_out", "stop_after_success",
        "stop_in_delay_window", "second_stop_new_token", "dlq_after_max_receive_count"}) {
    scenarios::run_options o;
    o.seed = seed;
    const scenarios::run_report r = scenarios::run_scenario(bundled(name), std::move(o));
    RC_ASSERT(failures(r) == std::string());
  }
}

// Under the adversarial profile (duplicates, reordering, latency, 1 s timers) expectations about
// exact counts may change, but the built-in invariants must still hold for the correct consumer.
RC_BOOST_PROP(invariants_hold_under_adversity_for_the_correct_consumer, (std::uint64_t seed)) {
  scenarios::scenario sc = bundled("stop_during_callback");
  sc.selected_profile = models::profile::adversarial;
  scenarios::run_options o;
  o.seed = seed;
  const scenarios::run_report r = scenarios::run_scenario(sc, std::move(o));
  for (const scenarios::check_result& c : r.invariants) RC_ASSERT(c.ok);
}

// A scenario can script a consumer step by step: "as" binds the whole response and a path
// reaches into it (ReceiveMessage's first message's receipt handle feeds DeleteMessage).
BOOST_AUTO_TEST_CASE(an_action_can_use_any_member_of_an_earlier_response) {
  const nlohmann::json doc = nlohmann::json::parse(R"({
    "pipesim": 1, "name": "scripted", "queues": {"jobs": {"visibility_timeout": "30s"}},
    "actions": [
      {"at": "0s", "call": "SendMessage", "as": "sent",
       "params": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
                  "MessageBody": "hello"}},
      {"at": "1s", "call": "ReceiveMessage", "as": "got",
       "params": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
                  "WaitTimeSeconds": 0}},
      {"at": "2s", "call": "DeleteMessage", "expect": {"ok": true},
       "params": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
                  "ReceiptHandle": "${got.Messages[0].ReceiptHandle}"}},
      {"at": "3s", "call": "ReceiveMessage", "as": "none",
       "params": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
                  "WaitTimeSeconds": 0}},
      {"at": "4s", "call": "DeleteMessage", "expect": {"error": "UnresolvedReference"},
       "params": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
                  "ReceiptHandle": "${none.Messages.0.ReceiptHandle}"}}
    ],
    "expect": {"queues": {"jobs": {"sent": 1, "received": {"min": 1, "max": 1}, "deleted": 1}},
               "invariants": ["message_conservation"]}
  })");
  scenarios::run_options o;
  o.strategy = std::make_unique<sim::nominal_strategy>();
  const scenarios::run_report r =
      scenarios::run_scenario(scenarios::parse_scenario(doc, "t"), std::move(o));
  BOOST_TEST(r.ok(), failures(r));
  const nlohmann::json j = r.to_json();
  // --json shows each action's response body: the MessageId SendMessage returned is the one
  // ReceiveMessage delivered.
  BOOST_TEST(j["actions"]["0"]["response"]["MessageId"] ==
             j["actions"]["1"]["response"]["Messages"][0]["MessageId"]);
  BOOST_TEST(j["actions"]["4"]["error"]["message"].get<std::string>().find("has no \"Messages\"") !=
             std::string::npos);
}

// A count range holds for any count inside it and fails outside, naming the range.
BOOST_AUTO_TEST_CASE(queue_counts_accept_a_range) {
  scenarios::scenario sc = bundled("stop_during_callback");
  sc.expect.queues["callbacks"].sent = scenarios::count_range{3, 5};
  const scenarios::run_report r = scenarios::run_scenario(sc);
  const auto it = std::find_if(
      r.expectations.begin(), r.expectations.end(),
      [](const scenarios::check_result& c) { return c.id == "expect.queue.callbacks.sent"; });
  BOOST_REQUIRE(it != r.expectations.end());
  BOOST_TEST(it->name == "queue callbacks sent between 3 and 5");
  BOOST_TEST(!it->ok);
  BOOST_TEST(it->detail == "it is 2");
}

// An expected status that AWS leaves open and a knob decides: the FAIL line names the knob and
// its value.
BOOST_AUTO_TEST_CASE(a_failed_expectation_decided_by_a_knob_names_it) {
  scenarios::scenario sc = bundled("stop_during_callback");
  sc.expect.executions["run"].steps["ExternalTraining"] = "Stopped";
  const scenarios::run_report r = scenarios::run_scenario(sc);
  const auto it = std::find_if(r.expectations.begin(), r.expectations.end(),
                               [](const scenarios::check_result& c) {
                                 return c.id == "expect.execution.run.steps.ExternalTraining";
                               });
  BOOST_REQUIRE(it != r.expectations.end());
  BOOST_TEST(!it->ok);
  BOOST_TEST(it->detail.find("stop.answer_failure_step_status = Failed") != std::string::npos,
             it->detail);
}

BOOST_AUTO_TEST_SUITE_END()

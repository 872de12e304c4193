// Property tests for a consumer, the way a user writes them: RapidCheck generates schedules
// (which faults are on, and the pick of every choice point), pipesim runs the scenario with the
// consumer under each, and the built-in invariants plus the scenario's expectations judge it.
#include "callback_consumer.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <memory>
#include <pipesim/rapidcheck.hpp>
#include <string>

namespace {

// Start an execution, stop it while the callback step's training job runs.
const pipesim::scenario& stop_during_training() {
  static const pipesim::scenario sc =
      pipesim::scenario::load(PIPESIM_SOURCE_DIR "/examples/stop_during_training.json");
  return sc;
}

std::map<std::string, pipesim::consumer_factory> worker(examples::consumer_bugs bugs) {
  return {{"worker", [bugs] { return std::make_unique<examples::callback_consumer>(bugs); }}};
}

// Checks a property that must fail with RapidCheck's public rc::check, and returns what the
// minimal counterexample's run reported. RapidCheck shrinks by running candidates and keeping the
// failing ones, so the last failing run it made is the minimal one.
std::string must_fail(examples::consumer_bugs bugs) {
  auto last_failure = std::make_shared<std::string>();
  const bool held = rc::check("the consumer with this bug fails a schedule",
                              [bugs, last_failure](const pipesim::schedule& s) {
                                const pipesim::run_report r = pipesim::run_schedule(
                                    stop_during_training(), s.picks, s.faults, worker(bugs));
                                if (!r.ok()) *last_failure = pipesim::describe_failure(r);
                                pipesim::rc_assert_passes(r);
                              });
  BOOST_TEST_REQUIRE(!held, "the property held, so the bug was not found");
  BOOST_TEST_MESSAGE("minimal counterexample:\n" << *last_failure);
  return *last_failure;
}

// The same bug through pipesim::explore: found, shrunk, and the shrunk schedule replays.
pipesim::explore_failure explored(examples::consumer_bugs bugs) {
  pipesim::explore_options o;
  o.runs = 3000;
  o.seed = 1;
  o.consumers = worker(bugs);
  const pipesim::explore_result r = pipesim::explore(stop_during_training(), o);
  BOOST_TEST_REQUIRE(r.failure.has_value(), "explore passed " << r.runs << " runs");
  pipesim::run_options replay = r.failure->replay_options();
  replay.consumers = o.consumers;
  const pipesim::run_report again = pipesim::run(stop_during_training(), replay);
  BOOST_TEST(pipesim::first_failed_check(again) == pipesim::first_failed_check(r.failure->report));
  BOOST_TEST(again.choices == r.failure->report.choices);
  BOOST_TEST_MESSAGE("explore: run " << r.failure->run_index << ", " << r.failure->original_choices
                                     << " choice points -> " << r.failure->deviations.size()
                                     << " deviations\n"
                                     << pipesim::describe_failure(r.failure->report));
  return *r.failure;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(consumer_properties_test)

// (a) The correct consumer: cleans up on Stopping, answers with a ClientRequestToken, checks a
// redelivered message's execution before starting anything. Passes every schedule.
RC_BOOST_PROP(correct_consumer_passes_every_schedule, (const pipesim::schedule& s)) {
  pipesim::rc_assert_passes(
      pipesim::run_schedule(stop_during_training(), s.picks, s.faults, worker({})));
}

BOOST_AUTO_TEST_CASE(correct_consumer_passes_exploration) {
  pipesim::explore_options o;
  o.runs = 300;
  o.seed = 20261125;
  o.consumers = worker({});
  const pipesim::explore_result r = pipesim::explore(stop_during_training(), o);
  BOOST_TEST(!r.failure.has_value(),
             (r.failure ? pipesim::describe_failure(r.failure->report) : std::string()));
  BOOST_TEST(r.runs == o.runs);
}

// (b) Three buggy consumers, each found by RapidCheck and by explore, with short schedules.

BOOST_AUTO_TEST_CASE(ignoring_status_is_found) {
  // The stop waits for the whole training job instead of its cancellation.
  const auto failure = must_fail({/*ignore_status=*/true, false, false});
  BOOST_TEST(failure.find("FAIL execution run is Stopped by 30m") != std::string::npos, failure);
  const pipesim::explore_failure f = explored({true, false, false});
  BOOST_TEST(f.failed_check == "expect.execution.run.by");  // Stopped by 30m
  BOOST_TEST(f.deviations.size() <= 1U);
}

BOOST_AUTO_TEST_CASE(non_idempotent_start_is_found) {
  const auto failure = must_fail({false, /*not_idempotent=*/true, false});
  BOOST_TEST(failure.find("FAIL resource_created_once") != std::string::npos, failure);
  const pipesim::explore_failure f = explored({false, true, false});
  BOOST_TEST(f.failed_check == "resource_created_once");
  BOOST_TEST(f.deviations.size() <= 2U);
}

BOOST_AUTO_TEST_CASE(deleting_before_answering_is_found) {
  const auto failure = must_fail({false, false, /*delete_before_answer=*/true});
  BOOST_TEST(failure.find("FAIL liveness") != std::string::npos, failure);
  const pipesim::explore_failure f = explored({false, false, true});
  BOOST_TEST(f.failed_check == "liveness");
  BOOST_TEST(f.deviations.size() <= 2U);
}

BOOST_AUTO_TEST_SUITE_END()

// The run loop: limits, stop reasons, lanes and same-instant races.
#include "sim/simulation.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

BOOST_AUTO_TEST_SUITE(simulation_test)

BOOST_AUTO_TEST_CASE(an_empty_simulation_stops_at_once_because_the_queue_is_empty) {
  sim::simulation s(1);
  const sim::run_result r = s.run();
  BOOST_TEST(r.reason == sim::stop_reason::queue_empty);
  BOOST_TEST(r.events == 0u);
  BOOST_TEST(sim::to_string(r.reason) == "queue_empty");
}

BOOST_AUTO_TEST_CASE(the_clock_jumps_to_each_event_before_its_handler_runs) {
  sim::simulation s(1);
  std::vector<sim::time_us> seen;
  s.schedule_at(5 * sim::k_second_us, [&] { seen.push_back(s.now()); });
  s.schedule_at(2 * sim::k_second_us, [&] {
    seen.push_back(s.now());
    s.schedule_after(sim::k_second_us, [&] { seen.push_back(s.now()); });
  });
  s.run();
  BOOST_TEST(seen == (std::vector<sim::time_us>{2'000'000, 3'000'000, 5'000'000}),
             boost::test_tools::per_element());
  BOOST_TEST(s.now() == 5 * sim::k_second_us);
}

BOOST_AUTO_TEST_CASE(the_horizon_stops_the_run_and_advances_the_clock_to_it) {
  sim::simulation s(1);
  int fired = 0;
  s.schedule_at(10, [&] { ++fired; });
  s.schedule_at(30, [&] { ++fired; });
  const sim::run_result r = s.run(sim::run_limits{20, 100});
  BOOST_TEST(r.reason == sim::stop_reason::horizon_reached);
  BOOST_TEST(fired == 1);
  BOOST_TEST(r.now_us == 20);
  BOOST_TEST(s.pending_events() == 1u);  // nothing is lost: a later run continues
  BOOST_TEST(s.run().reason == sim::stop_reason::queue_empty);
  BOOST_TEST(fired == 2);
}

BOOST_AUTO_TEST_CASE(the_event_limit_stops_the_run) {
  sim::simulation s(1);
  std::function<void()> forever = [&] { s.schedule_after(1, forever); };
  s.schedule_at(0, forever);
  const sim::run_result r = s.run(sim::run_limits{sim::run_limits{}.horizon_us, 1000});
  BOOST_TEST(r.reason == sim::stop_reason::event_limit_reached);
  BOOST_TEST(r.events == 1000u);
  BOOST_TEST(s.dispatched() == 1000u);
}

BOOST_AUTO_TEST_CASE(a_handler_can_stop_the_run_with_a_reason) {
  sim::simulation s(1);
  int fired = 0;
  s.schedule_at(1, [&] {
    ++fired;
    s.stop("invariant broke");
  });
  s.schedule_at(2, [&] { ++fired; });
  const sim::run_result r = s.run();
  BOOST_TEST(r.reason == sim::stop_reason::stop_requested);
  BOOST_TEST(r.detail == "invariant broke");
  BOOST_TEST(fired == 1);
}

BOOST_AUTO_TEST_CASE(a_checker_runs_after_every_event_and_can_stop_the_run) {
  sim::simulation s(1);
  int value = 0;
  int checks = 0;
  for (int i = 1; i <= 5; ++i) s.schedule_at(i, [&value] { ++value; });
  s.after_each_event([&] {
    ++checks;
    if (value == 3) s.stop("value reached 3");
  });
  const sim::run_result r = s.run();
  BOOST_TEST(checks == 3);
  BOOST_TEST(r.reason == sim::stop_reason::stop_requested);
  BOOST_TEST(r.detail == "value reached 3");
}

BOOST_AUTO_TEST_CASE(scheduling_in_the_past_is_a_programming_error) {
  sim::simulation s(1);
  s.schedule_at(10, [&] { BOOST_CHECK_THROW(s.schedule_at(5, [] {}), std::logic_error); });
  s.run();
  BOOST_CHECK_THROW(s.schedule_at(
                        0, [] {}, 99),
                    std::logic_error);  // unknown lane
}

BOOST_AUTO_TEST_CASE(lanes_are_registered_once_by_name) {
  sim::simulation s(1);
  BOOST_TEST(s.lane("kernel") == 0u);
  const sim::lane_id a = s.lane("a");
  BOOST_TEST(s.lane("b") != a);
  BOOST_TEST(s.lane("a") == a);
  BOOST_TEST(s.lane_name(a) == "a");
}

BOOST_AUTO_TEST_CASE(same_lane_events_at_one_instant_keep_their_order_without_a_choice) {
  sim::simulation s(1);
  const sim::lane_id a = s.lane("a");
  std::string order;
  for (char c : std::string("xyz"))
    s.schedule_at(
        7, [&order, c] { order += c; }, a);
  s.run();
  BOOST_TEST(order == "xyz");
  BOOST_TEST(s.choices().empty());
}

BOOST_AUTO_TEST_CASE(different_lanes_at_one_instant_race_through_the_strategy) {
  // Pick lane 1 of {a, b} first: b's event runs before a's although a's was scheduled first.
  sim::simulation s(1, std::make_unique<sim::replay_strategy>(std::vector<std::uint64_t>{1}));
  const sim::lane_id a = s.lane("a");
  const sim::lane_id b = s.lane("b");
  std::string order;
  s.schedule_at(
      7, [&] { order += 'a'; }, a);
  s.schedule_at(
      7, [&] { order += 'b'; }, b);
  s.run();
  BOOST_TEST(order == "ba");
  BOOST_TEST_REQUIRE(s.choices().size() == 1u);
  BOOST_TEST(s.choices()[0].label == "kernel.tie");
  BOOST_TEST(s.choices()[0].options == 2u);
}

BOOST_AUTO_TEST_CASE(nominal_order_of_a_race_is_first_scheduled_first) {
  sim::simulation s(1, std::make_unique<sim::nominal_strategy>());
  std::string order;
  s.schedule_at(
      3, [&] { order += 'b'; }, s.lane("b"));
  s.schedule_at(
      3, [&] { order += 'a'; }, s.lane("a"));
  s.run();
  BOOST_TEST(order == "ba");
}

std::string race_with_a_same_instant_successor(std::vector<std::uint64_t> picks) {
  // a1 schedules a2 at the same instant on lane a while b is still waiting; the racing lanes are
  // offered oldest-waiting first, so after a1 the options are {b, a}.
  sim::simulation s(1, std::make_unique<sim::replay_strategy>(std::move(picks)));
  const sim::lane_id a = s.lane("a");
  const sim::lane_id b = s.lane("b");
  std::string order;
  s.schedule_at(
      4,
      [&] {
        order += "a1 ";
        s.schedule_at(
            4, [&] { order += "a2 "; }, a);
      },
      a);
  s.schedule_at(
      4, [&] { order += "b "; }, b);
  s.run();
  return order;
}

BOOST_AUTO_TEST_CASE(an_event_scheduled_for_now_joins_the_race) {
  BOOST_TEST(race_with_a_same_instant_successor({0, 0}) == "a1 b a2 ");
  BOOST_TEST(race_with_a_same_instant_successor({0, 1}) == "a1 a2 b ");
  BOOST_TEST(race_with_a_same_instant_successor({1}) == "b a1 a2 ");
}

BOOST_AUTO_TEST_CASE(cancelling_an_event_that_is_already_racing_removes_it) {
  sim::simulation s(1, std::make_unique<sim::nominal_strategy>());
  const sim::lane_id a = s.lane("a");
  const sim::lane_id b = s.lane("b");
  std::string order;
  sim::event_id victim;
  s.schedule_at(
      2,
      [&] {
        order += 'a';
        BOOST_TEST(s.pending(victim));
        BOOST_TEST(s.cancel(victim));
        BOOST_TEST(!s.pending(victim));
      },
      a);
  victim = s.schedule_at(
      2, [&] { order += 'b'; }, b);
  s.run();
  BOOST_TEST(order == "a");
}

RC_BOOST_PROP(time_never_goes_backwards_and_every_event_runs_once,
              (std::vector<std::uint8_t> times, std::uint64_t seed)) {
  sim::simulation s(seed);
  std::vector<int> ran(times.size(), 0);
  sim::time_us last = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const sim::lane_id lane = s.lane("lane-" + std::to_string(i % 3));
    s.schedule_at(
        times[i],
        [&, i] {
          RC_ASSERT(s.now() >= last);
          RC_ASSERT(s.now() == static_cast<sim::time_us>(times[i]));
          last = s.now();
          ++ran[i];
        },
        lane);
  }
  s.run();
  for (const int r : ran) RC_ASSERT(r == 1);
}

BOOST_AUTO_TEST_SUITE_END()

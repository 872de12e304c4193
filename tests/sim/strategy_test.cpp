// Choice points, the built-in strategies, and replay of recorded picks.
#include "sim/simulation.hpp"
#include "tests/support/toy_model.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <memory>

using pipesim::test::picks_of;
using pipesim::test::run_toy_model;

BOOST_AUTO_TEST_SUITE(strategy_test)

BOOST_AUTO_TEST_CASE(nominal_strategy_always_picks_zero) {
  sim::nominal_strategy n;
  BOOST_TEST(n.pick(sim::choice_point{"x", 5}) == 0u);
  BOOST_TEST(n.pick(sim::choice_point{"x", 2, 1.0}) == 0u);
}

BOOST_AUTO_TEST_CASE(random_strategy_honours_p_nonzero) {
  sim::random_strategy r(3);
  for (int i = 0; i < 200; ++i) {
    BOOST_TEST(r.pick(sim::choice_point{"never", 4, 0.0}) == 0u);
    BOOST_TEST(r.pick(sim::choice_point{"always", 4, 1.0}) != 0u);
  }
  int nonzero = 0;
  for (int i = 0; i < 10'000; ++i) nonzero += r.pick(sim::choice_point{"tenth", 2, 0.1}) != 0;
  BOOST_TEST(nonzero > 800);
  BOOST_TEST(nonzero < 1200);
}

BOOST_AUTO_TEST_CASE(a_new_decision_site_does_not_shift_the_picks_of_another) {
  sim::random_strategy plain(11);
  sim::random_strategy with_extra_site(11);
  for (int i = 0; i < 100; ++i) {
    with_extra_site.pick(sim::choice_point{"new.site", 7});
    BOOST_TEST(plain.pick(sim::choice_point{"old.site", 1000}) ==
               with_extra_site.pick(sim::choice_point{"old.site", 1000}));
  }
}

BOOST_AUTO_TEST_CASE(different_seeds_make_different_choices) {
  sim::simulation a(1);
  sim::simulation b(2);
  run_toy_model(a, 3, 20 * sim::k_second_us);
  run_toy_model(b, 3, 20 * sim::k_second_us);
  BOOST_TEST(picks_of(a) != picks_of(b));
}

BOOST_AUTO_TEST_CASE(replaying_recorded_picks_reproduces_the_run_exactly) {
  sim::simulation original(77);
  original.trace().enable(true);
  run_toy_model(original, 4, 30 * sim::k_second_us);
  BOOST_TEST_REQUIRE(original.choices().size() > 50u);

  // Same seed (the streams feed the timers), but every choice comes from the recording.
  auto replay = std::make_unique<sim::replay_strategy>(picks_of(original));
  sim::replay_strategy* replay_ptr = replay.get();
  sim::simulation again(77, std::move(replay));
  again.trace().enable(true);
  run_toy_model(again, 4, 30 * sim::k_second_us);
  BOOST_TEST(again.trace().digest() == original.trace().digest());
  BOOST_TEST(!replay_ptr->first_mismatch().has_value());
  BOOST_TEST(replay_ptr->position() == original.choices().size());
}

BOOST_AUTO_TEST_CASE(replay_past_the_recording_continues_nominally) {
  sim::replay_strategy r({2, 1});
  BOOST_TEST(r.pick(sim::choice_point{"a", 3}) == 2u);
  BOOST_TEST(r.pick(sim::choice_point{"a", 3}) == 1u);
  BOOST_TEST(r.pick(sim::choice_point{"a", 3}) == 0u);
  BOOST_TEST(r.pick(sim::choice_point{"a", 3}) == 0u);
  BOOST_TEST(!r.first_mismatch().has_value());
}

BOOST_AUTO_TEST_CASE(replay_reports_the_first_pick_that_no_longer_fits) {
  sim::replay_strategy r({1, 5, 9});
  BOOST_TEST(r.pick(sim::choice_point{"a", 2}) == 1u);
  BOOST_TEST(r.pick(sim::choice_point{"a", 3}) == 2u);  // clamped, and recorded as divergence
  r.pick(sim::choice_point{"a", 3});
  BOOST_TEST_REQUIRE(r.first_mismatch().has_value());
  BOOST_TEST(*r.first_mismatch() == 1u);
}

RC_BOOST_PROP(any_pick_list_replays_to_a_valid_run, (std::vector<std::uint64_t> picks)) {
  // Shrinking will hand replay arbitrary lists; every one of them must give a legal run.
  sim::simulation s(5, std::make_unique<sim::replay_strategy>(picks));
  run_toy_model(s, 3, 10 * sim::k_second_us);
  for (const sim::choice_record& c : s.choices()) RC_ASSERT(c.pick < c.options);
}

BOOST_AUTO_TEST_CASE(make_strategy_knows_the_built_in_names) {
  BOOST_TEST(sim::make_strategy("random", 1)->name() == "random");
  BOOST_TEST(sim::make_strategy("nominal", 1)->name() == "nominal");
  BOOST_TEST(sim::make_strategy("pct", 1)->name() == "pct");
  BOOST_TEST(!sim::make_strategy("exhaustive", 1));
}

BOOST_AUTO_TEST_SUITE_END()

// PCT: fixed priorities between change points, bounded data deviations, and its guarantee.
#include "sim/pct_strategy.hpp"

#include "sim/simulation.hpp"
#include "tests/support/toy_model.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

using pipesim::test::run_toy_model;

namespace {

// One choice point to show a strategy: a tie among `actors` (in option order) or, when `actors`
// is empty, a data decision with `options` and `p_nonzero`.
struct step {
  std::vector<std::uint32_t> actors;
  std::uint64_t options = 2;
  double p_nonzero = -1.0;
};

sim::choice_point to_choice_point(const step& s) {
  if (s.actors.empty()) return sim::choice_point{"data", s.options, s.p_nonzero};
  return sim::choice_point{"kernel.tie", s.actors.size(), -1.0, 0, s.actors.data()};
}

// Draws a mix of ties among up to six actors and data decisions of every kind.
std::vector<step> gen_steps() {
  const int count = *rc::gen::inRange(0, 80);
  std::vector<step> steps;
  for (int i = 0; i < count; ++i) {
    step s;
    if (*rc::gen::arbitrary<bool>()) {
      std::vector<std::uint32_t> pool{0, 1, 2, 3, 4, 5};
      const auto n = static_cast<std::size_t>(*rc::gen::inRange(2, 7));
      for (std::size_t j = 0; j < n; ++j) {
        const auto at = static_cast<std::size_t>(*rc::gen::inRange<std::size_t>(0, pool.size()));
        s.actors.push_back(pool[at]);
        pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(at));
      }
    } else {
      s.options = *rc::gen::inRange<std::uint64_t>(2, 7);
      s.p_nonzero = *rc::gen::element(-1.0, 0.0, 0.25, 1.0);
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

std::vector<std::uint64_t> picks_for(sim::strategy& strategy, const std::vector<step>& steps) {
  std::vector<std::uint64_t> picks;
  for (const step& s : steps) picks.push_back(strategy.pick(to_choice_point(s)));
  return picks;
}

bool is_change_point(const sim::pct_strategy& pct, std::uint64_t step) {
  const auto& cps = pct.change_points();
  return std::binary_search(cps.begin(), cps.end(), step);
}

// Two actors on lanes A and B each run one event per second for `seconds` seconds, so they tie
// at every instant; returns true if B ran first at every one of them (the "bug"). Which lane is
// option 0 follows who ran first the instant before, so only a scheduler that keeps per-actor
// priorities, not per-option ones, favours B consistently.
bool b_always_runs_first(sim::simulation& s, int seconds) {
  const sim::lane_id a = s.lane("A");
  const sim::lane_id b = s.lane("B");
  int b_first = 0;
  sim::time_us last_instant = -1;
  auto tick = [&](sim::lane_id self, auto& again, int left) -> void {
    if (s.now() != last_instant) {
      last_instant = s.now();
      b_first += self == b;
    }
    if (left > 1) {
      s.schedule_after(
          sim::k_second_us, [&, self, left] { again(self, again, left - 1); }, self);
    }
  };
  s.schedule_at(
      0, [&] { tick(a, tick, seconds); }, a);
  s.schedule_at(
      0, [&] { tick(b, tick, seconds); }, b);
  s.run();
  return b_first == seconds;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pct_strategy_test)

BOOST_AUTO_TEST_CASE(depth_zero_is_refused) {
  BOOST_CHECK_THROW(sim::pct_strategy(1, 0, 10), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(change_points_are_distinct_steps_below_the_expected_count) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const sim::pct_strategy pct(seed, 6, 10);
    const auto& cps = pct.change_points();
    BOOST_TEST_REQUIRE(cps.size() == 5u);
    const bool ascending = std::adjacent_find(cps.begin(), cps.end(),
                                              [](auto x, auto y) { return x >= y; }) == cps.end();
    BOOST_TEST(ascending);
    BOOST_TEST(cps.back() < 10u);
  }
  // Fewer steps than change points: every step is one, and none is invented past k.
  BOOST_TEST(sim::pct_strategy(1, 6, 3).change_points() == (std::vector<std::uint64_t>{0, 1, 2}));
  BOOST_TEST(sim::pct_strategy(1, 6, 0).change_points().empty());
}

BOOST_AUTO_TEST_CASE(change_points_cover_every_step_evenly_across_seeds) {
  // Uniform placement: with one change point among 8 steps, each step gets about 1/8 of seeds.
  std::array<int, 8> hits{};
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    ++hits[sim::pct_strategy(seed, 2, 8).change_points().at(0)];
  }
  for (int h : hits) {
    BOOST_TEST(h > 400);
    BOOST_TEST(h < 600);
  }
}

RC_BOOST_PROP(the_same_seed_and_choice_points_give_the_same_picks, (std::uint64_t seed)) {
  const auto depth = *rc::gen::inRange<std::uint32_t>(1, 6);
  const auto k = *rc::gen::inRange<std::uint64_t>(0, 100);
  const std::vector<step> steps = gen_steps();
  sim::pct_strategy first(seed, depth, k);
  sim::pct_strategy second(seed, depth, k);
  const std::vector<std::uint64_t> picks = picks_for(first, steps);
  RC_ASSERT(picks == picks_for(second, steps));
  RC_ASSERT(first.priorities() == second.priorities());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    RC_ASSERT(picks[i] < to_choice_point(steps[i]).options);
  }
}

BOOST_AUTO_TEST_CASE(different_seeds_give_different_priorities) {
  const std::vector<std::uint32_t> actors{0, 1, 2, 3, 4, 5};
  int same_as_seed_zero = 0;
  sim::pct_strategy reference(0, 1, 1);
  reference.pick(sim::choice_point{"kernel.tie", 6, -1.0, 0, actors.data()});
  for (std::uint64_t seed = 1; seed < 100; ++seed) {
    sim::pct_strategy pct(seed, 1, 1);
    pct.pick(sim::choice_point{"kernel.tie", 6, -1.0, 0, actors.data()});
    same_as_seed_zero += pct.priorities() == reference.priorities();
  }
  BOOST_TEST(same_as_seed_zero < 5);  // 6! orders: about 0.14 expected
}

RC_BOOST_PROP(depth_one_never_deviates_on_data_and_keeps_one_total_order, (std::uint64_t seed)) {
  const auto k = *rc::gen::inRange<std::uint64_t>(0, 100);
  const std::vector<step> steps = gen_steps();
  sim::pct_strategy pct(seed, 1, k);
  RC_ASSERT(pct.change_points().empty());
  // beats[x][y]: x won a tie that y took part in.
  std::array<std::array<bool, 6>, 6> beats{};
  for (const step& s : steps) {
    const std::uint64_t pick = pct.pick(to_choice_point(s));
    if (s.actors.empty()) {
      if (s.p_nonzero >= 0.0) RC_ASSERT(pick == 0u);
      continue;
    }
    for (std::uint32_t other : s.actors) {
      if (other != s.actors[pick]) beats[s.actors[pick]][other] = true;
    }
  }
  // One fixed total order means the "beats" relation has no cycle: close it transitively
  // (Floyd-Warshall) and no actor may end up beating itself.
  for (std::size_t via = 0; via < 6; ++via) {
    for (std::size_t x = 0; x < 6; ++x) {
      for (std::size_t y = 0; y < 6; ++y)
        beats[x][y] = beats[x][y] || (beats[x][via] && beats[via][y]);
    }
  }
  for (std::size_t x = 0; x < 6; ++x) RC_ASSERT(!beats[x][x]);
}

BOOST_AUTO_TEST_CASE(every_actor_wins_a_tie_for_some_seeds) {
  const std::vector<std::uint32_t> actors{7, 8, 9};
  std::array<int, 3> wins{};
  for (std::uint64_t seed = 0; seed < 600; ++seed) {
    sim::pct_strategy pct(seed, 1, 10);
    ++wins[pct.pick(sim::choice_point{"kernel.tie", 3, -1.0, 0, actors.data()})];
  }
  for (int w : wins) {
    BOOST_TEST(w > 140);  // 200 expected each
    BOOST_TEST(w < 260);
  }
}

RC_BOOST_PROP(the_winner_of_a_repeated_tie_flips_exactly_at_change_points, (std::uint64_t seed)) {
  const auto depth = *rc::gen::inRange<std::uint32_t>(1, 9);
  const auto k = *rc::gen::inRange<std::uint64_t>(depth - 1, 60);
  sim::pct_strategy pct(seed, depth, k);
  RC_ASSERT(pct.change_points().size() == static_cast<std::size_t>(depth - 1));
  std::uint32_t previous = 0;
  std::uint32_t flips = 0;
  for (std::uint64_t i = 0; i < k; ++i) {
    // Shuffle the option order: the winner follows the actor, not the position.
    const std::array<std::uint32_t, 2> actors = *rc::gen::arbitrary<bool>()
                                                    ? std::array<std::uint32_t, 2>{3, 4}
                                                    : std::array<std::uint32_t, 2>{4, 3};
    const std::uint32_t winner =
        actors.at(pct.pick(sim::choice_point{"kernel.tie", 2, -1.0, 0, actors.data()}));
    if (is_change_point(pct, i)) RC_ASSERT(pct.priorities().back() != winner);
    if (i > 0) {
      RC_ASSERT((winner != previous) == is_change_point(pct, i));
      flips += winner != previous;
    }
    previous = winner;
  }
  RC_ASSERT(flips <= depth - 1);
}

BOOST_AUTO_TEST_CASE(a_demoted_actor_loses_to_every_actor_not_demoted) {
  // Three actors race repeatedly; at the single change point the winner drops below both others,
  // so from then on the former runner-up wins and the demoted actor never wins again.
  const std::vector<std::uint32_t> actors{1, 2, 3};
  int checked = 0;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    sim::pct_strategy pct(seed, 2, 10);
    const std::uint64_t cp = pct.change_points().at(0);
    if (cp == 0) continue;  // the order before the change would not be observable
    ++checked;
    std::vector<std::uint32_t> order;
    for (std::uint64_t i = 0; i < 10; ++i) {
      const std::uint32_t winner =
          actors.at(pct.pick(sim::choice_point{"kernel.tie", 3, -1.0, 0, actors.data()}));
      if (i == 0) order = pct.priorities();
      BOOST_TEST_REQUIRE(order.size() == 3u);
      BOOST_TEST(winner == (i < cp ? order[0] : order[1]));
    }
    BOOST_TEST(pct.priorities() == (std::vector<std::uint32_t>{order[1], order[2], order[0]}));
  }
  BOOST_TEST(checked > 80);
}

BOOST_AUTO_TEST_CASE(an_actor_first_seen_after_a_change_point_outranks_the_demoted_one) {
  // The paper gives new threads initial priorities above every change-point priority.
  const std::array<std::uint32_t, 2> pair{1, 2};
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    sim::pct_strategy pct(seed, 2, 5);
    for (int i = 0; i < 5; ++i) pct.pick(sim::choice_point{"kernel.tie", 2, -1.0, 0, pair.data()});
    const std::uint32_t demoted = pct.priorities().back();
    const std::array<std::uint32_t, 2> with_newcomer{demoted, 3};
    BOOST_TEST(pct.pick(sim::choice_point{"kernel.tie", 2, -1.0, 0, with_newcomer.data()}) == 1u);
    BOOST_TEST(pct.priorities().back() == demoted);
  }
}

RC_BOOST_PROP(data_points_deviate_only_at_change_points, (std::uint64_t seed)) {
  const auto depth = *rc::gen::inRange<std::uint32_t>(1, 7);
  const auto k = *rc::gen::inRange<std::uint64_t>(0, 100);
  const std::vector<step> steps = gen_steps();
  sim::pct_strategy pct(seed, depth, k);
  std::uint32_t deviations = 0;
  for (std::uint64_t i = 0; i < steps.size(); ++i) {
    const step& s = steps[i];
    const std::uint64_t pick = pct.pick(to_choice_point(s));
    if (!s.actors.empty() || s.p_nonzero < 0.0) continue;
    if (s.p_nonzero == 0.0) {
      RC_ASSERT(pick == 0u);  // a fault switched off stays off
    } else {
      RC_ASSERT((pick != 0u) == is_change_point(pct, i));
    }
    deviations += pick != 0u;
  }
  RC_ASSERT(deviations <= depth - 1);
}

BOOST_AUTO_TEST_CASE(a_run_of_faultable_data_points_gets_exactly_depth_minus_one_faults) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    for (std::uint32_t depth = 1; depth <= 5; ++depth) {
      sim::pct_strategy pct(seed, depth, 30);
      std::uint32_t faults = 0;
      for (int i = 0; i < 30; ++i) {
        const std::uint64_t pick = pct.pick(sim::choice_point{"fault", 4, 0.01});
        BOOST_TEST(pick < 4u);
        faults += pick != 0u;
      }
      BOOST_TEST(faults == depth - 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(equally_likely_options_are_picked_uniformly_whatever_the_depth) {
  sim::pct_strategy pct(9, 1, 10);
  std::array<int, 4> counts{};
  for (int i = 0; i < 4000; ++i) ++counts[pct.pick(sim::choice_point{"delay", 4})];
  for (int c : counts) {
    BOOST_TEST(c > 850);  // 1000 expected each
    BOOST_TEST(c < 1150);
  }
}

BOOST_AUTO_TEST_CASE(pct_finds_a_bug_that_needs_twenty_reorderings_and_random_does_not) {
  constexpr int k_ties = 20;
  {
    // The caller measures k with a nominal run, as pct_strategy expects.
    sim::simulation nominal(0, std::make_unique<sim::nominal_strategy>());
    BOOST_TEST(!b_always_runs_first(nominal, k_ties));
    BOOST_TEST_REQUIRE(nominal.choices().size() == static_cast<std::size_t>(k_ties));
  }
  int pct_found = 0;
  int random_found = 0;
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    sim::simulation with_pct(seed, std::make_unique<sim::pct_strategy>(seed, 1, k_ties));
    pct_found += b_always_runs_first(with_pct, k_ties);
    sim::simulation with_random(seed, std::make_unique<sim::random_strategy>(seed));
    random_found += b_always_runs_first(with_random, k_ties);
  }
  BOOST_TEST_MESSAGE("seeds finding the bug: pct " << pct_found << ", random " << random_found);
  // PCT at depth 1 finds it whenever B drew the higher priority: half the seeds. A random
  // scheduler needs 20 fair coin flips to agree: 1000 / 2^20 expected.
  BOOST_TEST(pct_found > 400);
  BOOST_TEST(pct_found < 600);
  BOOST_TEST(random_found <= 1);
}

BOOST_AUTO_TEST_CASE(a_pct_run_of_the_toy_model_is_reproducible) {
  sim::simulation a(21, sim::make_strategy("pct", 21));
  sim::simulation b(21, sim::make_strategy("pct", 21));
  a.trace().enable(true);
  b.trace().enable(true);
  run_toy_model(a, 4, 30 * sim::k_second_us);
  run_toy_model(b, 4, 30 * sim::k_second_us);
  BOOST_TEST_REQUIRE(a.choices().size() > 50u);
  BOOST_TEST(a.trace().digest() == b.trace().digest());
  const auto& pct = dynamic_cast<const sim::pct_strategy&>(a.current_strategy());
  BOOST_TEST(pct.depth() == sim::k_pct_default_depth);
  BOOST_TEST(pct.expected_steps() == sim::k_pct_default_expected_steps);
  BOOST_TEST(pct.steps() == a.choices().size());
}

BOOST_AUTO_TEST_SUITE_END()

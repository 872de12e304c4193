// PCT: priorities per actor, change points drawn once per run, bounded data deviations.
#include "pct_strategy.hpp"

#include <algorithm>
#include <stdexcept>

namespace sim {

namespace {

// Draws min(m, k) distinct values uniformly from [0, k), ascending. Floyd's algorithm (Bentley
// and Floyd, "A sample of brilliance", CACM 1987): exactly one draw per value, however close m
// is to k, and every subset equally likely.
std::vector<std::uint64_t> distinct_sample(rng& r, std::uint64_t m, std::uint64_t k) {
  m = std::min(m, k);
  std::vector<std::uint64_t> out;
  out.reserve(m);
  for (std::uint64_t j = k - m; j < k; ++j) {
    const std::uint64_t t = r.below(j + 1);
    const bool taken = std::find(out.begin(), out.end(), t) != out.end();
    out.push_back(taken ? j : t);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

pct_strategy::pct_strategy(std::uint64_t seed, std::uint32_t depth, std::uint64_t expected_steps)
    : depth_(depth),
      expected_steps_(expected_steps),
      priority_rng_(rng_streams(seed).stream("pct.priorities")),
      data_rng_(rng_streams(seed).stream("pct.data")) {
  if (depth == 0) throw std::invalid_argument("pct_strategy: depth must be at least 1");
  rng change_rng = rng_streams(seed).stream("pct.change_points");
  change_points_ = distinct_sample(change_rng, depth - 1, expected_steps);
}

std::uint64_t pct_strategy::pick(const choice_point& cp) {
  const std::uint64_t step = step_++;
  // Change points are ascending and steps only grow, so one index walks them all.
  const bool change_point =
      next_change_ < change_points_.size() && change_points_[next_change_] == step;
  if (change_point) ++next_change_;
  if (cp.options < 2) return 0;
  return cp.actors ? pick_actor(cp, change_point) : pick_data(cp, change_point);
}

void pct_strategy::admit(std::uint32_t actor) {
  if (std::find(priorities_.begin(), priorities_.end(), actor) != priorities_.end()) return;
  // Uniform among the slots above the demoted tail: initial priorities outrank every demotion.
  const std::size_t undemoted = priorities_.size() - demoted_;
  const auto at = static_cast<std::ptrdiff_t>(priority_rng_.below(undemoted + 1));
  priorities_.insert(priorities_.begin() + at, actor);
}

std::uint64_t pct_strategy::pick_actor(const choice_point& cp, bool change_point) {
  // Options in order (oldest-waiting lane first), so new actors are admitted deterministically.
  for (std::uint64_t i = 0; i < cp.options; ++i) admit(cp.actors[i]);

  const auto rank = [&](std::uint64_t option) {
    return std::find(priorities_.begin(), priorities_.end(), cp.actors[option]) -
           priorities_.begin();
  };
  const auto best = [&] {
    std::uint64_t winner = 0;
    for (std::uint64_t i = 1; i < cp.options; ++i) {
      if (rank(i) < rank(winner)) winner = i;
    }
    return winner;
  };

  std::uint64_t winner = best();
  if (change_point) {
    const auto it = priorities_.begin() + rank(winner);
    const bool already_demoted =
        static_cast<std::size_t>(it - priorities_.begin()) >= priorities_.size() - demoted_;
    const std::uint32_t actor = *it;
    priorities_.erase(it);
    priorities_.push_back(actor);
    if (!already_demoted) ++demoted_;
    winner = best();
  }
  return winner;
}

std::uint64_t pct_strategy::pick_data(const choice_point& cp, bool change_point) {
  if (cp.p_nonzero < 0.0) return data_rng_.below(cp.options);
  if (!change_point || cp.p_nonzero == 0.0) return 0;
  return 1 + data_rng_.below(cp.options - 1);
}

}  // namespace sim

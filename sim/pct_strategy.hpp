// PCT, probabilistic concurrency testing: random actor priorities plus a few change points.
#pragma once

#include "random.hpp"
#include "strategy.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace sim {

/// Depth that make_strategy gives "pct": two change points, enough for a bug that needs two
/// deviations (a fault and a reordering, or two reorderings); each further level divides the
/// per-run guarantee by k.
inline constexpr std::uint32_t k_pct_default_depth = 3;
/// Run length that make_strategy assumes for "pct", as nobody measured one. Change points land in
/// the first 64 steps, so in a longer run they cluster early and in a shorter one some are lost;
/// callers that know the run length should construct pct_strategy themselves.
inline constexpr std::uint64_t k_pct_default_expected_steps = 64;

/// Resolves choice points the way PCT does (Burckhardt, Kothari, Musuvathi, Nagarakatte,
/// "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010; the same
/// scheme as Coyote's PrioritizationStrategy and P's PCT scheduler). A bug of depth d among n
/// actors in a run of k steps is found with probability at least 1 / (n * k^(d-1)) per run,
/// whereas a random scheduler can need exponentially many runs in k.
///
/// Steps. Every choice point asked is one step, numbered from 0, scheduling or data alike.
/// Before the run, min(d-1, k) distinct change points are drawn uniformly from [0, k).
///
/// Scheduling steps (choice_point::actors set, e.g. "kernel.tie"). Each actor gets a priority
/// the first time it is seen: it is inserted at a uniformly random position among the actors not
/// yet demoted (the paper gives initial priorities d..n+d-1, above every demoted one). The pick is
/// the racing actor with the highest priority. At a change point that actor is first moved to the
/// lowest priority of all (below earlier demotions, as the paper's d-1..1), then the highest
/// priority racing actor is picked.
///
/// Data steps (actors == nullptr). PCT is silent on data; Coyote answers it at random, which
/// injects faults at the random strategy's rate and so loses the bounded-deviation guarantee. We
/// keep the bound instead: a data step picks 0 (nominal) except at a change point, where it
/// picks uniformly from [1, options), a single fault. So the d-1 change points are one budget
/// shared by priority changes and faults, and depth d means the run deviates from "random
/// priorities, no faults" in at most d-1 places, as for a scheduling bug of depth d: a bug that
/// needs one fault and one reordering has depth 3, one that needs only the right initial
/// priorities (or nothing) has depth 1. Depth 1 therefore never injects a fault. Each fault a bug
/// needs costs the guarantee a further factor of options-1, for the value the fault takes.
/// Two kinds of data step take no deviation and consume a change point that falls on them:
///  - p_nonzero < 0 (every option equally likely, e.g. a delay drawn from a range): not a fault,
///    so it is always picked uniformly from [0, options), change point or not;
///  - p_nonzero == 0: the fault is switched off, so it always picks 0.
///
/// Determinism: the picks are a function of (seed, depth, expected_steps) and the sequence of
/// choice points shown (option counts, p_nonzero, actors); neither label nor at_us is consulted.
/// Priorities, change points and data picks draw from separate named streams of the seed.
class pct_strategy final : public strategy {
 public:
  /// `depth` (d >= 1) is the bug depth aimed at; `expected_steps` (k) is the number of choice
  /// points a run is expected to ask, measured by the caller with a nominal run. Steps past k
  /// hold no change point. Throws std::invalid_argument if depth is 0.
  pct_strategy(std::uint64_t seed, std::uint32_t depth, std::uint64_t expected_steps);

  std::uint64_t pick(const choice_point& cp) override;
  std::string_view name() const noexcept override { return "pct"; }

  std::uint32_t depth() const noexcept { return depth_; }
  std::uint64_t expected_steps() const noexcept { return expected_steps_; }
  /// The step indices that hold a change point, ascending; for reports and tests.
  const std::vector<std::uint64_t>& change_points() const noexcept { return change_points_; }
  /// Steps asked so far.
  std::uint64_t steps() const noexcept { return step_; }
  /// Actors seen so far, highest priority first.
  const std::vector<std::uint32_t>& priorities() const noexcept { return priorities_; }

 private:
  std::uint64_t pick_actor(const choice_point& cp, bool change_point);
  std::uint64_t pick_data(const choice_point& cp, bool change_point);
  void admit(std::uint32_t actor);

  std::uint32_t depth_;
  std::uint64_t expected_steps_;
  rng priority_rng_;  // positions of new actors in priorities_
  rng data_rng_;      // uniform data picks and the fault chosen at a change point
  std::vector<std::uint64_t> change_points_;
  std::size_t next_change_ = 0;  // index into change_points_ of the next one not yet reached
  std::uint64_t step_ = 0;
  // Highest priority first. The last demoted_ entries were demoted by change points (most recent
  // last); new actors are inserted above them.
  std::vector<std::uint32_t> priorities_;
  std::size_t demoted_ = 0;
};

}  // namespace sim

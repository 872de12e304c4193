// Choice points and the strategies that resolve them.
#pragma once

#include "random.hpp"
#include "time.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

/// A decision the model cannot make alone: which of `options` things happens next.
///
/// Convention every caller keeps: option 0 is the nominal outcome (first-in first-out order, no
/// fault, the shortest delay). A strategy that always answers 0 therefore runs the ideal schedule,
/// a replay that runs out of recorded picks continues nominally, and a shrinker that lowers picks
/// towards 0 makes a failing schedule simpler.
struct choice_point {
  std::string_view label;   ///< Stable name of the decision site, e.g. "kernel.tie".
  std::uint64_t options;    ///< At least 2; a pick lies in [0, options).
  double p_nonzero = -1.0;  ///< Below 0: all options equally likely. Otherwise the probability
                            ///< that a random strategy picks anything but 0 (then uniformly).
  time_us at_us = 0;        ///< Virtual time of the decision.
  /// For scheduling decisions (which racing actor runs first, "kernel.tie"): the actor behind
  /// each option, `options` entries; nullptr for data decisions. Lets a scheduler such as PCT
  /// keep one priority per actor instead of per option position.
  const std::uint32_t* actors = nullptr;
};

/// Resolves choice points. Implementations must be deterministic functions of their own
/// construction parameters and the sequence of choice points they are shown.
class strategy {
 public:
  virtual ~strategy() = default;
  /// Returns a pick in [0, cp.options).
  virtual std::uint64_t pick(const choice_point& cp) = 0;
  /// Short name for reports: "random", "replay", "nominal", "pct", ...
  virtual std::string_view name() const noexcept = 0;
};

/// Always picks 0: the ideal, first-in first-out schedule.
class nominal_strategy final : public strategy {
 public:
  std::uint64_t pick(const choice_point&) override { return 0; }
  std::string_view name() const noexcept override { return "nominal"; }
};

/// Seeded random picks. Each label draws from its own stream derived from the seed, so a model that
/// adds a decision site does not shift the picks made at any other site.
class random_strategy final : public strategy {
 public:
  explicit random_strategy(std::uint64_t seed) : streams_(seed) {}
  std::uint64_t pick(const choice_point& cp) override;
  std::string_view name() const noexcept override { return "random"; }

 private:
  rng_streams streams_;
  std::map<std::uint64_t, rng> by_label_;  // keyed by a stable hash of the label, never a pointer
};

/// Plays back a recorded list of picks. Past the end of the list it picks 0 (nominal), which is
/// what lets a shrinker cut the list short. A recorded pick that does not fit the choice point it
/// meets means the run has diverged from the recording; the first such position is kept.
class replay_strategy final : public strategy {
 public:
  explicit replay_strategy(std::vector<std::uint64_t> picks) : picks_(std::move(picks)) {}
  std::uint64_t pick(const choice_point& cp) override;
  std::string_view name() const noexcept override { return "replay"; }

  /// Index of the first recorded pick that was out of range, if any.
  std::optional<std::size_t> first_mismatch() const noexcept { return first_mismatch_; }
  /// How many picks were asked for so far (may exceed the recording).
  std::size_t position() const noexcept { return position_; }

 private:
  std::vector<std::uint64_t> picks_;
  std::size_t position_ = 0;
  std::optional<std::size_t> first_mismatch_;
};

/// Makes the strategy called `name` ("random", "nominal", or "pct" with the defaults in
/// pct_strategy.hpp); nullptr for an unknown name.
std::unique_ptr<strategy> make_strategy(std::string_view name, std::uint64_t seed);

}  // namespace sim

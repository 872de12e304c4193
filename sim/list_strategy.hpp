// A strategy that takes its picks from a list: what a generator of schedules (RapidCheck) or a
// shrinker hands the kernel.
#pragma once

#include "strategy.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace sim {

/// Pick i is list[i] reduced modulo the options of the i-th choice point, so any list of numbers
/// is a valid schedule; past the end of the list every pick is 0 (nominal). Shrinking the list
/// (fewer entries, smaller values) therefore makes the schedule closer to the nominal one: fewer
/// faults, shorter delays, first-in first-out order.
class list_strategy final : public strategy {
 public:
  explicit list_strategy(std::vector<std::uint64_t> picks) : picks_(std::move(picks)) {}
  std::uint64_t pick(const choice_point& cp) override {
    const std::size_t i = position_++;
    return i < picks_.size() ? picks_[i] % cp.options : 0;
  }
  std::string_view name() const noexcept override { return "list"; }

 private:
  std::vector<std::uint64_t> picks_;
  std::size_t position_ = 0;
};

/// Runs `inner` until `heal_at_us` of virtual time, then picks 0 at every choice point: the heal
/// phase, in which no fault happens and every race goes the nominal way, so that a correct
/// system must then make progress (liveness).
class phased_strategy final : public strategy {
 public:
  phased_strategy(std::unique_ptr<strategy> inner, time_us heal_at_us)
      : inner_(std::move(inner)), heal_at_us_(heal_at_us) {}
  std::uint64_t pick(const choice_point& cp) override {
    return cp.at_us >= heal_at_us_ ? 0 : inner_->pick(cp);
  }
  std::string_view name() const noexcept override { return inner_->name(); }

 private:
  std::unique_ptr<strategy> inner_;
  time_us heal_at_us_;
};

}  // namespace sim

// Built-in strategies.
#include "strategy.hpp"

#include "pct_strategy.hpp"

namespace sim {

std::uint64_t random_strategy::pick(const choice_point& cp) {
  const std::uint64_t key = fnv1a64(cp.label);
  auto it = by_label_.find(key);
  if (it == by_label_.end()) {
    it = by_label_.emplace(key, streams_.stream(cp.label)).first;
  }
  rng& r = it->second;
  if (cp.options < 2) return 0;
  if (cp.p_nonzero < 0.0) return r.below(cp.options);
  if (!r.chance(cp.p_nonzero)) return 0;
  return 1 + r.below(cp.options - 1);
}

std::uint64_t replay_strategy::pick(const choice_point& cp) {
  const std::size_t at = position_++;
  if (at >= picks_.size()) return 0;
  const std::uint64_t recorded = picks_[at];
  if (recorded < cp.options) return recorded;
  if (!first_mismatch_) first_mismatch_ = at;
  return cp.options - 1;
}

std::unique_ptr<strategy> make_strategy(std::string_view name, std::uint64_t seed) {
  if (name == "random") return std::make_unique<random_strategy>(seed);
  if (name == "nominal") return std::make_unique<nominal_strategy>();
  // Without a measured run length, PCT gets the defaults documented in pct_strategy.hpp.
  if (name == "pct") {
    return std::make_unique<pct_strategy>(seed, k_pct_default_depth, k_pct_default_expected_steps);
  }
  return nullptr;
}

}  // namespace sim

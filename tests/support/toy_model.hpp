// A small domain-free model for kernel tests: several actors on their own lanes, timers from
// named streams, same-instant races and explicit choice points, all recorded in the trace.
#pragma once

#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pipesim::test {

/// Runs `actors` actors for `horizon_us` on `s`. Each actor ticks every whole second (so actors
/// collide at the same instants), asks a choice point each tick, and records what it did.
inline void run_toy_model(sim::simulation& s, int actors, sim::time_us horizon_us) {
  struct actor {
    sim::lane_id lane;
    std::string name;
    sim::rng jitter;
    int counter = 0;
  };
  std::vector<std::unique_ptr<actor>> all;
  std::function<void(actor&)> tick = [&](actor& a) {
    const std::uint64_t pick = s.choose(a.name + ".work", 3);
    a.counter += static_cast<int>(pick);
    s.record("tick", {{"actor", a.name}, {"counter", a.counter}, {"pick", pick}});
    const sim::time_us next = (1 + a.jitter.between(0, 1)) * sim::k_second_us;
    s.schedule_after(
        next, [&tick, &a] { tick(a); }, a.lane);
  };
  for (int i = 0; i < actors; ++i) {
    const std::string name = "actor-" + std::to_string(i);
    all.push_back(std::make_unique<actor>(actor{s.lane(name), name, s.stream(name), 0}));
    actor& a = *all.back();
    s.schedule_at(
        0, [&tick, &a] { tick(a); }, a.lane);
  }
  s.run(sim::run_limits{horizon_us, 100'000});
}

/// The picks a run made, ready for a replay_strategy.
inline std::vector<std::uint64_t> picks_of(const sim::simulation& s) {
  std::vector<std::uint64_t> picks;
  for (const sim::choice_record& c : s.choices()) picks.push_back(c.pick);
  return picks;
}

}  // namespace pipesim::test

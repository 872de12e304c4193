// pipesim-bench: kernel throughput against a bare std::priority_queue loop, in one process run.
// Wall-clock timing is fine here: this measures the simulator, it is not part of a simulation.
#include "sim/simulation.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <queue>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

// The "hold" workload (Vaucher and Duval 1975): keep `pending` events in the queue; each one, when
// it fires, schedules a successor at now + a random delay. Both loops draw the same delays.
constexpr sim::time_us k_delay_max_us = 1'000'000;

double kernel_events_per_s(std::uint64_t pending, std::uint64_t total) {
  sim::simulation s(42, std::make_unique<sim::nominal_strategy>());
  sim::rng delays(7);
  std::uint64_t fired = 0;
  std::function<void()> tick;
  tick = [&] {
    ++fired;
    s.schedule_after(delays.between(1, k_delay_max_us), tick);
  };
  for (std::uint64_t i = 0; i < pending; ++i)
    s.schedule_at(delays.between(1, k_delay_max_us), tick);
  const auto start = clock_type::now();
  s.run(sim::run_limits{sim::run_limits{}.horizon_us, total});
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  if (fired != total) std::abort();
  return static_cast<double>(total) / seconds;
}

struct bare_entry {
  sim::time_us time;
  std::uint64_t seq;
  std::function<void()> fn;  // the same payload the kernel stores per event
};
struct bare_later {
  bool operator()(const bare_entry& a, const bare_entry& b) const noexcept {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
};

double bare_events_per_s(std::uint64_t pending, std::uint64_t total) {
  std::priority_queue<bare_entry, std::vector<bare_entry>, bare_later> q;
  sim::rng delays(7);
  std::uint64_t fired = 0;
  std::uint64_t seq = 0;
  sim::time_us now = 0;
  std::function<void()> tick = [&] { ++fired; };
  for (std::uint64_t i = 0; i < pending; ++i) {
    q.push(bare_entry{delays.between(1, k_delay_max_us), seq++, tick});
  }
  const auto start = clock_type::now();
  for (std::uint64_t i = 0; i < total; ++i) {
    bare_entry e = q.top();
    q.pop();
    now = e.time;
    e.fn();
    q.push(bare_entry{now + delays.between(1, k_delay_max_us), seq++, tick});
  }
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  if (fired != total) std::abort();
  return static_cast<double>(total) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t pending = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000;
  const std::uint64_t total = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 5'000'000;
  std::printf("workload: hold model, %llu pending events, %llu dispatches, trace off\n",
              static_cast<unsigned long long>(pending), static_cast<unsigned long long>(total));
  // Alternate the two loops and keep each one's best, so a noisy neighbour hurts both alike.
  double kernel = 0;
  double bare = 0;
  for (int round = 0; round < 3; ++round) {
    const double k = kernel_events_per_s(pending, total);
    const double b = bare_events_per_s(pending, total);
    kernel = k > kernel ? k : kernel;
    bare = b > bare ? b : bare;
  }
  std::printf("kernel (schedule + dispatch): %.0f events/s\n", kernel);
  std::printf("bare std::priority_queue:     %.0f events/s\n", bare);
  std::printf("kernel/bare ratio: %.2f\n", kernel / bare);
  return 0;
}

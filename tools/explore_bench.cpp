// Exploration benchmark (not a test). Run from the repository root, Release build:
//
//   ./build/tools/pipesim-bench-explore [runs] [seeds]
//
// 1. Throughput on the bundled stop-during-callback scenario with the correct consumer: explored
//    interleavings per second on one core, and on every core in the same run (the ratio is the
//    parallel scaling), and time compression (simulated seconds per wall-clock second).
// 2. For each seeded bug in scenarios/bugs/: runs to the first failure with the random strategy
//    and with PCT, over `seeds` exploration seeds (median and mean; a seed that finds nothing in
//    the run budget counts as the budget), then the time to shrink the first failure found.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pipesim/explore.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

struct throughput {
  double runs_per_s = 0;
  double events_per_s = 0;
  double compression = 0;
};

throughput measure(const pipesim::scenario& sc, std::uint64_t runs, unsigned jobs) {
  pipesim::explore_options o;
  o.runs = runs;
  o.seed = 1;
  o.jobs = jobs;
  o.shrink = false;
  const pipesim::explore_result r = pipesim::explore(sc, o);
  if (r.failure) {
    std::cerr << "unexpected failure: " << pipesim::describe_failure(r.failure->report) << '\n';
    std::exit(1);
  }
  return {static_cast<double>(r.runs_executed) / r.seconds,
          static_cast<double>(r.events_executed) / r.seconds,
          static_cast<double>(r.sim_time_executed_us) / 1e6 / r.seconds};
}

struct hunt {
  std::vector<std::uint64_t> runs_to_failure;  // budget+1 where nothing was found
  std::uint64_t missed = 0;
};

hunt runs_to_first_failure(const pipesim::scenario& sc, const std::string& strategy,
                           std::uint64_t seeds, std::uint64_t budget, unsigned jobs) {
  hunt h;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    pipesim::explore_options o;
    o.runs = budget;
    o.seed = seed;
    o.strategy =
        strategy == "pct" ? pipesim::explore_strategy::pct : pipesim::explore_strategy::random;
    o.jobs = jobs;
    o.shrink = false;
    const pipesim::explore_result r = pipesim::explore(sc, o);
    h.runs_to_failure.push_back(r.failure ? r.runs : budget + 1);
    h.missed += !r.failure;
  }
  return h;
}

double median(std::vector<std::uint64_t> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? static_cast<double>(v[n / 2])
               : (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
}

double mean(const std::vector<std::uint64_t>& v) {
  double s = 0;
  for (std::uint64_t x : v) s += static_cast<double>(x);
  return s / static_cast<double>(v.size());
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t runs = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 5000;
  const std::uint64_t seeds = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20;
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  try {
    const pipesim::scenario sc =
        pipesim::scenario::load("scenarios/library/stop_during_callback.json");
    std::printf(
        "stop-during-callback, correct consumer, swarm faults, random strategy, %llu runs\n",
        static_cast<unsigned long long>(runs));
    // A warm-up, then one core and every core alternately, three times each; the best of each
    // is quoted, so a moment of noise on a shared machine does not skew the ratio.
    (void)measure(sc, std::max<std::uint64_t>(runs / 10, 1), 1);
    throughput one;
    throughput all;
    for (int round = 0; round < 3; ++round) {
      const throughput a = measure(sc, runs, 1);
      const throughput b = measure(sc, runs, cores);
      if (a.runs_per_s > one.runs_per_s) one = a;
      if (b.runs_per_s > all.runs_per_s) all = b;
    }
    std::printf("  1 core:   %9.0f runs/s  %11.0f events/s  time compression %.3g\n",
                one.runs_per_s, one.events_per_s, one.compression);
    std::printf("  %u cores:  %9.0f runs/s  %11.0f events/s  time compression %.3g\n", cores,
                all.runs_per_s, all.events_per_s, all.compression);
    std::printf("  parallel scaling (%u cores / 1 core): %.2f\n", cores,
                all.runs_per_s / one.runs_per_s);

    const std::uint64_t budget = 20000;
    std::printf("\nruns to the first failure over %llu exploration seeds (budget %llu runs)\n",
                static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(budget));
    for (const char* bug : {"ignores_status", "not_idempotent", "deletes_before_answer"}) {
      const pipesim::scenario b =
          pipesim::scenario::load(std::string("scenarios/bugs/") + bug + ".json");
      const hunt random = runs_to_first_failure(b, "random", seeds, budget, cores);
      const hunt pct = runs_to_first_failure(b, "pct", seeds, budget, cores);
      std::printf(
          "  %-22s random: median %7.1f mean %8.1f missed %llu | pct: median %7.1f mean "
          "%8.1f missed %llu | pct/random (means) %.2f\n",
          bug, median(random.runs_to_failure), mean(random.runs_to_failure),
          static_cast<unsigned long long>(random.missed), median(pct.runs_to_failure),
          mean(pct.runs_to_failure), static_cast<unsigned long long>(pct.missed),
          mean(pct.runs_to_failure) / mean(random.runs_to_failure));
      pipesim::explore_options o;
      o.runs = budget;
      o.seed = 1;
      o.jobs = cores;
      const pipesim::explore_result r = pipesim::explore(b, o);
      if (r.failure) {
        const pipesim::explore_failure& f = *r.failure;
        std::printf(
            "  %-22s shrink (seed 1, random): %s, %zu choice points -> %zu deviations in "
            "%llu runs, %.3f s\n",
            "", f.failed_check.c_str(), f.original_choices, f.deviations.size(),
            static_cast<unsigned long long>(f.shrink_runs), f.shrink_seconds);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "pipesim-bench-explore: " << e.what() << " (run it from the repository root)\n";
    return 2;
  }
  return 0;
}

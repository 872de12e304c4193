// A small domain-free model that exercises the kernel: lanes, same-instant races, choice points,
// named streams and the trace. `pipesim run --demo` runs it.
#pragma once

#include "sim/simulation.hpp"

#include <cstdint>
#include <string>

namespace pipesim::tools {

struct kernel_demo_result {
  sim::run_result run;
  std::uint64_t jobs_posted = 0;
  std::uint64_t jobs_done_a = 0;
  std::uint64_t jobs_done_b = 0;
};

/// A producer posts jobs to a board; two workers poll it at the same instants, so which worker
/// takes a job is a race the strategy decides. Runs until `horizon_us`.
kernel_demo_result run_kernel_demo(sim::simulation& s, sim::time_us horizon_us);

}  // namespace pipesim::tools

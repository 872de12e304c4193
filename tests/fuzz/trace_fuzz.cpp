// Trace files: read and verified (format, digests), then the header checks replay makes (the
// scenario inside it, the replay options). The answer is a trace or a trace_error naming what
// is wrong; the scenario inside an intact trace may still be bad input (scenario_error).
#include "fuzz.hpp"
#include "scenarios/trace_file.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

PIPESIM_FUZZ_TARGET {
  // read_trace reads a file: one per process, rewritten for each input.
  static const std::string path = "/tmp/pipesim-trace-fuzz-" + std::to_string(getpid()) + ".jsonl";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const scenarios::recorded_trace t = scenarios::read_trace(path);
    if (t.header.contains("scenario")) {
      (void)scenarios::trace_scenario(t, path);
      (void)scenarios::trace_replay_options(t);
    }
  } catch (const scenarios::trace_error&) {
  } catch (const pipesim::scenario_error&) {
  }
  return 0;
}

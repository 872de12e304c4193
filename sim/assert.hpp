// Always-on checks of a model's own invariants. A broken invariant is a bug in pipesim, not an
// AWS error: it raises sim::model_error (with virtual time and trace position; the runner adds
// the seed), which is reported as a failed check, never answered as a retryable 5xx.
#pragma once

#include "sim/error.hpp"
#include "sim/simulation.hpp"

#include <string>

namespace sim::detail {

[[noreturn]] inline void assertion_failed(simulation& s, const char* condition,
                                          const std::string& message, const char* file, int line) {
  throw model_error(std::string("pipesim invariant broken: ") + message + " (" + condition + ", " +
                        file + ":" + std::to_string(line) + ")",
                    s.now(), s.trace().size());
}

}  // namespace sim::detail

/// Checks `condition` in every build type (unlike assert); `simulation` supplies the time and
/// trace position of the report. `message` is evaluated only when the check fails.
#define PIPESIM_ASSERT(simulation, condition, message)                                          \
  do {                                                                                          \
    if (!(condition))                                                                           \
      ::sim::detail::assertion_failed((simulation), #condition, (message), __FILE__, __LINE__); \
  } while (false)

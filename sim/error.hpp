// The error a model raises when the simulated system did something its model forbids.
#pragma once

#include "time.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sim {

/// A finding, not a crash: a state machine met an event it has no transition for, or a model's
/// own invariant broke. Carries the virtual time and trace position so the report points into the
/// trace; the runner adds the seed.
class model_error : public std::runtime_error {
 public:
  model_error(const std::string& what, time_us at_us, std::uint64_t trace_position)
      : std::runtime_error(what + " (t=" + format_duration(at_us) + ", trace position " +
                           std::to_string(trace_position) + ")"),
        at_us_(at_us),
        trace_position_(trace_position) {}

  time_us at_us() const noexcept { return at_us_; }
  std::uint64_t trace_position() const noexcept { return trace_position_; }

 private:
  time_us at_us_;
  std::uint64_t trace_position_;
};

}  // namespace sim

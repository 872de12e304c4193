// The story of a run: a short timeline read from its trace, filtered to what a failed check is
// about, with the schedule's deviations marked where they struck. What a person reads first
// when a run fails; the trace itself holds everything.
#pragma once

#include "sim/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scenarios {

/// A deviation from the nominal schedule to mark in the story.
struct story_mark {
  sim::time_us at_us = 0;
  std::string label;
  std::uint64_t pick = 0;
  std::uint64_t options = 0;
};

/// The story of a traced run (its trace lines) whose check failed with `failed_detail` (the text
/// of the failed check; "" for none). When the detail names an execution, only that execution,
/// its callback tokens and their messages are told; else every execution. Each line is
/// "<time>  <what happened>"; at most `max_lines` lines (the earliest, and a last one saying how
/// many were left out).
std::vector<std::string> story(const std::vector<std::string>& trace_lines,
                               const std::string& failed_detail,
                               const std::vector<story_mark>& marks, std::size_t max_lines = 60);

}  // namespace scenarios

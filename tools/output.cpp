// How the command line tells a failed run: its failed checks, then its story.
#include "cli.hpp"
#include "scenarios/story.hpp"

#include <iostream>

namespace pipesim::tools {

// The failed checks of a run, one line each.
void print_failed_checks(const scenarios::run_report& r) {
  for (const auto* checks : {&r.invariants, &r.expectations}) {
    for (const scenarios::check_result& c : *checks) {
      if (!c.ok) std::cout << "FAIL " << c.name << ": " << c.detail << '\n';
    }
  }
}

// The story of a failed run: the timeline of what its first failed check is about.
void print_story(const scenarios::run_report& r, const std::vector<std::string>& trace_lines,
                 const std::vector<scenarios::story_mark>& marks) {
  std::string detail;
  for (const auto* checks : {&r.invariants, &r.expectations}) {
    for (const scenarios::check_result& c : *checks) {
      if (!c.ok && detail.empty()) detail = c.detail;
    }
  }
  std::cout << "story (what the failed check is about; * marks a deviation from the nominal "
               "schedule):\n";
  for (const std::string& line : scenarios::story(trace_lines, detail, marks)) {
    std::cout << "  " << line << '\n';
  }
}

}  // namespace pipesim::tools

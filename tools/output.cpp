// How the command line tells a failed run: its failed checks, then its story; and where its
// drawing goes.
#include "cli.hpp"
#include "report/timeline.hpp"
#include "report/views.hpp"
#include "scenarios/story.hpp"
#include "scenarios/trace_file.hpp"

#include <filesystem>
#include <fstream>
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

void write_report(const std::string& path, const std::string& format, const nlohmann::json& header,
                  const std::vector<std::string>& events, const nlohmann::json& end) {
  const report::timeline t = report::build_timeline(header, events, end);
  const std::string text = format == "chrome"    ? report::to_chrome(t)
                           : format == "mermaid" ? report::to_mermaid(t)
                                                 : report::to_html(t);
  if (path == "-") {
    std::cout << text;
    return;
  }
  // Written whole to a temporary name, then renamed: a report is never seen half written.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw scenarios::trace_error(path + ": cannot write the report");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw scenarios::trace_error(path + ": cannot write the report: " + ec.message());
}

std::string default_report_path(const std::string& trace_path, const std::string& format) {
  std::filesystem::path p(trace_path);
  const std::string ext = format == "chrome"    ? ".chrome.json"
                          : format == "mermaid" ? ".mmd"
                                                : ".html";
  p.replace_extension(ext);
  return p.string();
}

}  // namespace pipesim::tools

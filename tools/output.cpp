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

namespace {

// Written whole to a temporary name, then renamed: a file is never seen half written.
void write_whole(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw scenarios::trace_error(path + ": cannot write it");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw scenarios::trace_error(path + ": cannot write it: " + ec.message());
}

}  // namespace

void write_json_file(const std::string& path, const nlohmann::json& j) {
  write_whole(path, j.dump(2) + "\n");
}

void print_coverage(const nlohmann::json& coverage) {
  const nlohmann::json& all = coverage.at("situations");
  std::uint64_t reached = 0;
  for (const nlohmann::json& c : all) reached += c.value("runs", std::uint64_t{0}) > 0 ? 1 : 0;
  std::cout << "behaviours: " << reached << " of " << all.size()
            << " situations reached (runs that reached each; --json has their descriptions)\n";
  for (const nlohmann::json& c : all) {
    if (c.value("runs", std::uint64_t{0}) == 0) continue;
    std::string runs = std::to_string(c.value("runs", std::uint64_t{0}));
    if (runs.size() < 7) runs.insert(0, 7 - runs.size(), ' ');
    std::cout << runs << "  " << c.value("id", "") << '\n';
  }
  if (reached == all.size()) return;
  std::cout << "  never reached:";
  std::size_t width = 16;
  bool first = true;
  for (const nlohmann::json& c : all) {
    if (c.value("runs", std::uint64_t{0}) > 0) continue;
    const std::string id = c.value("id", "");
    const std::string item = (first ? " " : ", ") + id;
    if (width + item.size() > 100) {
      std::cout << (first ? "" : ",") << "\n    " << id;
      width = 4 + id.size();
    } else {
      std::cout << item;
      width += item.size();
    }
    first = false;
  }
  std::cout << '\n';
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
  write_whole(path, text);
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

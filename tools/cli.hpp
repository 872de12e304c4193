// The pipesim command line: what its subcommands share (exit codes, how a failure is told) and
// one registration function per subcommand, each in its own file.
#pragma once

#include "scenarios/runner.hpp"
#include "scenarios/story.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#ifndef PIPESIM_VERSION
#define PIPESIM_VERSION "unknown"
#endif

namespace CLI {
class App;
}

namespace pipesim::tools {

// Exit codes are part of the contract (README): 0 ok, 1 a check failed, 2 bad input or usage,
// 3 an internal error (a bug in pipesim).
constexpr int k_exit_ok = 0;
constexpr int k_exit_check_failed = 1;
constexpr int k_exit_usage = 2;
constexpr int k_exit_internal = 3;

/// The failed checks of a run, one "FAIL <name>: <detail>" line each.
void print_failed_checks(const scenarios::run_report& r);
/// The story of a failed run: the timeline of what its first failed check is about.
void print_story(const scenarios::run_report& r, const std::vector<std::string>& trace_lines,
                 const std::vector<scenarios::story_mark>& marks);

/// Draws a run from its trace (header line, event lines, end line) as `format` ("html",
/// "chrome" or "mermaid") into `path` ("-": standard output). Throws scenarios::trace_error
/// naming the path when it cannot be written.
void write_report(const std::string& path, const std::string& format, const nlohmann::json& header,
                  const std::vector<std::string>& events, const nlohmann::json& end);
/// The report's name beside a trace: "run.jsonl" -> "run.html" (".chrome.json", ".mmd").
std::string default_report_path(const std::string& trace_path, const std::string& format);

/// Writes `j` (indented) to `path` whole, through a temporary name; throws scenarios::trace_error
/// naming the path when it cannot.
void write_json_file(const std::string& path, const nlohmann::json& j);
/// Which situations an exploration's runs reached and how often (its --json "coverage").
void print_coverage(const nlohmann::json& coverage);

/// A subcommand: registered on the app, run once parsed. run() returns the exit code.
class command {
 public:
  virtual ~command() = default;
  virtual int run() = 0;
  CLI::App* app = nullptr;  ///< The subcommand, set by the registration.
};

std::unique_ptr<command> add_run_command(CLI::App& app);
std::unique_ptr<command> add_validate_command(CLI::App& app);
std::unique_ptr<command> add_explore_command(CLI::App& app);
std::unique_ptr<command> add_replay_command(CLI::App& app);
std::unique_ptr<command> add_report_command(CLI::App& app);
std::unique_ptr<command> add_merge_command(CLI::App& app);

}  // namespace pipesim::tools

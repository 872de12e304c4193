// `pipesim replay`: a recorded trace re-run and compared event by event.
#include "cli.hpp"
#include "scenarios/story.hpp"
#include "scenarios/trace_file.hpp"
#include "serve_command.hpp"
#include "sim/trace.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

namespace pipesim::tools {

namespace {

int replay_trace(const std::string& path, bool summary) {
  const scenarios::recorded_trace t = scenarios::read_trace(path);
  // A `pipesim serve` session: its requests are re-sent at their virtual times, no clients needed.
  if (t.header.value("serve", false))
    return pipesim::tools::replay_serve_trace(path, t.header, t.events);
  const scenarios::replay_outcome out = scenarios::replay(t, path);
  if (summary) {
    // The deviations are the trace's own non-nominal picks; a random run has hundreds, which would
    // drown the story, so they are marked only for a shrunk (or hand-made) schedule.
    std::vector<scenarios::story_mark> marks;
    for (const std::string& line : t.events) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("type", "") == "choice" && j.value("pick", 0) != 0) {
        marks.push_back({j.value("t", sim::time_us{0}), j.value("label", ""),
                         j.value("pick", std::uint64_t{0}), j.value("options", std::uint64_t{0})});
      }
    }
    if (marks.size() > 20) marks.clear();
    std::cout << "scenario: " << t.header.value("file", "") << ", seed "
              << t.header.value("seed", std::uint64_t{0}) << '\n';
    print_failed_checks(out.report);
    if (!out.report.ok()) print_story(out.report, t.events, marks);
  }
  if (!out.identical) {
    std::cout << "diverged at event " << out.diverged_at << " (trace line " << out.diverged_at + 2
              << ")\n"
              << "  recorded: "
              << (out.recorded.empty() ? "(the recording ends here)" : out.recorded) << "\n"
              << "  replayed: " << (out.replayed.empty() ? "(the replay ends here)" : out.replayed)
              << '\n';
    if (!out.invocation.empty()) {
      std::cout << "  in " << out.invocation
                << ": the same events and the same answers led the user's code to a different "
                   "action, so that code is not deterministic (it reads the wall clock, a "
                   "random source, or depends on thread timing)\n";
    }
    return k_exit_check_failed;
  }
  std::cout << "identical: " << t.events.size() << " events, digest "
            << sim::format_digest(out.report.digest) << '\n';
  return k_exit_ok;
}

class replay_command final : public command {
 public:
  std::string path;
  bool summary = false;
  int run() override { return replay_trace(path, summary); }
};

}  // namespace

std::unique_ptr<command> add_replay_command(CLI::App& app) {
  auto c = std::make_unique<replay_command>();
  c->app = app.add_subcommand("replay", "Re-run a recorded trace and compare it event by event");
  c->app->add_option("trace", c->path, "Trace file")->required();
  c->app->add_flag("--summary", c->summary,
                   "Also print the failed checks and the story of the run");
  return c;
}

}  // namespace pipesim::tools

// `pipesim report`: a trace drawn as a timeline (HTML), a Chrome trace or a Mermaid diagram.
#include "cli.hpp"
#include "scenarios/trace_file.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace pipesim::tools {

namespace {

class report_command final : public command {
 public:
  std::string trace_path;
  std::string out_path;
  std::string format = "html";

  int run() override {
    const scenarios::recorded_trace t = scenarios::read_trace(trace_path);
    const std::string path = out_path.empty() ? default_report_path(trace_path, format) : out_path;
    write_report(path, format, t.header, t.events, t.end);
    if (path != "-") std::cout << "report written to " << path << '\n';
    return k_exit_ok;
  }
};

}  // namespace

std::unique_ptr<command> add_report_command(CLI::App& app) {
  auto c = std::make_unique<report_command>();
  c->app = app.add_subcommand(
      "report",
      "Draw a trace: a self-contained HTML timeline, a Chrome trace or a Mermaid diagram");
  c->app->add_option("trace", c->trace_path, "Trace file (pipesim run --trace, explore, serve)")
      ->required();
  c->app->add_option("-o,--output", c->out_path,
                     "Where to write it; - for standard output (default: the trace's name with "
                     ".html, .chrome.json or .mmd)");
  c->app
      ->add_option("--format", c->format,
                   "html (a timeline for a browser), chrome (Trace Event Format JSON for "
                   "Perfetto or chrome://tracing) or mermaid (a sequence diagram)")
      ->check(CLI::IsMember({"html", "chrome", "mermaid"}));
  return c;
}

}  // namespace pipesim::tools

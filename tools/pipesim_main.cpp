// The pipesim command line. Thin on purpose: parsing, printing and exit codes; the work is in
// sim/ and models/.
#include "kernel_demo.hpp"
#include "sim/simulation.hpp"
#include "trace_file.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#ifndef PIPESIM_VERSION
#define PIPESIM_VERSION "unknown"
#endif

namespace {

// Exit codes are part of the contract (README): 0 ok, 1 a check failed, 2 bad input or usage.
constexpr int k_exit_ok = 0;
constexpr int k_exit_usage = 2;

struct run_options {
  std::vector<std::string> files;
  bool demo = false;
  std::uint64_t seed = 1;
  std::string strategy = "random";
  std::string trace_path;
  bool json = false;
  std::string until = "1m";
};

int run_demo(const run_options& o) {
  sim::time_us horizon_us = 0;
  try {
    horizon_us = sim::parse_duration(o.until);
  } catch (const sim::duration_error& e) {
    std::cerr << "pipesim run: --until: " << e.what() << '\n';
    return k_exit_usage;
  }
  std::unique_ptr<sim::strategy> strategy = sim::make_strategy(o.strategy, o.seed);
  if (!strategy) {
    std::cerr << "pipesim run: --strategy: unknown strategy \"" << o.strategy
              << "\" (expected random or nominal)\n";
    return k_exit_usage;
  }
  sim::simulation s(o.seed, std::move(strategy));
  s.trace().enable(true);
  std::optional<pipesim::tools::trace_file> file;
  if (!o.trace_path.empty()) {
    file.emplace(o.trace_path);
    file->write_line({{"pipesim_trace", 1},
                      {"version", PIPESIM_VERSION},
                      {"demo", "kernel"},
                      {"seed", o.seed},
                      {"strategy", o.strategy},
                      {"until", o.until}});
    s.trace().set_sink(&file->stream());
  }
  const pipesim::tools::kernel_demo_result r = pipesim::tools::run_kernel_demo(s, horizon_us);
  const std::string digest = sim::format_digest(s.trace().digest());
  if (file) {
    file->finish({{"end", true}, {"records", s.trace().size()}, {"digest", digest}});
  }
  if (o.json) {
    nlohmann::json out{{"seed", o.seed},
                       {"strategy", o.strategy},
                       {"stop_reason", std::string(sim::to_string(r.run.reason))},
                       {"sim_time_us", r.run.now_us},
                       {"events", r.run.events},
                       {"choices", s.choices().size()},
                       {"jobs_posted", r.jobs_posted},
                       {"jobs_done", {{"worker-a", r.jobs_done_a}, {"worker-b", r.jobs_done_b}}},
                       {"trace_records", s.trace().size()},
                       {"digest", digest}};
    std::cout << out.dump(2) << '\n';
    return k_exit_ok;
  }
  std::cout << "pipesim " PIPESIM_VERSION ": kernel demo, seed " << o.seed << ", strategy "
            << o.strategy << '\n'
            << "stopped: " << sim::to_string(r.run.reason) << " at "
            << sim::format_duration(r.run.now_us) << " after " << r.run.events << " events, "
            << s.choices().size() << " choices\n"
            << "jobs: " << r.jobs_posted << " posted, worker-a did " << r.jobs_done_a
            << ", worker-b did " << r.jobs_done_b << '\n'
            << "trace: " << s.trace().size() << " records, digest " << digest << '\n';
  if (file) std::cout << "trace written to " << o.trace_path << '\n';
  return k_exit_ok;
}

int not_yet(const std::string& command) {
  std::cerr << "pipesim " << command << ": not available in this version yet\n";
  return k_exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "pipesim: deterministic simulation of SageMaker Pipelines callback steps, "
      "StopPipelineExecution and SQS delivery, in virtual time.",
      "pipesim"};
  app.set_version_flag("--version", "pipesim " PIPESIM_VERSION);
  app.require_subcommand(1);

  run_options run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a scenario once and check its expectations");
  run_cmd->add_option("file", run.files, "Scenario file");
  run_cmd->add_flag("--demo", run.demo, "Run the built-in kernel demo instead of a scenario");
  run_cmd->add_option("--seed", run.seed, "Root seed (default 1)");
  run_cmd->add_option("--strategy", run.strategy, "Choice strategy: random or nominal");
  run_cmd->add_option("--trace", run.trace_path, "Write the trace (JSON Lines) to this path");
  run_cmd->add_option("--until", run.until, "Demo horizon as a duration (default 1m)");
  run_cmd->add_flag("--json", run.json, "Print one JSON object instead of text");

  std::vector<std::string> validate_files;
  CLI::App* validate_cmd =
      app.add_subcommand("validate", "Check scenario files against the schema");
  validate_cmd->add_option("files", validate_files, "Scenario files")->required();

  std::string explore_file;
  CLI::App* explore_cmd =
      app.add_subcommand("explore", "Run many interleavings of a scenario and shrink failures");
  explore_cmd->add_option("file", explore_file, "Scenario file")->required();

  std::string replay_path;
  CLI::App* replay_cmd =
      app.add_subcommand("replay", "Re-run a recorded trace and compare it event by event");
  replay_cmd->add_option("trace", replay_path, "Trace file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return k_exit_usage;
  }

  try {
    if (run_cmd->parsed()) {
      if (run.demo == !run.files.empty()) {
        std::cerr << "pipesim run: give exactly one of FILE or --demo\n";
        return k_exit_usage;
      }
      if (!run.demo) return not_yet("run FILE");
      return run_demo(run);
    }
    if (validate_cmd->parsed()) return not_yet("validate");
    if (explore_cmd->parsed()) return not_yet("explore");
    if (replay_cmd->parsed()) return not_yet("replay");
  } catch (const std::exception& e) {
    std::cerr << "pipesim: " << e.what() << '\n';
    return k_exit_usage;
  }
  return k_exit_usage;
}

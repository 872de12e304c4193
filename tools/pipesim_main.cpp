// The pipesim command line. Thin on purpose: parsing, printing and exit codes; the work is in
// sim/ and models/.
#include "kernel_demo.hpp"
#include "serve_command.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"
#include "sim/pct_strategy.hpp"
#include "sim/simulation.hpp"
#include "trace_file.hpp"

#include <pipesim/explore.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#ifndef PIPESIM_VERSION
#define PIPESIM_VERSION "unknown"
#endif

namespace {

// Exit codes are part of the contract (README): 0 ok, 1 a check failed, 2 bad input or usage.
constexpr int k_exit_ok = 0;
constexpr int k_exit_check_failed = 1;
constexpr int k_exit_usage = 2;

struct run_options {
  std::vector<std::string> files;
  bool demo = false;
  std::uint64_t seed = 1;
  bool seed_given = false;
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

nlohmann::json trace_header(const scenarios::scenario& sc, const scenarios::run_report& r) {
  return {{"pipesim_trace", 1}, {"version", PIPESIM_VERSION}, {"file", sc.file},
          {"seed", r.seed},     {"profile", r.profile},       {"strategy", r.strategy},
          {"knobs", r.knobs},   {"scenario", sc.document}};
}

// Writes a finished run (its trace lines kept) as a trace file `pipesim replay` accepts.
void write_trace(const std::string& path, nlohmann::json header, const scenarios::run_report& r);

nlohmann::json trace_end(const scenarios::run_report& r) {
  return {{"end", true},
          {"records", r.trace_records},
          {"digest", sim::format_digest(r.digest)},
          {"choices", r.choices}};
}

void print_report(const scenarios::scenario& sc, const scenarios::run_report& r) {
  std::cout << "scenario: " << sc.name << " (" << sc.file << ")\n"
            << "seed " << r.seed << ", profile " << r.profile << ", strategy " << r.strategy << '\n'
            << "stopped: " << r.stop_reason << " at " << sim::format_duration(r.sim_time_us)
            << " after " << r.events << " events; trace " << r.trace_records << " records, digest "
            << sim::format_digest(r.digest) << '\n';
  std::cout << "executions:\n";
  for (const scenarios::execution_outcome& e : r.executions) {
    std::cout << "  " << e.name << ": " << e.status << "  " << e.arn << '\n';
    for (const auto& [step, status] : e.steps)
      std::cout << "    " << step << ": " << status << '\n';
  }
  if (!r.actions.empty()) std::cout << "actions:\n";
  for (const scenarios::action_outcome& a : r.actions) {
    std::cout << "  #" << a.index << " at " << sim::format_duration(a.at_us) << " " << a.call
              << ": "
              << (!a.ran ? "never ran"
                  : a.ok ? "ok"
                         : a.error_code + ": " + a.error_message)
              << '\n';
  }
  auto checks = [](const char* title, const std::vector<scenarios::check_result>& v) {
    if (v.empty()) return;
    std::cout << title << ":\n";
    for (const scenarios::check_result& c : v) {
      std::cout << "  " << (c.ok ? "pass " : "FAIL ") << c.name;
      if (!c.detail.empty()) std::cout << ": " << c.detail;
      std::cout << '\n';
    }
  };
  checks("expectations", r.expectations);
  checks("invariants", r.invariants);
  std::cout << "result: " << (r.ok() ? "pass" : "FAIL") << '\n';
}

int run_file(const run_options& o) {
  const scenarios::scenario sc = scenarios::load_scenario(o.files.front());
  scenarios::run_options options;
  if (o.seed_given) options.seed = o.seed;
  const std::uint64_t seed = o.seed_given ? o.seed : sc.seed;
  options.strategy = sim::make_strategy(o.strategy, seed);
  if (!options.strategy) {
    std::cerr << "pipesim run: --strategy: unknown strategy \"" << o.strategy
              << "\" (expected random or nominal)\n";
    return k_exit_usage;
  }
  std::optional<pipesim::tools::trace_file> file;
  std::ostringstream events;
  if (!o.trace_path.empty()) {
    file.emplace(o.trace_path);
    options.trace_sink = &events;
  }
  const scenarios::run_report r = scenarios::run_scenario(sc, std::move(options));
  if (file) {
    // The header needs the resolved knobs, known only after the run; events were buffered.
    file->write_line(trace_header(sc, r));
    file->stream() << events.str();
    file->finish(trace_end(r));
  }
  if (o.json) {
    nlohmann::json out = r.to_json();
    out["scenario"] = sc.name;
    std::cout << out.dump(2) << '\n';
  } else {
    print_report(sc, r);
    if (file) std::cout << "trace written to " << o.trace_path << '\n';
  }
  return r.ok() ? k_exit_ok : k_exit_check_failed;
}

int validate_files(const std::vector<std::string>& files) {
  int status = k_exit_ok;
  for (const std::string& f : files) {
    try {
      scenarios::load_scenario(f);
      std::cout << f << ": valid\n";
    } catch (const scenarios::scenario_error& e) {
      std::cerr << e.what() << '\n';
      status = k_exit_usage;
    }
  }
  return status;
}

int replay_trace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "pipesim replay: cannot read " << path << '\n';
    return k_exit_usage;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto bad = [&](const std::string& why) {
    std::cerr << "pipesim replay: " << path << ": " << why << '\n';
    return k_exit_usage;
  };
  if (lines.empty()) return bad("empty file, not a pipesim trace");
  const nlohmann::json header = nlohmann::json::parse(lines.front(), nullptr, false);
  if (header.is_discarded() || !header.is_object() || header.value("pipesim_trace", 0) != 1) {
    return bad("line 1 is not a pipesim trace header");
  }
  const nlohmann::json end = nlohmann::json::parse(lines.back(), nullptr, false);
  if (lines.size() < 2 || end.is_discarded() || !end.is_object() || !end.value("end", false)) {
    return bad("truncated trace: no end line (the run that wrote it did not finish)");
  }
  std::vector<std::string> recorded(lines.begin() + 1, lines.end() - 1);
  std::uint64_t digest = 0xcbf29ce484222325ULL;
  for (const std::string& l : recorded) digest = sim::digest_line(l, digest);
  if (recorded.size() != end.value("records", std::uint64_t{0}) ||
      sim::format_digest(digest) != end.value("digest", std::string())) {
    return bad("edited or damaged trace: its event lines do not match the digest in its end line");
  }
  if (header.value("serve", false)) return pipesim::tools::replay_serve_trace(path, header, recorded);
  const scenarios::scenario sc = scenarios::parse_scenario(header.at("scenario"), path);
  scenarios::run_options options;
  options.seed = header.at("seed").get<std::uint64_t>();
  options.strategy =
      std::make_unique<sim::replay_strategy>(end.at("choices").get<std::vector<std::uint64_t>>());
  // A run found by `pipesim explore` carries its fault profile as knob overrides and an injected
  // crash rate; a plain `pipesim run` trace has neither.
  if (header.contains("knob_overrides")) options.knob_overrides = header["knob_overrides"];
  options.hosts.crash_probability = header.value("crash_probability", 0.0);
  options.keep_trace_lines = true;
  const scenarios::run_report r = scenarios::run_scenario(sc, std::move(options));
  const std::size_t n = std::min(recorded.size(), r.trace_lines.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (recorded[i] != r.trace_lines[i]) {
      std::cout << "diverged at event " << i << " (trace line " << i + 2 << ")\n"
                << "  recorded: " << recorded[i] << "\n"
                << "  replayed: " << r.trace_lines[i] << '\n';
      return k_exit_check_failed;
    }
  }
  if (recorded.size() != r.trace_lines.size()) {
    std::cout << "diverged after event " << n << ": recorded " << recorded.size()
              << " events, replay produced " << r.trace_lines.size() << '\n';
    return k_exit_check_failed;
  }
  std::cout << "identical: " << recorded.size() << " events, digest "
            << sim::format_digest(r.digest) << '\n';
  return k_exit_ok;
}

void write_trace(const std::string& path, nlohmann::json header, const scenarios::run_report& r) {
  pipesim::tools::trace_file file(path);
  file.write_line(header);
  for (const std::string& line : r.trace_lines) file.stream() << line << '\n';
  file.finish(trace_end(r));
}

// Whether the shrunk run, as traced, fails the check the original run failed.
bool reproduces(const pipesim::explore_failure& f) {
  for (const auto* checks : {&f.report.invariants, &f.report.expectations}) {
    for (const scenarios::check_result& c : *checks) {
      if (!c.ok && c.name == f.failed_check) return true;
    }
  }
  return false;
}

struct explore_cli {
  std::string file;
  std::uint64_t runs = 1000;
  std::uint64_t seed = 1;
  std::string strategy = "random";
  std::uint32_t depth = sim::k_pct_default_depth;
  unsigned jobs = 1;
  bool json = false;
  std::string trace_path;
  std::string heal_at;
  bool no_shrink = false;
};

std::string rate(double runs, double seconds) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(0) << (seconds > 0 ? runs / seconds : 0.0);
  return os.str();
}

// The command that re-runs an exploration exactly: same file, seed, runs and strategy.
std::string explore_command(const explore_cli& o) {
  std::string c = "pipesim explore " + o.file + " --runs " + std::to_string(o.runs) + " --seed " +
                  std::to_string(o.seed) + " --strategy " + o.strategy;
  if (o.strategy == "pct") c += " --depth " + std::to_string(o.depth);
  if (!o.heal_at.empty()) c += " --heal-at " + o.heal_at;
  return c;
}

int explore_file(const explore_cli& o) {
  const scenarios::scenario sc = scenarios::load_scenario(o.file);
  pipesim::explore_options options;
  options.runs = o.runs;
  options.seed = o.seed;
  options.strategy = o.strategy;
  options.pct_depth = o.depth;
  options.jobs = o.jobs == 0 ? std::max(1U, std::thread::hardware_concurrency()) : o.jobs;
  options.shrink = !o.no_shrink;
  if (!o.heal_at.empty()) {
    try {
      options.heal_at_us = sim::parse_duration(o.heal_at);
    } catch (const sim::duration_error& e) {
      std::cerr << "pipesim explore: --heal-at: " << e.what() << '\n';
      return k_exit_usage;
    }
  }
  const bool tty = isatty(STDERR_FILENO) != 0 && !o.json;
  if (tty) {
    // Wall-clock time only for the display; nothing simulated reads it.
    using clock = std::chrono::steady_clock;
    const clock::time_point t0 = clock::now();
    auto last = t0;
    options.progress = [t0, last](std::uint64_t done, std::uint64_t planned) mutable {
      const clock::time_point now = clock::now();
      if (now - last < std::chrono::milliseconds(100) && done < planned) return;
      last = now;
      const double seconds = std::chrono::duration<double>(now - t0).count();
      std::cerr << "\rexplored " << done << "/" << planned << " runs, "
                << rate(static_cast<double>(done), seconds) << " runs/s" << std::flush;
    };
  }
  const pipesim::explore_result r = pipesim::explore(sc, options);
  if (tty) std::cerr << "\r\033[K" << std::flush;

  const double sim_seconds = static_cast<double>(r.sim_time_us) / sim::k_second_us;
  const double executed_sim_seconds =
      static_cast<double>(r.sim_time_executed_us) / sim::k_second_us;
  nlohmann::json out{{"scenario", sc.name},
                     {"file", o.file},
                     {"seed", o.seed},
                     {"strategy", o.strategy},
                     {"jobs", options.jobs},
                     {"runs", r.runs},
                     {"runs_planned", o.runs},
                     {"events", r.events},
                     {"seconds", r.seconds},
                     {"runs_executed", r.runs_executed},
                     {"runs_per_second",
                      r.seconds > 0 ? static_cast<double>(r.runs_executed) / r.seconds : 0},
                     {"sim_seconds", sim_seconds},
                     {"heal_at", sim::format_duration(r.heal_at_us)},
                     {"ok", !r.failure.has_value()}};
  if (o.strategy == "pct") out["pct"] = {{"depth", o.depth}, {"expected_steps", r.expected_steps}};

  std::string trace_path;
  if (r.failure) {
    const pipesim::explore_failure& f = *r.failure;
    trace_path = o.trace_path.empty() ? "pipesim-failure-" + std::to_string(o.seed) + "-run" +
                                            std::to_string(f.run_index) + ".jsonl"
                                      : o.trace_path;
    const scenarios::run_options replay = f.replay_options();
    nlohmann::json header = trace_header(sc, f.report);
    header["knob_overrides"] = replay.knob_overrides;
    header["crash_probability"] = replay.hosts.crash_probability;
    header["faults"] = f.profile.to_string();
    header["found_by"] = explore_command(o);
    write_trace(trace_path, header, f.report);
    nlohmann::json deviations = nlohmann::json::array();
    for (const pipesim::deviation& d : f.deviations) {
      deviations.push_back({{"position", d.position},
                            {"at_us", d.at_us},
                            {"at", sim::format_duration(d.at_us)},
                            {"label", d.label},
                            {"pick", d.pick},
                            {"options", d.options}});
    }
    out["failure"] = {{"run", f.run_index},
                      {"run_seed", f.seed},
                      {"check", f.failed_check},
                      {"profile", f.original_profile.to_json()},
                      {"profile_text", f.original_profile.to_string()},
                      {"shrunk_profile", f.profile.to_json()},
                      {"shrunk_profile_text", f.profile.to_string()},
                      {"original_choices", f.original_choices},
                      {"schedule", f.picks},
                      {"deviations", deviations},
                      {"shrink_runs", f.shrink_runs},
                      {"shrink_seconds", f.shrink_seconds},
                      {"reproduces", reproduces(f)},
                      {"report", f.report.to_json()},
                      {"trace", trace_path},
                      {"replay", "pipesim replay " + trace_path}};
  }
  if (o.json) {
    std::cout << out.dump(2) << '\n';
    return r.failure ? k_exit_check_failed : k_exit_ok;
  }

  std::cout << "scenario: " << sc.name << " (" << o.file << ")\n"
            << "explored " << r.runs << (r.failure ? " of " + std::to_string(o.runs) : "")
            << " runs from seed " << o.seed << ", strategy " << o.strategy;
  if (o.strategy == "pct") std::cout << " (depth " << o.depth << ", k " << r.expected_steps << ")";
  std::cout << ", " << options.jobs << (options.jobs == 1 ? " job" : " jobs") << ", heal at "
            << sim::format_duration(r.heal_at_us) << '\n'
            << "speed: " << rate(static_cast<double>(r.runs_executed), r.seconds) << " runs/s, "
            << rate(static_cast<double>(r.events_executed), r.seconds) << " events/s, "
            << rate(executed_sim_seconds, r.seconds) << " simulated s per wall-clock s\n";
  if (!r.failure) {
    std::cout << "result: pass (every run met its expectations and invariants)\n";
    return k_exit_ok;
  }
  const pipesim::explore_failure& f = *r.failure;
  std::cout << "FAIL at run " << f.run_index << ", run seed " << f.seed << ": " << f.failed_check
            << '\n'
            << "  profile: " << f.original_profile.to_string() << '\n'
            << "shrunk in " << f.shrink_runs << " runs (" << std::fixed << std::setprecision(2)
            << f.shrink_seconds << " s): " << f.original_choices << " choice points -> "
            << f.deviations.size() << " deviation" << (f.deviations.size() == 1 ? "" : "s")
            << " from the nominal schedule\n"
            << "  profile: " << f.profile.to_string() << '\n'
            << "minimal schedule (every other choice point takes its nominal option):\n";
  for (const pipesim::deviation& d : f.deviations) {
    std::cout << "  #" << d.position << " at " << sim::format_duration(d.at_us) << "  " << d.label
              << " = " << d.pick << " (of " << d.options << ")\n";
  }
  for (const scenarios::check_result& c : f.report.invariants) {
    if (!c.ok) std::cout << "FAIL " << c.name << ": " << c.detail << '\n';
  }
  for (const scenarios::check_result& c : f.report.expectations) {
    if (!c.ok) std::cout << "FAIL " << c.name << ": " << c.detail << '\n';
  }
  std::cout << "trace: " << trace_path << '\n'
            << "replay: pipesim replay " << trace_path << '\n'
            << "again: " << explore_command(o) << '\n'
            << "result: FAIL\n";
  return k_exit_check_failed;
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
  run_cmd->add_option("--seed", run.seed, "Root seed (default: the scenario's, else 1)");
  run_cmd->add_option("--strategy", run.strategy, "Choice strategy: random or nominal");
  run_cmd->add_option("--trace", run.trace_path, "Write the trace (JSON Lines) to this path");
  run_cmd->add_option("--until", run.until, "Demo horizon as a duration (default 1m)");
  run_cmd->add_flag("--json", run.json, "Print one JSON object instead of text");

  std::vector<std::string> validate_files_list;
  CLI::App* validate_cmd =
      app.add_subcommand("validate", "Check scenario files against the schema");
  validate_cmd->add_option("files", validate_files_list, "Scenario files")->required();

  explore_cli explore;
  CLI::App* explore_cmd =
      app.add_subcommand("explore", "Run many interleavings of a scenario and shrink failures");
  explore_cmd->add_option("file", explore.file, "Scenario file")->required();
  explore_cmd->add_option("--runs", explore.runs, "Number of runs (default 1000)");
  explore_cmd->add_option("--seed", explore.seed, "Exploration seed (default 1)");
  explore_cmd->add_option("--strategy", explore.strategy, "random or pct")
      ->check(CLI::IsMember({"random", "pct"}));
  explore_cmd->add_option("--depth", explore.depth, "PCT bug depth d (default 3)")
      ->check(CLI::Range(1, 10));
  explore_cmd->add_option("--jobs", explore.jobs,
                          "Worker threads (0: all cores); results do not depend on it");
  explore_cmd->add_option("--trace", explore.trace_path,
                          "Where to write the shrunk failing run's trace "
                          "(default pipesim-failure-SEED-runN.jsonl)");
  explore_cmd->add_option("--heal-at", explore.heal_at,
                          "Virtual time at which faults stop (default: 5m after the last action)");
  explore_cmd->add_flag("--no-shrink", explore.no_shrink, "Report the failing run as found");
  explore_cmd->add_flag("--json", explore.json, "Print one JSON object instead of text");

  std::string replay_path;
  CLI::App* replay_cmd =
      app.add_subcommand("replay", "Re-run a recorded trace and compare it event by event");
  replay_cmd->add_option("trace", replay_path, "Trace file")->required();

  pipesim::tools::serve_cli serve;
  CLI::App* serve_cmd = pipesim::tools::add_serve_command(app, serve);

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
      run.seed_given = run_cmd->count("--seed") > 0;
      if (!run.demo) return run_file(run);
      return run_demo(run);
    }
    if (validate_cmd->parsed()) return validate_files(validate_files_list);
    if (explore_cmd->parsed()) return explore_file(explore);
    if (replay_cmd->parsed()) return replay_trace(replay_path);
    if (serve_cmd->parsed()) return pipesim::tools::run_serve(serve);
  } catch (const scenarios::scenario_error& e) {
    std::cerr << e.what() << '\n';
    return k_exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "pipesim: " << e.what() << '\n';
    return k_exit_usage;
  }
  return k_exit_usage;
}

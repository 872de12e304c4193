// The pipesim command line. Thin on purpose: parsing, printing and exit codes; the work is in
// sim/ and models/.
#include "kernel_demo.hpp"
#include "scenarios/public_api.hpp"
#include "serve_command.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/story.hpp"
#include "scenarios/trace_file.hpp"
#include "sim/pct_strategy.hpp"
#include "sim/simulation.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <pipesim/explore.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#ifndef PIPESIM_VERSION
#define PIPESIM_VERSION "unknown"
#endif

namespace {

// Exit codes are part of the contract (README): 0 ok, 1 a check failed, 2 bad input or usage,
// 3 an internal error (a bug in pipesim).
constexpr int k_exit_ok = 0;
constexpr int k_exit_check_failed = 1;
constexpr int k_exit_usage = 2;
constexpr int k_exit_internal = 3;  // a bug in pipesim itself

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
              << "\" (expected random, nominal or pct)\n";
    return k_exit_usage;
  }
  sim::simulation s(o.seed, std::move(strategy));
  s.trace().enable(true);
  std::optional<scenarios::trace_writer> file;
  if (!o.trace_path.empty()) {
    file.emplace(o.trace_path);
    file->header({{"pipesim_trace", scenarios::k_trace_format},
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

void print_report(const scenarios::scenario& sc, const scenarios::run_report& r) {
  std::cout << "scenario: " << sc.name << " (" << sc.file << ")\n"
            << "seed " << r.seed << ", profile " << r.profile << ", strategy " << r.strategy << '\n'
            << "stopped: " << r.stop_reason << " at " << sim::format_duration(r.sim_time_us)
            << " after " << r.events << " events; trace " << r.trace_records << " records, digest "
            << sim::format_digest(r.digest) << '\n';
  std::cout << "executions:\n";
  for (const scenarios::execution_outcome& e : r.executions) {
    std::cout << "  " << e.name << ": " << e.status << "  " << e.arn << '\n';
    if (!e.failure_reason.empty()) std::cout << "    FailureReason: " << e.failure_reason << '\n';
    for (const scenarios::execution_outcome::step& s : e.steps) {
      std::cout << "    " << s.name << ": " << s.status;
      if (!s.failure_reason.empty()) std::cout << " (FailureReason: " << s.failure_reason << ")";
      std::cout << '\n';
    }
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
}

int run_file(const run_options& o) {
  const scenarios::scenario sc = scenarios::load_scenario(o.files.front());
  scenarios::run_options options;
  if (o.seed_given) options.seed = o.seed;
  const std::uint64_t seed = o.seed_given ? o.seed : sc.seed;
  options.strategy = sim::make_strategy(o.strategy, seed);
  // A failure is told as a story read from the trace, so the lines are kept (one run: cheap).
  options.keep_trace_lines = true;
  const scenarios::run_report r = scenarios::run_scenario(sc, std::move(options));
  // The header needs the resolved knobs, known only after the run.
  if (!o.trace_path.empty()) {
    scenarios::write_trace(o.trace_path, scenarios::trace_header(sc, r, PIPESIM_VERSION), r);
  }
  if (o.json) {
    nlohmann::json out = r.to_json();
    out["scenario"] = sc.name;
    std::cout << out.dump(2) << '\n';
  } else {
    print_report(sc, r);
    if (!r.ok()) print_story(r, r.trace_lines, {});
    std::cout << "result: " << (r.ok() ? "pass" : "FAIL") << '\n';
    if (!o.trace_path.empty()) std::cout << "trace written to " << o.trace_path << '\n';
  }
  return r.ok() ? k_exit_ok : k_exit_check_failed;
}

int validate_files(const std::vector<std::string>& files) {
  int status = k_exit_ok;
  for (const std::string& f : files) {
    try {
      const scenarios::scenario sc = scenarios::load_scenario(f);
      for (const scenarios::problem& w : sc.warnings) {
        std::cerr << f << ": " << w.pointer << ": warning: " << w.message << '\n';
      }
      std::cout << f << ": valid" << (sc.warnings.empty() ? "" : " (with warnings)") << '\n';
    } catch (const scenarios::scenario_error& e) {
      std::cerr << e.what() << '\n';
      status = k_exit_usage;
    }
  }
  return status;
}

int replay_trace(const std::string& path, bool summary) {
  const scenarios::recorded_trace t = scenarios::read_trace(path);
  // A `pipesim serve` session: its requests are re-sent at their virtual times, no clients needed.
  if (t.header.value("serve", false)) return pipesim::tools::replay_serve_trace(path, t.header, t.events);
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
    return k_exit_check_failed;
  }
  std::cout << "identical: " << t.events.size() << " events, digest "
            << sim::format_digest(out.report.digest) << '\n';
  return k_exit_ok;
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
  std::string heal_deadline;
  bool no_shrink = false;
};

// A file name from a scenario's name: letters, digits, '-' and '_' kept, the rest '-'.
std::string file_safe(const std::string& name) {
  std::string out;
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
    out += keep ? c : '-';
  }
  return out.empty() ? "scenario" : out;
}

// The default failure trace name: the scenario, the exploration seed and the run, so explorations
// of different scenarios never share a name; an existing file is never overwritten, a suffix -2,
// -3, ... is added instead.
std::string failure_trace_path(const std::string& scenario_name, std::uint64_t seed,
                               std::uint64_t run) {
  const std::string stem = "pipesim-failure-" + file_safe(scenario_name) + "-seed" +
                           std::to_string(seed) + "-run" + std::to_string(run);
  std::string path = stem + ".jsonl";
  for (int n = 2; std::filesystem::exists(path); ++n)
    path = stem + "-" + std::to_string(n) + ".jsonl";
  return path;
}

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
  if (!o.heal_deadline.empty()) c += " --heal-deadline " + o.heal_deadline;
  return c;
}

int explore_file(const explore_cli& o) {
  const pipesim::scenario loaded = pipesim::scenario::load(o.file);
  const scenarios::scenario& sc = pipesim::detail::scenario_access::parsed(loaded);
  pipesim::explore_options options;
  options.runs = o.runs;
  options.seed = o.seed;
  options.strategy =
      o.strategy == "pct" ? pipesim::explore_strategy::pct : pipesim::explore_strategy::random;
  options.pct_depth = o.depth;
  options.jobs = o.jobs == 0 ? std::max(1U, std::thread::hardware_concurrency()) : o.jobs;
  options.shrink = !o.no_shrink;
  if (!o.heal_at.empty()) {
    try {
      options.heal_at = pipesim::duration(sim::parse_duration(o.heal_at));
    } catch (const sim::duration_error& e) {
      std::cerr << "pipesim explore: --heal-at: " << e.what() << '\n';
      return k_exit_usage;
    }
  }
  if (!o.heal_deadline.empty()) {
    try {
      options.heal_deadline = pipesim::duration(sim::parse_duration(o.heal_deadline));
    } catch (const sim::duration_error& e) {
      std::cerr << "pipesim explore: --heal-deadline: " << e.what() << '\n';
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
  const pipesim::explore_result r = pipesim::explore(loaded, options);
  if (tty) std::cerr << "\r\033[K" << std::flush;

  // The exploration's own report comes from the library; the command adds where it came from and
  // where the failing run's trace went.
  nlohmann::json out = r.to_json();
  out["scenario"] = sc.name;
  out["file"] = o.file;
  out["seed"] = o.seed;
  out["strategy"] = o.strategy;
  out["jobs"] = options.jobs;
  out["runs_planned"] = o.runs;
  if (o.strategy == "pct") out["pct"] = {{"depth", o.depth}, {"expected_steps", r.expected_steps}};

  std::string trace_path;
  if (r.failure) {
    const pipesim::explore_failure& f = *r.failure;
    trace_path =
        o.trace_path.empty() ? failure_trace_path(sc.name, o.seed, f.run_index) : o.trace_path;
    nlohmann::json header = scenarios::trace_header(sc, f.report, PIPESIM_VERSION);
    scenarios::add_replay_settings(header, scenarios::internal_options(f.replay_options(), f.seed));
    header["faults"] = f.fault_profile.to_string();
    header["found_by"] = explore_command(o);
    scenarios::write_trace(trace_path, header, f.report);
    out["failure"]["trace"] = trace_path;
    out["failure"]["replay"] = "pipesim replay " + trace_path;
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
            << sim::format_duration(r.heal_at_us) << ", heal deadline "
            << sim::format_duration(r.heal_deadline_us) << '\n'
            << "speed: " << rate(static_cast<double>(r.runs_executed), r.seconds) << " runs/s, "
            << rate(static_cast<double>(r.events_executed), r.seconds) << " events/s, "
            << rate(static_cast<double>(r.sim_time_executed_us) / sim::k_second_us, r.seconds)
            << " simulated s per wall-clock s\n";
  for (const std::string& w : r.warnings) std::cout << "warning: " << w << '\n';
  if (!r.failure) {
    std::cout << "result: pass (every run met its expectations and invariants)\n";
    return k_exit_ok;
  }
  const pipesim::explore_failure& f = *r.failure;
  std::cout << "FAIL at run " << f.run_index << ", run seed " << f.seed << ": " << f.failed_check
            << '\n'
            << "  faults: " << f.original_fault_profile.to_string() << '\n';
  const char* schedule_title =
      "minimal schedule (every other choice point takes its nominal option):\n";
  if (o.no_shrink) {
    std::cout << "not shrunk (--no-shrink): " << f.deviations.size() << " deviation"
              << (f.deviations.size() == 1 ? "" : "s") << " from the nominal schedule in "
              << f.original_choices << " choice points\n";
    schedule_title = "schedule as found (every other choice point takes its nominal option):\n";
  } else {
    std::cout << "shrunk in " << f.shrink_runs << " runs (" << std::fixed << std::setprecision(2)
              << f.shrink_seconds << " s): " << f.original_choices << " choice points -> "
              << f.deviations.size() << " deviation" << (f.deviations.size() == 1 ? "" : "s")
              << " from the nominal schedule\n"
              << "  faults: " << f.fault_profile.to_string() << '\n';
  }
  // A run as found has one deviation per random pick: listed only when it is short.
  if (!o.no_shrink || f.deviations.size() <= 20) {
    std::cout << schedule_title;
    for (const pipesim::deviation& d : f.deviations) {
      std::cout << "  #" << d.position << " at " << sim::format_duration(d.at_us) << "  " << d.label
                << " = " << d.pick << " (of " << d.options << ")\n";
    }
  }
  print_failed_checks(f.report);
  std::vector<scenarios::story_mark> marks;
  if (!o.no_shrink || f.deviations.size() <= 20) {
    for (const pipesim::deviation& d : f.deviations) {
      marks.push_back({d.at_us, d.label, d.pick, d.options});
    }
  }
  print_story(f.report, f.report.trace_lines, marks);
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
  run_cmd->add_option("--strategy", run.strategy, "Choice strategy: random, nominal or pct")
      ->check(CLI::IsMember({"random", "nominal", "pct"}));
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
                          "Virtual time at which faults stop (default: when the nominal run's "
                          "executions are all terminal, plus a margin)");
  explore_cmd->add_option("--heal-deadline", explore.heal_deadline,
                          "How long after the heal point a run has to settle (every execution "
                          "terminal, every consumed message gone) before liveness fails "
                          "(default: derived from the scenario)");
  explore_cmd->add_flag("--no-shrink", explore.no_shrink, "Report the failing run as found");
  explore_cmd->add_flag("--json", explore.json, "Print one JSON object instead of text");

  std::string replay_path;
  bool replay_summary = false;
  CLI::App* replay_cmd =
      app.add_subcommand("replay", "Re-run a recorded trace and compare it event by event");
  replay_cmd->add_option("trace", replay_path, "Trace file")->required();
  replay_cmd->add_flag("--summary", replay_summary,
                       "Also print the failed checks and the story of the run");

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
    if (replay_cmd->parsed()) return replay_trace(replay_path, replay_summary);
    if (serve_cmd->parsed()) return pipesim::tools::run_serve(serve);
  } catch (const scenarios::trace_error& e) {
    std::cerr << "pipesim: " << e.what() << '\n';
    return k_exit_usage;
  } catch (const scenarios::scenario_error& e) {
    std::cerr << e.what() << '\n';
    return k_exit_usage;
  } catch (const std::exception& e) {
    // Not bad input (that is scenario_error or trace_error above): a bug in pipesim itself. Said
    // so, with what reproduces it, and never as exit 2.
    std::string command;
    for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
    std::cerr << "pipesim: internal error: " << e.what()
              << "\nThis is a bug in pipesim, not in your input. Please report it with this "
                 "command (its seeds reproduce the run):\n  "
              << command << '\n';
    return k_exit_internal;
  }
  return k_exit_usage;
}

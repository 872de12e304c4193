// `pipesim explore`: many interleavings of a scenario; the first failure shrunk, told, traced.
#include "cli.hpp"
#include "scenarios/public_api.hpp"
#include "scenarios/story.hpp"
#include "scenarios/trace_file.hpp"
#include "sim/pct_strategy.hpp"
#include "sim/trace.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <pipesim/explore.hpp>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace pipesim::tools {

namespace {

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
  std::string shard;     // "I/N"
  std::string out_path;  // the shard result file
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
  if (!o.shard.empty()) c += " --shard " + o.shard;
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
  if (!o.shard.empty()) {
    const std::size_t slash = o.shard.find('/');
    std::uint64_t index = 0;
    std::uint64_t count = 0;
    try {
      if (slash == std::string::npos) throw std::invalid_argument("no slash");
      std::size_t used = 0;
      index = std::stoull(o.shard.substr(0, slash), &used);
      if (used != slash) throw std::invalid_argument("index");
      count = std::stoull(o.shard.substr(slash + 1), &used);
      if (used != o.shard.size() - slash - 1) throw std::invalid_argument("count");
    } catch (const std::exception&) {
      count = 0;
    }
    if (count == 0 || index >= count || o.shard[0] == '-' ||
        o.shard.find("/-") != std::string::npos) {
      std::cerr << "pipesim explore: --shard: expected I/N with 0 <= I < N (shard I of N, "
                   "numbered from 0), got \""
                << o.shard << "\"\n";
      return k_exit_usage;
    }
    options.shard_index = index;
    options.shard_count = count;
  }
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
  std::string report_path;
  if (r.failure) {
    const pipesim::explore_failure& f = *r.failure;
    trace_path =
        o.trace_path.empty() ? failure_trace_path(sc.name, o.seed, f.run_index) : o.trace_path;
    nlohmann::json header = scenarios::trace_header(sc, f.report, PIPESIM_VERSION);
    scenarios::add_replay_settings(header, scenarios::internal_options(f.replay_options(), f.seed));
    header["faults"] = f.fault_profile.to_string();
    header["found_by"] = explore_command(o);
    scenarios::write_trace(trace_path, header, f.report);
    // The failing run drawn beside its trace: what a person opens first.
    report_path = default_report_path(trace_path, "html");
    write_report(report_path, "html", header, f.report.trace_lines, scenarios::trace_end(f.report));
    out["failure"]["trace"] = trace_path;
    out["failure"]["report"] = report_path;
    out["failure"]["replay"] = "pipesim replay " + trace_path;
  }
  if (!o.shard.empty() || !o.out_path.empty()) {
    // What `pipesim merge` needs to check that shards belong to one exploration and to combine
    // them: the exploration's identity, this shard's place, and the situations it must reach.
    out["pipesim_shard"] = 1;
    out["version"] = PIPESIM_VERSION;
    out["scenario_digest"] =
        sim::format_digest(sim::digest_line(sc.document.dump(), sim::k_digest_basis));
    out["pct_depth"] = o.strategy == "pct" ? nlohmann::json(o.depth) : nlohmann::json();
    out["shard"] = {{"index", options.shard_index}, {"count", options.shard_count}};
    out["required"] = sc.expect.reached;
  }
  if (!o.out_path.empty()) write_json_file(o.out_path, out);
  if (o.json) {
    std::cout << out.dump(2) << '\n';
    return r.ok() ? k_exit_ok : k_exit_check_failed;
  }

  std::cout << "scenario: " << sc.name << " (" << o.file << ")\n";
  if (options.shard_count > 1) {
    std::cout << "shard " << options.shard_index << " of " << options.shard_count
              << " (run indices " << options.shard_index << ", "
              << options.shard_index + options.shard_count << ", ...): ";
  }
  std::cout << "explored " << r.runs << (r.failure ? " of " + std::to_string(o.runs) : "")
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
    print_coverage(out["coverage"]);
    if (!r.unreached_required.empty()) {
      std::string list;
      for (const std::string& id : r.unreached_required) list += (list.empty() ? "" : ", ") + id;
      std::cout << "FAIL expect.reached: no run of " << r.runs << " reached " << list << '\n'
                << "again: " << explore_command(o) << '\n'
                << "result: FAIL\n";
      return k_exit_check_failed;
    }
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
            << "report: " << report_path << '\n'
            << "replay: pipesim replay " << trace_path << '\n'
            << "again: " << explore_command(o) << '\n'
            << "result: FAIL\n";
  return k_exit_check_failed;
}

class explore_subcommand final : public command {
 public:
  explore_cli o;
  int run() override { return explore_file(o); }
};

}  // namespace

std::unique_ptr<command> add_explore_command(CLI::App& app) {
  auto c = std::make_unique<explore_subcommand>();
  explore_cli& o = c->o;
  CLI::App* cmd =
      app.add_subcommand("explore", "Run many interleavings of a scenario and shrink failures");
  cmd->add_option("file", o.file, "Scenario file")->required();
  cmd->add_option("--runs", o.runs, "Number of runs (default 1000)");
  cmd->add_option("--seed", o.seed, "Exploration seed (default 1)");
  cmd->add_option("--strategy", o.strategy, "random or pct")
      ->check(CLI::IsMember({"random", "pct"}));
  cmd->add_option("--depth", o.depth, "PCT bug depth d (default 3)")->check(CLI::Range(1, 10));
  cmd->add_option("--jobs", o.jobs, "Worker threads (0: all cores); results do not depend on it");
  cmd->add_option("--trace", o.trace_path,
                  "Where to write the shrunk failing run's trace "
                  "(default pipesim-failure-SCENARIO-seedS-runN.jsonl, never overwritten)");
  cmd->add_option("--heal-at", o.heal_at,
                  "Virtual time at which faults stop (default: when the nominal run's "
                  "executions are all terminal, plus a margin)");
  cmd->add_option("--heal-deadline", o.heal_deadline,
                  "How long after the heal point a run has to settle (every execution "
                  "terminal, every consumed message gone) before liveness fails "
                  "(default: derived from the scenario)");
  cmd->add_flag("--no-shrink", o.no_shrink, "Report the failing run as found");
  cmd->add_option("--shard", o.shard,
                  "I/N: make only the runs of shard I of N (indices I, I+N, ...; numbered from 0); "
                  "pipesim merge combines the shards' --out files");
  cmd->add_option("--out", o.out_path,
                  "Write this exploration's result (the --json object, with what pipesim merge "
                  "checks) to FILE");
  cmd->add_flag("--json", o.json, "Print one JSON object instead of text");
  c->app = cmd;
  return c;
}

}  // namespace pipesim::tools

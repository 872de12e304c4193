// `pipesim run`: one run of a scenario (or of the kernel demo), its report, and on a failure its
// story.
#include "cli.hpp"
#include "kernel_demo.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/story.hpp"
#include "scenarios/trace_file.hpp"
#include "sim/pct_strategy.hpp"
#include "sim/simulation.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <optional>

namespace pipesim::tools {

namespace {

struct run_cli {
  std::vector<std::string> files;
  bool demo = false;
  std::uint64_t seed = 1;
  bool seed_given = false;
  std::string strategy = "random";
  std::string trace_path;
  std::string report_path;
  bool json = false;
  std::string until = "1m";
};

int run_demo(const run_cli& o) {
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
  if (!sc.expect.reached.empty()) {
    // Situations are an exploration's expectation: one run cannot reach exclusive ones.
    std::cout << "reached (expect.reached is checked by pipesim explore, across its runs):\n";
    for (const std::string& id : sc.expect.reached) {
      std::cout << "  " << (r.reached.count(id) ? "this run reached " : "not in this run: ") << id
                << '\n';
    }
  }
}

int run_file(const run_cli& o) {
  const scenarios::scenario sc = scenarios::load_scenario(o.files.front());
  scenarios::run_options options;
  if (o.seed_given) options.seed = o.seed;
  const std::uint64_t seed = o.seed_given ? o.seed : sc.seed;
  options.strategy = sim::make_strategy(o.strategy, seed);
  // A failure is told as a story read from the trace, so the lines are kept (one run: cheap).
  options.keep_trace_lines = true;
  const scenarios::run_report r = scenarios::run_scenario(sc, std::move(options));
  // The header needs the resolved knobs, known only after the run.
  const nlohmann::json header = scenarios::trace_header(sc, r, PIPESIM_VERSION);
  if (!o.trace_path.empty()) scenarios::write_trace(o.trace_path, header, r);
  if (!o.report_path.empty()) {
    write_report(o.report_path, "html", header, r.trace_lines, scenarios::trace_end(r));
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
    if (!o.report_path.empty()) std::cout << "report written to " << o.report_path << '\n';
  }
  return r.ok() ? k_exit_ok : k_exit_check_failed;
}

class run_command final : public command {
 public:
  run_cli o;
  int run() override {
    if (o.demo == !o.files.empty()) {
      std::cerr << "pipesim run: give exactly one of FILE or --demo\n";
      return k_exit_usage;
    }
    o.seed_given = app->count("--seed") > 0;
    return o.demo ? run_demo(o) : run_file(o);
  }
};

}  // namespace

std::unique_ptr<command> add_run_command(CLI::App& app) {
  auto c = std::make_unique<run_command>();
  run_cli& o = c->o;
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario once and check its expectations");
  cmd->add_option("file", o.files, "Scenario file");
  cmd->add_flag("--demo", o.demo, "Run the built-in kernel demo instead of a scenario");
  cmd->add_option("--seed", o.seed, "Root seed (default: the scenario's, else 1)");
  cmd->add_option("--strategy", o.strategy, "Choice strategy: random, nominal or pct")
      ->check(CLI::IsMember({"random", "nominal", "pct"}));
  cmd->add_option("--trace", o.trace_path, "Write the trace (JSON Lines) to this path");
  cmd->add_option("--report", o.report_path,
                  "Draw the run as a self-contained HTML timeline at this path");
  cmd->add_option("--until", o.until, "Demo horizon as a duration (default 1m)");
  cmd->add_flag("--json", o.json, "Print one JSON object instead of text");
  c->app = cmd;
  return c;
}

}  // namespace pipesim::tools

// `pipesim merge`: the results of an exploration's shards combined into the report, --json
// object and exit code of the unsharded exploration.
#include "cli.hpp"
#include "scenarios/trace_file.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <pipesim/explore.hpp>

namespace pipesim::tools {

namespace {

nlohmann::json read_shard(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw scenarios::trace_error(path + ": cannot open the shard result");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw scenarios::trace_error(path + ": not JSON (a shard result is)");
  return j;
}

void print_merged(const nlohmann::json& m) {
  std::cout << "scenario: " << m.value("scenario", "") << " (" << m.value("file", "") << ")\n"
            << "merged " << m.value("shards", 0) << " shards: " << m.value("runs", 0)
            << (m.contains("failure") ? " of " + std::to_string(m.value("runs_planned", 0)) : "")
            << " runs from seed " << m.value("seed", 0) << ", strategy " << m.value("strategy", "")
            << ", heal at " << m.value("heal_at", "") << ", heal deadline "
            << m.value("heal_deadline", "") << '\n'
            << "made " << m.value("runs_executed", 0) << " runs in "
            << static_cast<std::uint64_t>(m.value("seconds", 0.0)) << " s of shard time\n";
  for (const nlohmann::json& w : m.value("warnings", nlohmann::json::array())) {
    std::cout << "warning: " << w.get<std::string>() << '\n';
  }
  if (!m.contains("failure")) {
    print_coverage(m.at("coverage"));
    const nlohmann::json& unreached = m.at("unreached_required");
    if (!unreached.empty()) {
      std::string list;
      for (const nlohmann::json& id : unreached) {
        list += (list.empty() ? "" : ", ") + id.get<std::string>();
      }
      std::cout << "FAIL expect.reached: no run of " << m.value("runs", 0) << " reached " << list
                << '\n'
                << "result: FAIL\n";
      return;
    }
    std::cout << "result: pass (every run met its expectations and invariants)\n";
    return;
  }
  const nlohmann::json& f = m.at("failure");
  std::cout << "FAIL at run " << f.value("run", 0) << ", run seed " << f.value("run_seed", 0)
            << ": " << f.value("check", "") << '\n'
            << "  faults: " << f.value("fault_profile_text", "") << '\n'
            << "minimal schedule (every other choice point takes its nominal option):\n";
  for (const nlohmann::json& d : f.value("deviations", nlohmann::json::array())) {
    std::cout << "  #" << d.value("position", 0) << " at " << d.value("at", "") << "  "
              << d.value("label", "") << " = " << d.value("pick", 0) << " (of "
              << d.value("options", 0) << ")\n";
  }
  std::cout << "trace: " << f.value("trace", "") << " (written by the shard that made the run)\n"
            << "report: " << f.value("report", "") << '\n'
            << "replay: " << f.value("replay", "") << '\n'
            << "result: FAIL\n";
}

class merge_command final : public command {
 public:
  std::vector<std::string> files;
  bool json = false;

  int run() override {
    std::vector<nlohmann::json> shards;
    for (const std::string& f : files) shards.push_back(read_shard(f));
    nlohmann::json merged;
    try {
      merged = pipesim::merge_shards(shards, files);
    } catch (const pipesim::shard_error& e) {
      std::cerr << "pipesim merge: " << e.what() << '\n';
      return k_exit_usage;
    }
    if (json) {
      std::cout << merged.dump(2) << '\n';
    } else {
      print_merged(merged);
    }
    return merged.value("ok", false) ? k_exit_ok : k_exit_check_failed;
  }
};

}  // namespace

std::unique_ptr<command> add_merge_command(CLI::App& app) {
  auto c = std::make_unique<merge_command>();
  c->app = app.add_subcommand(
      "merge", "Combine the results of an exploration's shards (explore --shard I/N --out FILE)");
  c->app->add_option("files", c->files, "Every shard's result file")->required();
  c->app->add_flag("--json", c->json, "Print one JSON object, as explore --json does");
  return c;
}

}  // namespace pipesim::tools

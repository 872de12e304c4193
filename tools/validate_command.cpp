// `pipesim validate`: scenario files checked, every problem with its file, pointer and expectation.
#include "cli.hpp"
#include "scenarios/scenario.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

namespace pipesim::tools {

namespace {

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

class validate_command final : public command {
 public:
  std::vector<std::string> files;
  int run() override { return validate_files(files); }
};

}  // namespace

std::unique_ptr<command> add_validate_command(CLI::App& app) {
  auto c = std::make_unique<validate_command>();
  c->app = app.add_subcommand("validate", "Check scenario files against the schema");
  c->app->add_option("files", c->files, "Scenario files")->required();
  return c;
}

}  // namespace pipesim::tools

// The pipesim command line. Thin on purpose: each subcommand parses its options and prints; the
// work is in the library. This file dispatches and turns exceptions into exit codes.
#include "cli.hpp"
#include "scenarios/trace_file.hpp"
#include "serve_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace pipesim::tools;
  CLI::App app{
      "pipesim: deterministic simulation of SageMaker Pipelines callback steps, "
      "StopPipelineExecution and SQS delivery, in virtual time.",
      "pipesim"};
  app.set_version_flag("--version", "pipesim " PIPESIM_VERSION);
  app.require_subcommand(1);

  std::vector<std::unique_ptr<command>> commands;
  commands.push_back(add_run_command(app));
  commands.push_back(add_validate_command(app));
  commands.push_back(add_explore_command(app));
  commands.push_back(add_replay_command(app));
  commands.push_back(add_report_command(app));
  commands.push_back(add_merge_command(app));
  serve_cli serve;
  CLI::App* serve_cmd = add_serve_command(app, serve);

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
    for (const auto& c : commands) {
      if (c->app->parsed()) return c->run();
    }
    if (serve_cmd->parsed()) return run_serve(serve);
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

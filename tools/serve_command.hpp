// `pipesim serve` and the replay of its traces, registered by pipesim_main.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace pipesim::tools {

struct serve_cli {
  std::string file;
  unsigned short port = 4566;
  std::string clock = "auto";
  double speed = 1.0;
  std::string trace_path;
  std::string listen = "127.0.0.1";
  std::string verify_sigv4;
  int max_connections = 512;
  int idle_timeout_s = 120;
};

/// Adds the `serve` subcommand to `app`, filling `o`.
CLI::App* add_serve_command(CLI::App& app, serve_cli& o);
int run_serve(const serve_cli& o);

/// Replays a trace written by `pipesim serve` (header "serve": true): re-runs every recorded
/// request and clock move at its virtual time and compares the result line by line.
int replay_serve_trace(const std::string& path, const nlohmann::json& header,
                       const std::vector<std::string>& recorded);

}  // namespace pipesim::tools

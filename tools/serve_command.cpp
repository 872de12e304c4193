#include "serve_command.hpp"

#include "scenarios/scenario.hpp"
#include "scenarios/trace_file.hpp"
#include "serve/server.hpp"
#include "serve/session.hpp"
#include "sim/time.hpp"
#include "sim/trace.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <optional>
#include <sstream>

#ifndef PIPESIM_VERSION
#define PIPESIM_VERSION "unknown"
#endif

namespace pipesim::tools {

using nlohmann::json;

CLI::App* add_serve_command(CLI::App& app, serve_cli& o) {
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the simulated SQS and SageMaker over their real AWS wire protocols on a virtual "
      "clock, for unmodified clients (boto3, AWS CLI, AWS SDK for JavaScript)");
  cmd->add_option("scenario", o.file, "Scenario file (default: an empty world)");
  cmd->add_option("--port", o.port, "TCP port (default 4566; 0 picks a free one)");
  cmd->add_option("--clock", o.clock,
                  "manual (only POST /_pipesim/advance moves time), auto (jump when every client "
                  "waits; default) or realtime (--speed times the wall clock)")
      ->check(CLI::IsMember({"manual", "auto", "realtime"}));
  cmd->add_option("--speed", o.speed, "realtime clock: virtual seconds per wall-clock second")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--trace", o.trace_path,
                  "Write the session's trace here at shutdown (pipesim replay re-runs it)");
  cmd->add_option("--listen", o.listen, "Address to bind (default 127.0.0.1, loopback only)");
  cmd->add_option("--verify-sigv4", o.verify_sigv4,
                  "KEY:SECRET: reject requests not signed with these credentials (default: accept "
                  "any)");
  cmd->add_option("--max-connections", o.max_connections, "Open connections at most (default 512)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--idle-timeout", o.idle_timeout_s,
                  "Seconds an idle connection stays open (default 120)")
      ->check(CLI::Range(1, 86400));
  return cmd;
}

int run_serve(const serve_cli& o) {
  const scenarios::scenario sc =
      o.file.empty() ? scenarios::parse_scenario(serve::empty_scenario_document(), "<serve>")
                     : scenarios::load_scenario(o.file);
  serve::server_options options;
  options.listen_address = o.listen;
  options.port = o.port;
  options.clock = o.clock == "manual"     ? serve::clock_mode::manual
                  : o.clock == "realtime" ? serve::clock_mode::realtime
                                          : serve::clock_mode::automatic;
  options.speed = o.speed;
  options.max_connections = static_cast<std::size_t>(o.max_connections);
  options.idle_timeout = std::chrono::seconds(o.idle_timeout_s);
  if (!o.verify_sigv4.empty()) {
    const std::size_t colon = o.verify_sigv4.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == o.verify_sigv4.size()) {
      std::cerr << "pipesim serve: --verify-sigv4: expected KEY:SECRET\n";
      return 2;
    }
    options.sigv4 =
        std::make_pair(o.verify_sigv4.substr(0, colon), o.verify_sigv4.substr(colon + 1));
  }
  // The trace is buffered: its header needs the resolved knobs, and a session is short.
  std::ostringstream events;
  serve::session session(sc, o.trace_path.empty() ? nullptr : &events);
  serve::server server(session, options);
  std::cout << "listening on http://" << o.listen << ":" << server.port() << std::endl;
  if (o.listen != "127.0.0.1" && o.listen != "::1" && o.listen != "localhost") {
    std::cerr << "WARNING: pipesim serve is listening on " << o.listen
              << ", not loopback: anyone who can reach this address can use the simulated "
                 "services"
              << (options.sigv4 ? "" : " with any credentials") << ".\n";
  }
  std::optional<json> final_report;
  server.run([&](serve::session& s) {
    if (!o.trace_path.empty()) {
      scenarios::trace_writer file(o.trace_path);
      file.header(s.trace_header(PIPESIM_VERSION));
      file.stream() << events.str();
      file.finish(s.trace_end());
    }
    final_report = s.report_json();
  });
  if (final_report) {
    std::cout << "stopped at " << (*final_report)["sim_time"].get<std::string>() << " (virtual), "
              << (*final_report)["trace_records"] << " trace records, digest "
              << (*final_report)["digest"].get<std::string>() << '\n';
  }
  if (!o.trace_path.empty()) std::cout << "trace written to " << o.trace_path << '\n';
  return 0;
}

int replay_serve_trace(const std::string& path, const json& header,
                       const std::vector<std::string>& recorded) {
  const scenarios::scenario sc = scenarios::parse_scenario(header.at("scenario"), path);
  serve::session session(sc, nullptr, true);
  for (const std::string& line : recorded) {
    const json record = json::parse(line, nullptr, false);
    if (record.is_discarded()) continue;
    const std::string type = record.value("type", std::string());
    // Inputs are re-applied where they were recorded; everything else is what they caused.
    if (session.trace_lines().size() != record.value("seq", std::uint64_t{0})) continue;
    if (type == "serve.request") {
      wire::call c;
      const std::string proto = record.value("protocol", std::string());
      c.proto = proto == "sqs-query"        ? wire::protocol::sqs_query
                : proto == "sagemaker-json" ? wire::protocol::sagemaker_json
                                            : wire::protocol::sqs_json;
      c.operation = record.value("operation", std::string());
      c.params = record.value("params", json::object());
      session.submit(c, [](const models::api_result&) {});
    } else if (type == "serve.advance") {
      if (record.contains("to_us"))
        session.advance_to(record["to_us"].get<sim::time_us>());
      else if (record.contains("until"))
        session.advance_until_idle();
      else
        session.advance_to_next_event();
    }
  }
  const std::vector<std::string>& replayed = session.trace_lines();
  const std::size_t n = std::min(recorded.size(), replayed.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (recorded[i] != replayed[i]) {
      std::cout << "diverged at event " << i << " (trace line " << i + 2 << ")\n"
                << "  recorded: " << recorded[i] << "\n"
                << "  replayed: " << replayed[i] << '\n';
      return 1;
    }
  }
  if (recorded.size() != replayed.size()) {
    std::cout << "diverged after event " << n << ": recorded " << recorded.size()
              << " events, replay produced " << replayed.size() << '\n';
    return 1;
  }
  std::uint64_t digest = 0xcbf29ce484222325ULL;
  for (const std::string& l : replayed) digest = sim::digest_line(l, digest);
  std::cout << "identical: " << replayed.size() << " events, digest " << sim::format_digest(digest)
            << " (serve session: "
            << std::count_if(recorded.begin(), recorded.end(),
                             [](const std::string& l) {
                               return l.find("\"type\":\"serve.request\"") != std::string::npos;
                             })
            << " requests replayed without clients)\n";
  return 0;
}

}  // namespace pipesim::tools

// One execution environment's shim process and its loopback AWS endpoint, driven in lockstep:
// pipesim sends one protocol message and serves the handler's HTTP requests, in arrival order,
// until the message that ends the exchange (runtimes/PROTOCOL.md). Single-threaded: nothing runs
// while pipesim waits except the handler itself.
#pragma once

#include "runtimes/detail/child_process.hpp"
#include "runtimes/detail/loopback_endpoint.hpp"
#include "wire/http.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace runtimes::detail {

/// What the session hands upward while an exchange is open.
struct session_hooks {
  std::function<wire::http_response(const wire::http_request&)> on_http;
  std::function<void(const std::string& stream, const std::string& text)> on_log;
};

/// How an exchange ended.
struct exchange_end {
  enum class kind { answered, exited, timed_out, broken } how = kind::answered;
  nlohmann::json message;   ///< The answer (answered).
  std::string exit_status;  ///< "exit status 1" (exited).
  std::string detail;       ///< What was wrong (broken), or the stderr tail (exited, timed out).
};

class zygote;

class shim_session {
 public:
  /// Opens the endpoint on 127.0.0.1 (an ephemeral port) and starts the shim; `env` gets the
  /// endpoint variables added. Throws std::runtime_error if either fails.
  /// With `fork_server`, the process is forked from it instead of spawned from argv.
  shim_session(std::vector<std::string> argv, std::vector<std::string> env, const std::string& cwd,
               zygote* fork_server = nullptr);
  ~shim_session();
  shim_session(const shim_session&) = delete;
  shim_session& operator=(const shim_session&) = delete;

  /// "http://127.0.0.1:<port>".
  const std::string& endpoint() const noexcept;
  /// Sends `message` and serves until an answer of one of `answers`' types, the process's exit,
  /// or `guard_ms` of wall time.
  exchange_end exchange(const nlohmann::json& message, const std::vector<std::string>& answers,
                        std::int64_t guard_ms, const session_hooks& hooks);
  /// Asks the shim to exit, then makes sure it has.
  void shutdown();

 private:
  bool drain_output(const session_hooks& hooks, const std::vector<std::string>& answers,
                    exchange_end& end, bool& done);
  void drain_errors();
  /// The end of an exchange whose process is gone (waits up to wait_ms for its status).
  exchange_end exited(int wait_ms);
  void serve(std::vector<loopback_endpoint::request>& requests, const session_hooks& hooks,
             const std::vector<std::string>& answers, exchange_end& end, bool& done);

  std::unique_ptr<loopback_endpoint> endpoint_;
  std::unique_ptr<child_process> process_;
  std::string out_buffer_;
  std::string err_tail_;  ///< The last 8 KiB the process wrote to fd 2 outside the protocol.
  bool exited_ = false;
};

}  // namespace runtimes::detail

// The HTTP endpoint of `pipesim serve`: Boost.Beast over Boost.Asio.
//
// Why Beast: it ships header-only in libboost-dev 1.74, which the build already requires, so the
// server adds no dependency; it is a maintained Boost library with bounded parsers (header and
// body limits are parser settings) and asynchronous I/O, which long polls need: a parked
// ReceiveMessage holds its connection without holding a thread.
//
// Threads: one thread owns the session (the world) and runs every call, control request and clock
// move, so the simulation never sees two things at once and stays deterministic in what it is
// given. By default that thread is also the network thread (one event loop); with
// network_threads > 1, I/O runs on those threads and the simulation on a thread of its own. A long
// poll parks in the model and its answer is posted back to the connection when virtual time brings
// it.
#pragma once

#include "serve/session.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace serve {

enum class clock_mode { manual, automatic, realtime };

struct server_options {
  std::string listen_address = "127.0.0.1";
  unsigned short port = 0;  ///< 0: the system picks a free port.
  clock_mode clock = clock_mode::automatic;
  double speed = 1.0;  ///< realtime: virtual seconds per wall-clock second.
  /// --verify-sigv4 KEY:SECRET; unset: any credentials are accepted (as moto does).
  std::optional<std::pair<std::string, std::string>> sigv4;
  std::size_t max_connections = 512;
  std::size_t max_header_bytes = 64 * 1024;
  /// SQS messages are up to 1 MiB and form encoding can triple a body's size; SageMaker
  /// definitions are up to 1 MiB too. Larger requests get 413.
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::seconds idle_timeout{120};  ///< A connection with no request for this long closes.
  /// auto clock: virtual time jumps once no request has arrived or been answered for this long.
  std::chrono::milliseconds auto_grace{50};
  int network_threads = 1;  ///< 1: I/O and simulation share one event-loop thread.
};

class server {
 public:
  /// Binds at once (throws std::runtime_error naming the address on failure).
  server(session& s, server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  unsigned short port() const noexcept;
  /// Serves until shutdown() or POST /_pipesim/shutdown; `on_shutdown` runs on the simulation
  /// thread once no more calls will reach the session (write the trace there).
  void run(std::function<void(session&)> on_shutdown);
  /// Thread-safe; also what SIGINT and SIGTERM do.
  void shutdown();

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

/// "Wed, 02 Dec 2026 01:10:32 GMT" for the wall clock now: the Date header stays real because
/// the JS SDK corrects its signing clock from it.
std::string http_date_now();

}  // namespace serve

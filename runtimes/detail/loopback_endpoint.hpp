// An HTTP/1.1 endpoint on 127.0.0.1 (an ephemeral port) that one child process's AWS SDK talks
// to: it accepts connections, parses requests (bounded sizes) and sends the answers pipesim gives,
// when it gives them. It never blocks: the owner polls its descriptors with its own.
#pragma once

#include "wire/http.hpp"

#include <cstdint>
#include <memory>
#include <poll.h>
#include <string>
#include <vector>

namespace runtimes::detail {

class loopback_endpoint {
 public:
  /// One complete request; answer it with respond(connection, ...).
  struct request {
    std::uint64_t connection = 0;
    wire::http_request http;
  };

  /// Opens the listening socket; throws std::runtime_error when it cannot.
  loopback_endpoint();
  ~loopback_endpoint();
  loopback_endpoint(const loopback_endpoint&) = delete;
  loopback_endpoint& operator=(const loopback_endpoint&) = delete;

  /// "http://127.0.0.1:<port>".
  const std::string& url() const noexcept { return url_; }
  /// Appends what to poll for: the listener, then every open connection.
  void poll_fds(std::vector<pollfd>& fds) const;
  /// After poll(): `fds` points at the entries poll_fds appended. Accepts, reads, and appends
  /// every request now complete to `out`; a malformed or oversized one is answered 400/413/431
  /// here and its connection closed.
  void on_poll(const pollfd* fds, std::vector<request>& out);
  /// Sends the answer to a request; false when the client has gone.
  bool respond(std::uint64_t connection, const wire::http_response& response);
  /// Requests that arrived on a connection before the answer to its previous one was sent
  /// (call before waiting in poll(): their bytes are read already, poll will not wake for them).
  void take_buffered(std::vector<request>& out);

 private:
  struct connection;
  void read(connection& c, std::vector<request>& out);
  void parse(connection& c, std::vector<request>& out);

  int listener_ = -1;
  std::string url_;
  std::uint64_t next_id_ = 1;
  std::vector<std::unique_ptr<connection>> connections_;
};

}  // namespace runtimes::detail

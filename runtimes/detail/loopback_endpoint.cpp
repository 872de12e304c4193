// The loopback endpoint (see loopback_endpoint.hpp): Beast's request parser over non-blocking
// sockets. A connection carries one request at a time, as SDKs use it: bytes that arrive before
// the answer wait in the connection until it is sent.
#include "runtimes/detail/loopback_endpoint.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace runtimes::detail {

namespace http = boost::beast::http;

namespace {

constexpr std::size_t k_max_header_bytes = 64u << 10;  // as pipesim serve
constexpr std::size_t k_max_body_bytes = 4u << 20;
constexpr std::size_t k_max_connections = 64;

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 2000) <= 0) return false;  // a client that stopped reading is gone
      continue;
    }
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// The HTTP date the JS SDK corrects its signing clock from; wire time, never in a trace.
std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string serialize(const wire::http_response& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(r.status))) +
                    "\r\n";
  for (const wire::header& h : r.headers) out += h.name + ": " + h.value + "\r\n";
  out += "Date: " + http_date() + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
  out += r.body;
  return out;
}

}  // namespace

struct loopback_endpoint::connection {
  int fd = -1;
  std::uint64_t id = 0;
  std::optional<http::request_parser<http::string_body>> parser;
  std::string pending;     // bytes read but not yet taken by the parser
  bool awaiting = false;   // a request was handed out and not answered yet
  bool keep_alive = true;  // what that request asked for
  bool closed = false;

  connection(int f, std::uint64_t i) : fd(f), id(i) { reset(); }
  ~connection() {
    if (fd >= 0) ::close(fd);
  }
  void reset() {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(k_max_header_bytes));
    parser->body_limit(k_max_body_bytes);
    parser->eager(true);
  }
};

loopback_endpoint::loopback_endpoint() {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listener_ < 0) throw std::runtime_error(std::string("socket: ") + strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, always
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = strerror(errno);
    ::close(listener_);
    throw std::runtime_error("cannot open an AWS endpoint on 127.0.0.1: " + why);
  }
  url_ = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

loopback_endpoint::~loopback_endpoint() {
  connections_.clear();
  if (listener_ >= 0) ::close(listener_);
}

void loopback_endpoint::poll_fds(std::vector<pollfd>& fds) const {
  fds.push_back({listener_, POLLIN, 0});
  for (const auto& c : connections_) fds.push_back({c->fd, POLLIN, 0});
}

void loopback_endpoint::on_poll(const pollfd* fds, std::vector<request>& out) {
  const std::size_t open = connections_.size();
  for (std::size_t i = 0; i < open; ++i) {
    if (fds[1 + i].revents && !connections_[i]->closed) read(*connections_[i], out);
  }
  if (fds[0].revents) {
    for (;;) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) break;
      if (connections_.size() >= k_max_connections) {
        ::close(fd);  // an SDK opens a handful; more is a runaway client
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connections_.push_back(std::make_unique<connection>(fd, next_id_++));
    }
  }
  connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                    [](const auto& c) { return c->closed; }),
                     connections_.end());
}

void loopback_endpoint::read(connection& c, std::vector<request>& out) {
  char buf[65536];
  const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    c.closed = true;
    return;
  }
  c.pending.append(buf, static_cast<std::size_t>(n));
  parse(c, out);
}

void loopback_endpoint::parse(connection& c, std::vector<request>& out) {
  if (c.awaiting) return;  // the next request waits for this one's answer
  while (!c.pending.empty()) {
    boost::beast::error_code ec;
    const std::size_t used = c.parser->put(boost::asio::buffer(c.pending), ec);
    c.pending.erase(0, used);
    if (ec == http::error::need_more) return;
    if (ec) {
      wire::http_response bad;
      bad.status = ec == http::error::body_limit     ? 413
                   : ec == http::error::header_limit ? 431
                                                     : 400;
      bad.headers.push_back({"Content-Type", "text/plain"});
      bad.headers.push_back({"Connection", "close"});
      bad.body = ec.message();
      send_all(c.fd, serialize(bad));
      c.closed = true;
      return;
    }
    if (!c.parser->is_done()) return;
    const http::request<http::string_body>& msg = c.parser->get();
    request r;
    r.connection = c.id;
    r.http.method = std::string(msg.method_string());
    r.http.target = std::string(msg.target());
    for (const auto& field : msg) {
      r.http.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    r.http.body = msg.body();
    c.keep_alive = msg.keep_alive();
    c.awaiting = true;
    c.reset();
    out.push_back(std::move(r));
    return;
  }
}

bool loopback_endpoint::respond(std::uint64_t id, const wire::http_response& response) {
  const auto it = std::find_if(connections_.begin(), connections_.end(),
                               [id](const auto& c) { return c->id == id; });
  if (it == connections_.end()) return false;
  connection& c = **it;
  c.awaiting = false;
  wire::http_response res = response;
  if (!c.keep_alive) res.headers.push_back({"Connection", "close"});
  if (!send_all(c.fd, serialize(res)) || !c.keep_alive) {
    c.closed = true;  // removed by the next on_poll, so poll_fds' order still holds
    return false;
  }
  return true;
}

void loopback_endpoint::take_buffered(std::vector<request>& out) {
  for (const auto& c : connections_) {
    if (!c->closed && !c->awaiting && !c->pending.empty()) parse(*c, out);
  }
}

}  // namespace runtimes::detail

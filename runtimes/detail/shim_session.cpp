// The lockstep loop (see shim_session.hpp): poll() over the shim's stdout and stderr, the
// listening socket and its connections. Before a request is served the shim's stdout is drained,
// so a log line the handler wrote before making a call is recorded before the call.
#include "runtimes/detail/shim_session.hpp"

#include "runtimes/detail/zygote.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace runtimes::detail {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr std::size_t k_max_line_bytes = 16u << 20;    // a 6 MB event, JSON-escaped, fits
constexpr std::size_t k_max_header_bytes = 64u << 10;  // as pipesim serve
constexpr std::size_t k_max_body_bytes = 4u << 20;
constexpr std::size_t k_err_tail_bytes = 8u << 10;

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Writes to the shim's stdin without ever blocking past the guard: a shim that stopped reading
// must not hang pipesim.
bool write_all(int fd, const std::string& data, std::chrono::steady_clock::time_point until) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::write(fd, data.data() + sent, data.size() - sent);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
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

struct shim_session::connection {
  int fd = -1;
  std::optional<http::request_parser<http::string_body>> parser;
  std::string pending;  // bytes read but not yet taken by the parser
  bool closed = false;

  explicit connection(int f) : fd(f) { reset(); }
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

shim_session::shim_session(std::vector<std::string> argv, std::vector<std::string> env,
                           const std::string& cwd, zygote* fork_server) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
    throw std::runtime_error("cannot open the handler's endpoint on 127.0.0.1: " + why);
  }
  endpoint_ = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  for (const char* name :
       {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_SAGEMAKER"})
    env.push_back(std::string(name) + "=" + endpoint_);
  try {
    process_ =
        fork_server ? fork_server->fork(env, cwd) : std::make_unique<child_process>(argv, env, cwd);
  } catch (...) {
    ::close(listener_);
    throw;
  }
}

shim_session::~shim_session() {
  connections_.clear();
  process_.reset();
  if (listener_ >= 0) ::close(listener_);
}

void shim_session::shutdown() {
  if (!exited_ && process_->in_fd() >= 0) {
    write_all(process_->in_fd(), "{\"type\":\"shutdown\"}\n",
              std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
  }
  process_->finish(2000);  // PROTOCOL.md: killed 2 s after shutdown
  exited_ = true;
}

void shim_session::drain_errors() {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(process_->err_fd(), buf, sizeof buf);
    if (n <= 0) return;
    err_tail_.append(buf, static_cast<std::size_t>(n));
    if (err_tail_.size() > k_err_tail_bytes)
      err_tail_.erase(0, err_tail_.size() - k_err_tail_bytes);
  }
}

// Reads what the shim wrote; handles complete lines. False when its stdout is closed.
bool shim_session::drain_output(const session_hooks& hooks, const std::vector<std::string>& answers,
                                exchange_end& end, bool& done) {
  char buf[65536];
  bool open = true;
  for (;;) {
    const ssize_t n = ::read(process_->out_fd(), buf, sizeof buf);
    if (n > 0) {
      out_buffer_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) open = false;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  std::size_t start = 0;
  for (std::size_t nl; !done && (nl = out_buffer_.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    const std::string line = out_buffer_.substr(start, nl - start);
    json m = json::parse(line, nullptr, false);
    const std::string type = m.is_object() && m.contains("type") && m["type"].is_string()
                                 ? m["type"].get<std::string>()
                                 : "";
    if (type == "log" && m.contains("text") && m["text"].is_string()) {
      hooks.on_log(m.value("stream", "stdout"), m["text"].get<std::string>());
      continue;
    }
    done = true;
    const bool expected = std::find(answers.begin(), answers.end(), type) != answers.end();
    if (expected) {
      end.how = exchange_end::kind::answered;
      end.message = std::move(m);
    } else {
      end.how = exchange_end::kind::broken;
      end.detail = type.empty() ? "a line that is not a protocol message: " + line.substr(0, 200)
                                : "an unexpected \"" + type + "\" message";
    }
  }
  out_buffer_.erase(0, start);
  if (!done && out_buffer_.size() > k_max_line_bytes) {
    done = true;
    end.how = exchange_end::kind::broken;
    end.detail = "a protocol line longer than 16 MiB";
  }
  return open;
}

void shim_session::serve(connection& c, const session_hooks& hooks,
                         const std::vector<std::string>& answers, exchange_end& end, bool& done) {
  char buf[65536];
  const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
  if (n <= 0) {
    c.closed = true;
    return;
  }
  c.pending.append(buf, static_cast<std::size_t>(n));
  while (!c.pending.empty() && !c.closed) {
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
    wire::http_request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& field : msg) {
      req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    req.body = msg.body();
    const bool keep_alive = msg.keep_alive();
    c.reset();
    // What the handler logged before this call is on the pipe already: record it first.
    drain_output(hooks, answers, end, done);
    wire::http_response res = hooks.on_http(req);
    if (!keep_alive) res.headers.push_back({"Connection", "close"});
    if (!send_all(c.fd, serialize(res)) || !keep_alive) c.closed = true;
  }
}

exchange_end shim_session::exited(int wait_ms) {
  drain_errors();
  exchange_end end;
  end.how = exchange_end::kind::exited;
  end.exit_status = process_->finish(wait_ms);
  end.detail = err_tail_;
  exited_ = true;
  return end;
}

exchange_end shim_session::exchange(const json& message, const std::vector<std::string>& answers,
                                    std::int64_t guard_ms, const session_hooks& hooks) {
  exchange_end end;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(guard_ms);
  if (exited_ || !write_all(process_->in_fd(), message.dump() + "\n", until)) {
    return exited(200);
  }
  bool done = false;
  while (!done) {
    std::vector<pollfd> fds;
    fds.push_back({process_->out_fd(), POLLIN, 0});
    fds.push_back({process_->err_fd(), POLLIN, 0});
    fds.push_back({listener_, POLLIN, 0});
    for (const auto& c : connections_) fds.push_back({c->fd, POLLIN, 0});
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      drain_errors();
      end.how = exchange_end::kind::timed_out;
      end.detail = err_tail_;
      return end;
    }
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      end.how = exchange_end::kind::broken;
      end.detail = std::string("poll: ") + strerror(errno);
      return end;
    }
    if (ready <= 0) continue;
    if (fds[1].revents) drain_errors();
    if (fds[0].revents) {
      if (!drain_output(hooks, answers, end, done) && !done) {
        // stdout closed: the process ended (or is ending) without an answer.
        return exited(2000);
      }
      if (done) break;
    }
    if (fds[2].revents) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        connections_.push_back(std::make_unique<connection>(fd));
      }
    }
    for (std::size_t i = 3; i < fds.size() && !done; ++i) {
      if (fds[i].revents) serve(*connections_[i - 3], hooks, answers, end, done);
    }
    connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                      [](const auto& c) { return c->closed; }),
                       connections_.end());
  }
  return end;
}

}  // namespace runtimes::detail

// The lockstep loop (see shim_session.hpp): poll() over the shim's stdout and stderr, the
// listening socket and its connections. Before a request is served the shim's stdout is drained,
// so a log line the handler wrote before making a call is recorded before the call.
#include "runtimes/detail/shim_session.hpp"

#include "runtimes/detail/zygote.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace runtimes::detail {

using nlohmann::json;

namespace {

constexpr std::size_t k_max_line_bytes = 16u << 20;  // a 6 MB event, JSON-escaped, fits
constexpr std::size_t k_err_tail_bytes = 8u << 10;

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

}  // namespace

shim_session::shim_session(std::vector<std::string> argv, std::vector<std::string> env,
                           const std::string& cwd, zygote* fork_server) {
  endpoint_ = std::make_unique<loopback_endpoint>();
  for (const char* name :
       {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_SAGEMAKER"})
    env.push_back(std::string(name) + "=" + endpoint_->url());
  process_ =
      fork_server ? fork_server->fork(env, cwd) : std::make_unique<child_process>(argv, env, cwd);
}

shim_session::~shim_session() {
  process_.reset();
  endpoint_.reset();
}

const std::string& shim_session::endpoint() const noexcept { return endpoint_->url(); }

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

void shim_session::serve(std::vector<loopback_endpoint::request>& requests,
                         const session_hooks& hooks, const std::vector<std::string>& answers,
                         exchange_end& end, bool& done) {
  for (loopback_endpoint::request& r : requests) {
    // What the handler logged before this call is on the pipe already: record it first.
    drain_output(hooks, answers, end, done);
    endpoint_->respond(r.connection, hooks.on_http(r.http));
  }
  requests.clear();
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
  std::vector<loopback_endpoint::request> requests;
  std::vector<pollfd> fds;
  while (!done) {
    endpoint_->take_buffered(requests);
    serve(requests, hooks, answers, end, done);
    if (done) break;
    fds.clear();
    fds.push_back({process_->out_fd(), POLLIN, 0});
    fds.push_back({process_->err_fd(), POLLIN, 0});
    endpoint_->poll_fds(fds);
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
    endpoint_->on_poll(&fds[2], requests);
  }
  return end;
}

}  // namespace runtimes::detail

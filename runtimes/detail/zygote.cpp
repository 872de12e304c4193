// The fork server's C++ side (see zygote.hpp). Requests go over a SOCK_SEQPACKET socket on the
// server's fd 0, so each request is one message and can carry the environment's three pipe ends
// (SCM_RIGHTS).
#include "runtimes/detail/zygote.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace runtimes::detail {

using nlohmann::json;

zygote* zygote::for_thread(const std::string& interpreter, const std::string& shim,
                           const std::vector<std::string>& base_env) {
  // Per thread: explore's jobs each drive their own worlds, and a request/answer pair on one
  // socket must not interleave with another thread's.
  thread_local std::map<std::string, std::unique_ptr<zygote>> servers;
  auto& z = servers[interpreter + '\n' + shim];
  if (!z) {
    std::unique_ptr<zygote> made(new zygote());
    if (!made->start(interpreter, shim, base_env)) return nullptr;
    z = std::move(made);
  }
  return z.get();
}

bool zygote::start(const std::string& interpreter, const std::string& shim,
                   const std::vector<std::string>& base_env) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return false;
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 0);
  posix_spawn_file_actions_adddup2(&actions, null, 1);
  posix_spawn_file_actions_adddup2(&actions, null, 2);
  std::vector<std::string> argv{interpreter, shim, "--fork-server"};
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env = base_env;
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int rc =
      ::posix_spawnp(&pid_, interpreter.c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(sv[1]);
  if (null >= 0) ::close(null);
  socket_ = sv[0];
  if (rc != 0) {
    pid_ = -1;
    return false;
  }
  // It imports the SDK first: allow for a slow machine.
  const json ready = json::parse(receive(60'000), nullptr, false);
  return ready.is_object() && ready.value("type", "") == "ready";
}

zygote::~zygote() {
  if (socket_ >= 0) ::close(socket_);  // end of file: the server exits
  if (pid_ > 0) {
    int status = 0;
    for (int i = 0; i < 200 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(1000);
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
}

bool zygote::send(const std::string& message, const int* fds, int n_fds) {
  msghdr msg{};
  iovec iov{const_cast<char*>(message.data()), message.size()};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))] = {};
  if (n_fds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(static_cast<std::size_t>(n_fds) * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(static_cast<std::size_t>(n_fds) * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds, static_cast<std::size_t>(n_fds) * sizeof(int));
  }
  return ::sendmsg(socket_, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(message.size());
}

std::string zygote::receive(int timeout_ms) {
  pollfd p{socket_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return "";
  std::string buf(1 << 16, '\0');
  const ssize_t n = ::recv(socket_, buf.data(), buf.size(), 0);
  if (n <= 0) return "";
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

zygote* zygote::python(const std::string& interpreter, const std::string& shim) {
  const char* knob = std::getenv("PIPESIM_FORK_SERVER");
  if (knob && std::string(knob) == "0") return nullptr;
  std::vector<std::string> env{"PYTHONHASHSEED=0",
                               "PYTHONDONTWRITEBYTECODE=1",
                               "PYTHONUNBUFFERED=1",
                               "TZ=UTC",
                               "AWS_CONFIG_FILE=/dev/null",
                               "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                               "AWS_EC2_METADATA_DISABLED=true"};
  for (const char* inherited : {"PATH", "HOME", "LANG", "PYTHONPATH"}) {
    if (const char* v = std::getenv(inherited)) env.push_back(std::string(inherited) + "=" + v);
  }
  return for_thread(interpreter, shim, env);
}

std::unique_ptr<child_process> zygote::fork(const std::vector<std::string>& env,
                                            const std::string& cwd,
                                            const std::vector<std::string>& program) {
  int in[2], out[2], err[2];
  open_pipes(in, out, err);
  json request{{"type", "fork"}, {"cwd", cwd}, {"env", env}};
  if (!program.empty()) request["argv"] = program;
  const int theirs[3] = {in[0], out[1], err[1]};
  const bool sent = send(request.dump(), theirs, 3);
  ::close(in[0]), ::close(out[1]), ::close(err[1]);
  const json reply = sent ? json::parse(receive(10'000), nullptr, false) : json();
  if (!reply.is_object() || !reply.contains("pid") || !reply["pid"].is_number_integer()) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    throw std::runtime_error("the Python fork server did not start an environment");
  }
  return std::make_unique<child_process>(
      reply["pid"].get<int>(), in[1], out[0], err[0],
      [this](int pid, int wait_ms) { return reap(pid, wait_ms); });
}

std::string zygote::reap(int pid, int wait_ms) {
  if (!send(json{{"type", "reap"}, {"pid", pid}, {"wait_ms", wait_ms}}.dump(), nullptr, 0))
    return "exit status unknown";
  const json reply = json::parse(receive(wait_ms + 10'000), nullptr, false);
  return reply.is_object() ? reply.value("status", "exit status unknown") : "exit status unknown";
}

}  // namespace runtimes::detail

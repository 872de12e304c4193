// posix_spawn with the three pipes (see child_process.hpp).
#include "runtimes/detail/child_process.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace runtimes::detail {

namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string status_text(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return std::string("signal: ") + (sig == SIGKILL ? "killed" : ::strsignal(sig));
  }
  return "status " + std::to_string(status);
}

}  // namespace

void ignore_sigpipe() {
  // A shim that dies while pipesim writes to it must not take pipesim with it: the write fails
  // with EPIPE instead, and the exchange reports the exit.
  static const bool ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)ignored;
}

void open_pipes(int in[2], int out[2], int err[2]) {
  if (::pipe2(in, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]);
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  }
}

child_process::child_process(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env, const std::string& cwd) {
  ignore_sigpipe();
  int in[2], out[2], err[2];
  open_pipes(in, out, err);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A new process group, so killing the environment kills what the handler started too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int rc =
      ::posix_spawnp(&pid_, argv.at(0).c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_ = in[1];
  out_ = out[0];
  err_ = err[0];
  if (rc != 0) {
    pid_ = -1;
    close_fd(in_), close_fd(out_), close_fd(err_);
    throw std::runtime_error("cannot start " + argv.at(0) + ": " + strerror(rc));
  }
  ::fcntl(out_, F_SETFL, ::fcntl(out_, F_GETFL) | O_NONBLOCK);
  ::fcntl(err_, F_SETFL, ::fcntl(err_, F_GETFL) | O_NONBLOCK);
}

child_process::child_process(int pid, int in_fd, int out_fd, int err_fd, reaper reap)
    : pid_(pid), in_(in_fd), out_(out_fd), err_(err_fd), reap_(std::move(reap)) {
  ignore_sigpipe();
  ::fcntl(out_, F_SETFL, ::fcntl(out_, F_GETFL) | O_NONBLOCK);
  ::fcntl(err_, F_SETFL, ::fcntl(err_, F_GETFL) | O_NONBLOCK);
}

child_process::~child_process() {
  if (pid_ > 0 && reap_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    reap_(pid_, 0);
  } else if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  close_fd(in_), close_fd(out_), close_fd(err_);
}

void child_process::close_input() { close_fd(in_); }

std::string child_process::poll_exit() {
  if (pid_ <= 0 || reap_) return exit_text_;
  int status = 0;
  const int r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    ::kill(-pid_, SIGKILL);  // what the handler left running in its group
    pid_ = -1;
    exit_text_ = status_text(status);
  }
  return exit_text_;
}

std::string child_process::finish(int wait_ms) {
  close_input();
  if (pid_ > 0 && reap_) {
    exit_text_ = reap_(pid_, wait_ms);
    pid_ = -1;
    return exit_text_;
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (pid_ > 0 && std::chrono::steady_clock::now() < until) {
    if (!poll_exit().empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (pid_ > 0) {
    const int pid = pid_;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid_ = -1;
    exit_text_ = status_text(status);
  }
  return exit_text_;
}

}  // namespace runtimes::detail

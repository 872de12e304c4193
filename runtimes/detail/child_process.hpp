// A child process with pipes on its standard input, output and error: the shim of one execution
// environment. The parent's ends are close-on-exec, so concurrent explore jobs never leak one
// environment's pipes into another's process.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace runtimes::detail {

/// Makes a write to a dead child's pipe fail with EPIPE instead of killing pipesim (once per
/// process; every child_process calls it).
void ignore_sigpipe();

/// Three close-on-exec pipes (a child's stdin, stdout, stderr); throws std::runtime_error.
void open_pipes(int in[2], int out[2], int err[2]);

class child_process {
 public:
  /// Starts argv[0] (searched on PATH) in `cwd` with exactly `env` ("NAME=value"). Throws
  /// std::runtime_error when it cannot be started.
  child_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                const std::string& cwd);
  /// A process some other parent started (the Python shim's fork server): `reap(pid, wait_ms)`
  /// waits up to wait_ms for its exit, kills it after, and returns the status text.
  using reaper = std::function<std::string(int pid, int wait_ms)>;
  child_process(int pid, int in_fd, int out_fd, int err_fd, reaper reap);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  int in_fd() const noexcept { return in_; }    ///< Write end of the child's stdin.
  int out_fd() const noexcept { return out_; }  ///< Read end of its stdout (non-blocking).
  int err_fd() const noexcept { return err_; }  ///< Read end of its stderr (non-blocking).

  /// Closes the child's stdin (it reads end of file).
  void close_input();
  /// Waits for the exit up to `wait_ms` of wall time, then kills it. Returns the status text
  /// ("exit status 1", "signal: killed").
  std::string finish(int wait_ms);
  /// The exit status text if the process has ended (reaped now), else "".
  std::string poll_exit();

 private:
  int pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  int err_ = -1;
  std::string exit_text_;
  reaper reap_;  ///< Set for an adopted process.
};

}  // namespace runtimes::detail

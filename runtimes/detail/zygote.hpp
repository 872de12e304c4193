// The Python shim's fork server: one interpreter per thread that has imported the AWS SDK once
// and forks a fresh process for every execution environment. A cold start is still a new process
// that runs the handler's module-level code; it no longer pays for the interpreter's start and
// the SDK's import (about half a second with boto3), which is what makes exploring thousands of
// runs with a real Python handler practical.
#pragma once

#include "runtimes/detail/child_process.hpp"

#include <memory>
#include <string>
#include <vector>

namespace runtimes::detail {

class zygote {
 public:
  /// This thread's fork server for `interpreter` running `shim`, started on first use; null if
  /// it cannot start (then environments are spawned one process each).
  static zygote* for_thread(const std::string& interpreter, const std::string& shim,
                            const std::vector<std::string>& base_env);
  ~zygote();
  zygote(const zygote&) = delete;
  zygote& operator=(const zygote&) = delete;

  /// This thread's fork server for the Python shim run by `interpreter`, with the environment
  /// every one gets; null if PIPESIM_FORK_SERVER=0 or it cannot start.
  static zygote* python(const std::string& interpreter, const std::string& shim);

  /// A new environment process with exactly `env`, in `cwd`. Throws std::runtime_error.
  /// With `program` (a script and its arguments) the child runs that script as `python script
  /// args...` would (a worker program) instead of the shim's protocol.
  std::unique_ptr<child_process> fork(const std::vector<std::string>& env, const std::string& cwd,
                                      const std::vector<std::string>& program = {});

 private:
  zygote() = default;
  bool start(const std::string& interpreter, const std::string& shim,
             const std::vector<std::string>& base_env);
  std::string reap(int pid, int wait_ms);
  bool send(const std::string& message, const int* fds, int n_fds);
  std::string receive(int timeout_ms);

  int pid_ = -1;
  int socket_ = -1;
};

}  // namespace runtimes::detail

// A worker program (an ECS task, a script) that long-polls a queue against pipesim's loopback
// AWS endpoint: started as it is, with its SDK pointed at the endpoint. pipesim drives it in
// lockstep: it answers one request, then waits until the worker makes its next one (or exits),
// so virtual time moves only while the worker waits in a call. See runtimes/README.md, "Worker
// processes", for what a worker must do to stay deterministic.
#pragma once

#include "wire/http.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace runtimes {

namespace detail {
class child_process;
class loopback_endpoint;
}  // namespace detail

/// How to start a worker.
struct worker_setup {
  std::vector<std::string> command;  ///< argv; argv[0] searched on PATH unless it has a slash.
  std::string cwd;                   ///< Absolute.
  /// The worker's own variables; the endpoint, region and credentials are added over them.
  std::map<std::string, std::string> environment;
  std::string region = "us-east-1";
};

/// What the worker did next.
struct worker_step {
  enum class kind { request, exited, timed_out } how = kind::request;
  std::uint64_t connection = 0;  ///< request: answer with worker_process::answer.
  wire::http_request request;
  std::string exit_status;  ///< exited: "exit status 1", "signal: killed".
  /// Complete lines the worker wrote before this step: all of stdout's, then stderr's (the two
  /// pipes are read independently, so only this order is the same on every run).
  std::vector<std::pair<std::string, std::string>> output;  ///< {"stdout"|"stderr", line}
};

class worker_process {
 public:
  /// Opens the endpoint and starts the program; throws std::runtime_error if either fails.
  explicit worker_process(const worker_setup& setup);
  ~worker_process();
  worker_process(const worker_process&) = delete;
  worker_process& operator=(const worker_process&) = delete;

  const std::string& endpoint() const noexcept;
  /// Waits up to guard_ms of wall time for the next request or the exit.
  worker_step next(std::int64_t guard_ms);
  /// Answers the request `next` returned.
  void answer(std::uint64_t connection, const wire::http_response& response);
  /// Kills it (and what it started) if it still runs.
  void stop();
  bool running() const noexcept { return !exited_; }

 private:
  void read_output(int fd, std::string& buffer, bool& open);
  void take_lines(std::string& buffer, const char* stream, bool all,
                  std::vector<std::pair<std::string, std::string>>& out);

  std::unique_ptr<detail::loopback_endpoint> endpoint_;
  std::unique_ptr<detail::child_process> process_;
  std::string out_buffer_;
  std::string err_buffer_;
  bool out_open_ = true;
  bool err_open_ = true;
  bool exited_ = false;
};

/// The variables every process that talks to pipesim's endpoint gets: AWS_ENDPOINT_URL (and the
/// SQS and SageMaker ones), region, dummy credentials, no shared config or instance metadata.
std::map<std::string, std::string> simulated_aws_environment(const std::string& endpoint,
                                                             const std::string& region);

}  // namespace runtimes

// A worker program in lockstep with the simulation (see worker.hpp).
#include "runtimes/worker.hpp"

#include "runtimes/detail/child_process.hpp"
#include "runtimes/detail/loopback_endpoint.hpp"
#include "runtimes/detail/zygote.hpp"
#include "runtimes/spec.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace runtimes {

namespace {

constexpr std::size_t k_max_line_bytes = 64u << 10;  // a longer line is cut into pieces

// "python3 worker.py ...", "/usr/bin/python3.11 worker.py": a script run by a Python interpreter
// with no interpreter options before it (those the fork server could not honour).
bool python_script(const std::vector<std::string>& command) {
  if (command.size() < 2 || command[1].empty() || command[1].front() == '-') return false;
  const std::string& program = command.front();
  const std::string name =
      program.substr(program.rfind('/') == std::string::npos ? 0 : program.rfind('/') + 1);
  if (name == "python" || name == "python3") return true;
  if (name.rfind("python3.", 0) != 0 || name.size() == 8) return false;
  return name.find_first_not_of("0123456789", 8) == std::string::npos;
}

}  // namespace

std::map<std::string, std::string> simulated_aws_environment(const std::string& endpoint,
                                                             const std::string& region) {
  std::map<std::string, std::string> env{
      {"AWS_REGION", region},
      {"AWS_DEFAULT_REGION", region},
      // Dummy credentials: an SDK signs its requests, pipesim does not check the signature.
      {"AWS_ACCESS_KEY_ID", "AKIAPIPESIMSIMULATED"},
      {"AWS_SECRET_ACCESS_KEY", "pipesim-simulated-secret-access-key"},
      {"AWS_SESSION_TOKEN", "pipesim-simulated-session-token"},
      // Nothing of the machine's own AWS set-up may leak in (a profile's region or endpoint).
      {"AWS_CONFIG_FILE", "/dev/null"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
      {"AWS_EC2_METADATA_DISABLED", "true"}};
  if (!endpoint.empty()) {
    // https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
    for (const char* name :
         {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_SAGEMAKER"})
      env[name] = endpoint;
  }
  return env;
}

worker_process::worker_process(const worker_setup& setup)
    : endpoint_(std::make_unique<detail::loopback_endpoint>()) {
  std::map<std::string, std::string> env = setup.environment;
  for (const char* inherited : {"PATH", "HOME", "LANG"}) {
    if (env.count(inherited) == 0) {
      if (const char* v = std::getenv(inherited)) env[inherited] = v;
    }
  }
  // A Python worker's botocore too old to read AWS_ENDPOINT_URL* (Debian's boto3 1.26) is
  // patched to read them by the sitecustomize module next to the Python shim.
  const std::string shim = shim_path(language::python);
  if (!shim.empty()) {
    const std::string dir = shim.substr(0, shim.rfind('/')) + "/worker";
    const char* user = std::getenv("PYTHONPATH");
    std::string path = env.count("PYTHONPATH") ? env["PYTHONPATH"] : (user ? user : "");
    env["PYTHONPATH"] = path.empty() ? dir : dir + ":" + path;
  }
  env.emplace("PYTHONUNBUFFERED", "1");  // a log line is on the pipe before the call after it
  env.emplace("PYTHONHASHSEED", "0");
  env.emplace("PYTHONDONTWRITEBYTECODE", "1");  // nothing written next to pipesim's shim
  env.emplace("TZ", "UTC");
  for (auto& [k, v] : simulated_aws_environment(endpoint_->url(), setup.region)) env[k] = v;
  std::vector<std::string> envp;
  for (const auto& [k, v] : env) envp.push_back(k + "=" + v);
  // `python3 script.py args...`: forked from the fork server that has boto3 and its service
  // models loaded already, as a Lambda environment is, unless PIPESIM_FORK_SERVER=0.
  detail::zygote* server = nullptr;
  if (!shim.empty() && python_script(setup.command))
    server = detail::zygote::python(setup.command.front(), shim);
  if (server) {
    process_ = server->fork(
        envp, setup.cwd, std::vector<std::string>(setup.command.begin() + 1, setup.command.end()));
  } else {
    process_ = std::make_unique<detail::child_process>(setup.command, envp, setup.cwd);
  }
  process_->close_input();
}

worker_process::~worker_process() { stop(); }

const std::string& worker_process::endpoint() const noexcept { return endpoint_->url(); }

void worker_process::stop() {
  if (!process_) return;
  process_.reset();  // kills its process group
  exited_ = true;
}

void worker_process::read_output(int fd, std::string& buffer, bool& open) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      buffer.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) open = false;
    if (n < 0 && errno == EINTR) continue;
    return;
  }
}

void worker_process::take_lines(std::string& buffer, const char* stream, bool all,
                                std::vector<std::pair<std::string, std::string>>& out) {
  std::size_t start = 0;
  for (;;) {
    std::size_t nl = buffer.find('\n', start);
    if (nl == std::string::npos && buffer.size() - start > k_max_line_bytes)
      nl = start + k_max_line_bytes;
    if (nl == std::string::npos) break;
    std::string line = buffer.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.emplace_back(stream, std::move(line));
    start = nl < buffer.size() && buffer[nl] == '\n' ? nl + 1 : nl;
  }
  buffer.erase(0, start);
  if (all && !buffer.empty()) {
    out.emplace_back(stream, buffer);
    buffer.clear();
  }
}

worker_step worker_process::next(std::int64_t guard_ms) {
  worker_step step;
  if (exited_) {
    step.how = worker_step::kind::exited;
    step.exit_status = "exited";
    return step;
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(guard_ms);
  std::vector<detail::loopback_endpoint::request> requests;
  std::vector<pollfd> fds;
  auto output = [&](bool all) {
    read_output(process_->out_fd(), out_buffer_, out_open_);
    read_output(process_->err_fd(), err_buffer_, err_open_);
    take_lines(out_buffer_, "stdout", all, step.output);
    take_lines(err_buffer_, "stderr", all, step.output);
  };
  for (;;) {
    endpoint_->take_buffered(requests);
    if (!requests.empty()) {
      // What the worker wrote before this call is on the pipes already.
      output(false);
      step.how = worker_step::kind::request;
      step.connection = requests.front().connection;
      step.request = std::move(requests.front().http);
      return step;
    }
    if (!out_open_ && !err_open_) {
      // Both pipes closed: the process is gone (or closed them and is about to be).
      output(true);
      step.how = worker_step::kind::exited;
      step.exit_status = process_->finish(2000);
      exited_ = true;
      return step;
    }
    fds.clear();
    fds.push_back({out_open_ ? process_->out_fd() : -1, POLLIN, 0});
    fds.push_back({err_open_ ? process_->err_fd() : -1, POLLIN, 0});
    endpoint_->poll_fds(fds);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      output(true);
      step.how = worker_step::kind::timed_out;
      return step;
    }
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready <= 0) continue;
    if (fds[0].revents) read_output(process_->out_fd(), out_buffer_, out_open_);
    if (fds[1].revents) read_output(process_->err_fd(), err_buffer_, err_open_);
    endpoint_->on_poll(&fds[2], requests);
  }
}

void worker_process::answer(std::uint64_t connection, const wire::http_response& response) {
  endpoint_->respond(connection, response);
}

}  // namespace runtimes

// The shim-backed handler (see handler.hpp).
#include "runtimes/handler.hpp"

#include "runtimes/calls.hpp"
#include "runtimes/detail/shim_session.hpp"
#include "runtimes/detail/zygote.hpp"
#include "runtimes/worker.hpp"
#include "wire/endpoint.hpp"

#include <algorithm>
#include <cstdlib>
#include <pipesim/scenario.hpp>
#include <utility>

namespace runtimes {

using nlohmann::json;

namespace {

// Virtual time 0 is 2026-01-01T00:00:00Z, as everywhere in pipesim.
constexpr std::int64_t k_virtual_epoch_ms = 1'767'225'600'000;

// State of one run shared by the function's environments.
struct run_state {
  function_setup setup;
  call_ledger ledger;
  std::int64_t environments = 0;
};

[[noreturn]] void fail(const run_state& run, const std::string& message) {
  throw pipesim::scenario_error(run.setup.scenario_file,
                                {pipesim::problem{run.setup.pointer, message}});
}

std::string tail_text(const std::string& stderr_tail) {
  if (stderr_tail.empty()) return "";
  std::string t = stderr_tail.size() > 2000 ? "..." + stderr_tail.substr(stderr_tail.size() - 2000)
                                            : stderr_tail;
  return "\nwhat it wrote to stderr:\n" + t;
}

std::string describe_handler(const runtime_spec& s) {
  return "handler " + s.handler + " (" + s.handler_file + ")";
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

class shim_handler final : public pipesim::lambda::handler {
 public:
  explicit shim_handler(std::shared_ptr<run_state> run) : run_(std::move(run)) {}
  ~shim_handler() override {
    if (session_) session_->shutdown();
  }

  json handle(const json& event, pipesim::lambda::context& ctx) override {
    if (!session_) start(ctx);
    request_id_ = ctx.aws_request_id();
    event_ = &event;
    const std::int64_t now_ms = k_virtual_epoch_ms + ctx.now().count() / 1000;
    const json message{{"type", "invoke"},
                       {"request_id", ctx.aws_request_id()},
                       {"event", event},
                       {"context",
                        {{"function_name", ctx.function_name()},
                         {"function_version", "$LATEST"},
                         {"invoked_function_arn", ctx.invoked_function_arn()},
                         {"memory_limit_in_mb", ctx.memory_limit_in_mb()},
                         {"log_group_name", "/aws/lambda/" + ctx.function_name()},
                         {"log_stream_name", log_stream_}}},
                       {"now_ms", now_ms},
                       {"deadline_ms", now_ms + ctx.remaining_time_in_millis()}};
    ctx.log("handler_invoke", {{"request_id", request_id_}, {"event", event}});
    const detail::exchange_end end = session_->exchange(
        message, {"result", "error"}, run_->setup.spec.wall_clock_guard_ms, hooks(ctx));
    event_ = nullptr;
    const runtime_spec& s = run_->setup.spec;
    switch (end.how) {
      case detail::exchange_end::kind::answered:
        if (end.message["type"] == "error") {
          throw pipesim::lambda::raised(end.message.value("errorType", "Error"),
                                        end.message.value("errorMessage", ""));
        }
        return end.message.contains("response") ? end.message["response"] : json(nullptr);
      case detail::exchange_end::kind::exited:
        // Lambda: "Runtime exited with error: exit status 1" (Runtime.ExitError); the
        // environment is reset, so the next invoke is a cold start.
        ctx.log("handler_exited", {{"request_id", request_id_}, {"status", end.exit_status}});
        throw pipesim::crashed{};
      case detail::exchange_end::kind::timed_out:
        fail(*run_, describe_handler(s) + " did not finish invoke " + request_id_ + " (" +
                        std::to_string(event.value("Records", json::array()).size()) +
                        " records) within the wall-clock guard of " +
                        std::to_string(s.wall_clock_guard_ms) +
                        " ms (\"wall_clock_guard\"). Virtual time stands still while a handler "
                        "runs, so a sleep, or a loop waiting for something to change, never "
                        "ends; the handler was killed" +
                        tail_text(end.detail));
      case detail::exchange_end::kind::broken:
        fail(*run_, "the " + s.runtime + " runtime shim running " + describe_handler(s) +
                        " broke the protocol during invoke " + request_id_ + ": " + end.detail +
                        " (a bug in the shim, runtimes/PROTOCOL.md)");
    }
    return nullptr;
  }

 private:
  void start(pipesim::lambda::context& ctx) {
    const runtime_spec& s = run_->setup.spec;
    const std::string shim = shim_path(s.lang);
    if (shim.empty()) {
      fail(*run_, "pipesim's " + std::string(s.lang == language::python ? "Python" : "Node.js") +
                      " runtime shim is not installed (set PIPESIM_RUNTIMES to the runtimes "
                      "folder of a pipesim source tree)");
    }
    const std::int64_t env_number = ++run_->environments;
    char stream[64];
    std::snprintf(stream, sizeof stream, "2026/01/01/[$LATEST]%032llx",
                  static_cast<unsigned long long>(env_number));
    log_stream_ = stream;
    const std::string arn = ctx.invoked_function_arn();
    // arn:aws:lambda:<region>:<account>:function:<name>
    std::vector<std::string> parts;
    for (std::size_t start = 0, colon;; start = colon + 1) {
      colon = arn.find(':', start);
      parts.push_back(arn.substr(start, colon == std::string::npos ? colon : colon - start));
      if (colon == std::string::npos) break;
    }
    region_ = parts.size() > 3 ? parts[3] : "us-east-1";
    account_ = parts.size() > 4 ? parts[4] : "123456789012";

    std::map<std::string, std::string> env = run_->setup.environment;
    for (const char* inherited : {"HOME", "LANG", "PYTHONPATH", "NODE_PATH"}) {
      if (const char* v = std::getenv(inherited)) env[inherited] = v;
    }
    env["PATH"] = env_or("PATH", "/usr/local/bin:/usr/bin:/bin");
    const std::map<std::string, std::string> reserved{
        {"PIPESIM_PROTOCOL", "1"},
        {"_HANDLER", s.handler},
        {"LAMBDA_TASK_ROOT", s.code_dir},
        {"AWS_LAMBDA_FUNCTION_NAME", ctx.function_name()},
        {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
        {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", ctx.memory_limit_in_mb()},
        {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + ctx.function_name()},
        {"AWS_LAMBDA_LOG_STREAM_NAME", log_stream_},
        {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
        {"AWS_EXECUTION_ENV", execution_env(s)},
        {"TZ", "UTC"},
        {"PYTHONHASHSEED", "0"},
        {"PYTHONDONTWRITEBYTECODE", "1"},
        {"PYTHONUNBUFFERED", "1"}};
    for (const auto& [k, v] : reserved) env[k] = v;
    // The endpoint itself is the session's to add: it opens the port.
    for (const auto& [k, v] : simulated_aws_environment("", region_)) env[k] = v;
    std::vector<std::string> envp;
    for (const auto& [k, v] : env) envp.push_back(k + "=" + v);
    try {
      session_ = std::make_unique<detail::shim_session>(
          std::vector<std::string>{s.interpreter, shim}, envp, s.code_dir, fork_server(s, shim));
    } catch (const std::exception& e) {
      fail(*run_,
           "cannot start " + describe_handler(s) + " with " + s.interpreter + ": " + e.what());
    }
    request_id_ = ctx.aws_request_id();
    const json init{{"type", "init"},
                    {"protocol", 1},
                    {"handler", s.handler},
                    {"code", s.code_dir},
                    {"runtime", s.runtime}};
    // Module-level code runs now (Lambda's init phase): calls it makes are served too.
    const detail::exchange_end end =
        session_->exchange(init, {"ready", "init_error"}, s.wall_clock_guard_ms, hooks(ctx));
    if (end.how == detail::exchange_end::kind::answered && end.message["type"] == "ready") {
      ctx.log("handler_init", {{"runtime", s.runtime}, {"environment", env_number}});
      return;
    }
    std::string why;
    if (end.how == detail::exchange_end::kind::answered) {
      why = end.message.value("errorType", "Runtime.Unknown") + ": " +
            end.message.value("errorMessage", "");
      if (end.message.contains("stackTrace") && end.message["stackTrace"].is_array()) {
        for (const json& line : end.message["stackTrace"]) {
          if (line.is_string()) why += "\n  " + line.get<std::string>();
        }
      }
    } else if (end.how == detail::exchange_end::kind::exited) {
      why = "the runtime exited (" + end.exit_status + ") before the handler was loaded" +
            tail_text(end.detail);
    } else if (end.how == detail::exchange_end::kind::timed_out) {
      why = "loading it (module-level code) did not finish within the wall-clock guard of " +
            std::to_string(s.wall_clock_guard_ms) + " ms" + tail_text(end.detail);
    } else {
      why = "the shim broke the protocol: " + end.detail;
    }
    session_.reset();
    fail(*run_, describe_handler(s) + " cannot be loaded: " + why);
  }

  // Python environments fork from a server that imported the SDK once (zygote.hpp), unless
  // PIPESIM_FORK_SERVER=0; a server that cannot start falls back to one spawn per environment.
  static detail::zygote* fork_server(const runtime_spec& s, const std::string& shim) {
    return s.lang == language::python ? detail::zygote::python(s.interpreter, shim) : nullptr;
  }

  detail::session_hooks hooks(pipesim::lambda::context& ctx) {
    detail::session_hooks h;
    h.on_log = [this, &ctx](const std::string& stream, const std::string& text) {
      ctx.log("handler_log", {{"request_id", request_id_}, {"stream", stream}, {"text", text}});
    };
    h.on_http = [this, &ctx](const wire::http_request& req) { return serve(req, ctx); };
    return h;
  }

  wire::http_response serve(const wire::http_request& req, pipesim::lambda::context& ctx) {
    const route r = route_request(req, run_->setup.mocks.get(), run_->ledger, session_->endpoint(),
                                  region_, account_);
    if (r.mock) {
      const json request =
          req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
      if (request.is_discarded()) {
        return json_reply(
            req, 400, {{"__type", "SerializationException"}, {"message", "Malformed JSON body"}});
      }
      mark_handled(request.dump(), ctx);
      return answer_mock(req, request, r.service, r.operation, *r.mock, run_->ledger,
                         event_tokens(), ctx, [this, &ctx](json call, json answer) {
                           call["request_id"] = request_id_;
                           answer["request_id"] = request_id_;
                           ctx.log("handler_call", call);
                           ctx.log("handler_answer", answer);
                         });
    }
    if (r.call) {
      const wire::call& c = *r.call;
      ctx.log("handler_call", {{"request_id", request_id_},
                               {"service", r.service},
                               {"operation", c.operation},
                               {"params", canonical_params(run_->ledger, c.params)}});
      mark_handled(c.params.dump(), ctx);
      pipesim::api_result result =
          c.sqs() ? ctx.sqs(c.operation, c.params) : ctx.sagemaker(c.operation, c.params);
      models::api_result mr;
      mr.response = std::move(result.response);
      if (result.error)
        mr.error =
            models::api_error{result.error->code, result.error->message, result.error->http_status};
      ctx.log("handler_answer", {{"request_id", request_id_},
                                 {"operation", c.operation},
                                 {"error", mr.error ? json(mr.error->code) : json(nullptr)}});
      return wire::encode(c, mr, r.wire);
    }
    if (r.refusal) return *r.refusal;
    const std::string message =
        describe_handler(run_->setup.spec) + " called " + describe_call(r) + " in invoke " +
        request_id_ +
        ", which pipesim neither simulates nor mocks: declare it under \"mocks\" in the scenario "
        "(\"mocks\": {\"" +
        r.service + "\": {\"" + r.operation + "\": {\"replies\": [...]}}})";
    ctx.log("handler_call", {{"request_id", request_id_},
                             {"service", r.service},
                             {"operation", r.operation},
                             {"unsimulated", true}});
    if (run_->setup.on_unsimulated_call) run_->setup.on_unsimulated_call(message);
    return unsimulated_reply(req, r);
  }

  // The callback tokens in the batch, for tying a mocked job to the execution it works for.
  std::vector<std::string> event_tokens() const {
    std::vector<std::string> bodies;
    if (event_ && event_->contains("Records") && (*event_)["Records"].is_array()) {
      for (const json& rec : (*event_)["Records"])
        bodies.push_back(rec.value("body", std::string()));
    }
    return callback_tokens(bodies);
  }

  // A record the handler made a call about (its callback token, its execution, its message id
  // or receipt handle is in the request) was looked at: deleting it after a successful invoke is
  // no lost callback, even if the handler found nothing to do (a duplicate, a moved-on
  // execution). A record no call mentions was never handled.
  void mark_handled(const std::string& request, pipesim::lambda::context& ctx) const {
    if (!event_ || !event_->contains("Records") || !(*event_)["Records"].is_array()) return;
    for (const json& r : (*event_)["Records"]) {
      const std::string id = r.value("messageId", "");
      bool mentioned = !id.empty() && request.find(id) != std::string::npos;
      const std::string handle = r.value("receiptHandle", "");
      mentioned = mentioned || (!handle.empty() && request.find(handle) != std::string::npos);
      const json body = json::parse(r.value("body", std::string()), nullptr, false);
      for (const char* key : {"token", "pipelineExecutionArn"}) {
        if (mentioned || !body.is_object() || !body.contains(key) || !body[key].is_string())
          continue;
        const std::string& v = body[key].get_ref<const std::string&>();
        mentioned = !v.empty() && request.find(v) != std::string::npos;
      }
      if (mentioned) ctx.handled(id);
    }
  }

  std::shared_ptr<run_state> run_;
  std::unique_ptr<detail::shim_session> session_;
  std::string request_id_;
  std::string log_stream_;
  std::string region_;
  std::string account_;
  const json* event_ = nullptr;
};

}  // namespace

pipesim::lambda::handler_factory shim_factory(function_setup setup) {
  auto run = std::make_shared<run_state>();
  run->setup = std::move(setup);
  return [run] { return std::make_unique<shim_handler>(run); };
}

}  // namespace runtimes

// The shim-backed handler (see handler.hpp).
#include "runtimes/handler.hpp"

#include "runtimes/detail/shim_session.hpp"
#include "runtimes/detail/zygote.hpp"
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
  std::map<std::pair<std::string, std::string>, std::int64_t> mock_calls;
  std::map<std::string, std::int64_t> client_tokens;  // SDK-generated token -> ordinal
  std::int64_t environments = 0;
  std::int64_t requests = 0;
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

// An SDK fills ClientRequestToken with a fresh random UUID; the trace names tokens by their
// first appearance in the run so it stays byte-identical while the model sees the real value.
json canonical_params(run_state& run, const json& params) {
  if (!params.is_object() || !params.contains("ClientRequestToken") ||
      !params["ClientRequestToken"].is_string()) {
    return params;
  }
  json out = params;
  const std::string raw = params["ClientRequestToken"].get<std::string>();
  const auto it = run.client_tokens.emplace(raw, run.client_tokens.size() + 1).first;
  out["ClientRequestToken"] = "<client token " + std::to_string(it->second) + ">";
  return out;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

// The callback tokens in the batch, for tying a mocked job to the execution it works for.
std::vector<std::string> tokens_of(const json& event) {
  std::vector<std::string> out;
  if (!event.contains("Records") || !event["Records"].is_array()) return out;
  for (const json& r : event["Records"]) {
    const json body = json::parse(r.value("body", std::string()), nullptr, false);
    if (body.is_object() && body.contains("token") && body["token"].is_string())
      out.push_back(body["token"].get<std::string>());
  }
  return out;
}

std::string pointer_value(const json& request, const std::string& pointer) {
  if (pointer.empty()) return "";
  try {
    const json& v = request.at(json::json_pointer(pointer));
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
  } catch (const json::exception&) {
  }
  return "";
}

wire::http_response json_reply(const wire::http_request& req, int status, const json& body) {
  wire::http_response r;
  r.status = status;
  std::string type(req.header_value("content-type"));
  if (type.empty()) type = "application/x-amz-json-1.1";
  r.headers.push_back({"Content-Type", type});
  r.body = body.dump();
  return r;
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
        {"AWS_REGION", region_},
        {"AWS_DEFAULT_REGION", region_},
        {"TZ", "UTC"},
        {"AWS_ACCESS_KEY_ID", "AKIAPIPESIMSIMULATED"},
        {"AWS_SECRET_ACCESS_KEY", "pipesim-simulated-secret-access-key"},
        {"AWS_SESSION_TOKEN", "pipesim-simulated-session-token"},
        {"AWS_CONFIG_FILE", "/dev/null"},
        {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
        {"AWS_EC2_METADATA_DISABLED", "true"},
        {"PYTHONHASHSEED", "0"},
        {"PYTHONDONTWRITEBYTECODE", "1"},
        {"PYTHONUNBUFFERED", "1"}};
    for (const auto& [k, v] : reserved) env[k] = v;
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
    if (s.lang != language::python) return nullptr;
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
    return detail::zygote::for_thread(s.interpreter, shim, env);
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
    const std::string service = wire::service_of(req);
    const std::string target(req.header_value("x-amz-target"));
    const std::string op = target.substr(
        target.rfind('.') == std::string::npos ? target.size() : target.rfind('.') + 1);
    if (!op.empty() && run_->setup.mocks) {
      const auto svc = run_->setup.mocks->find(service);
      if (svc != run_->setup.mocks->end()) {
        const auto m = svc->second.find(op);
        if (m != svc->second.end()) return mocked(req, service, op, m->second, ctx);
      }
    }
    wire::context wctx;
    wctx.origin = session_->endpoint();
    wctx.request_id = "00000000-0000-4000-8000-" + [this] {
      char id[16];
      std::snprintf(id, sizeof id, "%012llx", static_cast<unsigned long long>(++run_->requests));
      return std::string(id);
    }();
    wctx.region = region_;
    wctx.account = account_;
    if (service == "sqs" || service == "sagemaker") {
      wire::decoded d = wire::decode(req, wctx);
      if (d.to_call) {
        const wire::call& c = *d.to_call;
        ctx.log("handler_call", {{"request_id", request_id_},
                                 {"service", service},
                                 {"operation", c.operation},
                                 {"params", canonical_params(*run_, c.params)}});
        mark_handled(c.params.dump(), ctx);
        pipesim::api_result r =
            c.sqs() ? ctx.sqs(c.operation, c.params) : ctx.sagemaker(c.operation, c.params);
        models::api_result mr;
        mr.response = std::move(r.response);
        if (r.error)
          mr.error = models::api_error{r.error->code, r.error->message, r.error->http_status};
        ctx.log("handler_answer", {{"request_id", request_id_},
                                   {"operation", c.operation},
                                   {"error", mr.error ? json(mr.error->code) : json(nullptr)}});
        return wire::encode(c, mr, wctx);
      }
      const bool unknown = d.error.body.find("UnknownOperationException") != std::string::npos;
      if (!(service == "sagemaker" && unknown)) return d.error;
    }
    const std::string what = (service.empty() ? std::string("an unrecognised service") : service) +
                             (op.empty() ? std::string() : " " + op);
    const std::string message =
        describe_handler(run_->setup.spec) + " called " + what + " in invoke " + request_id_ +
        ", which pipesim neither simulates nor mocks: declare it under \"mocks\" in the scenario "
        "(\"mocks\": {\"" +
        service + "\": {\"" + op + "\": {\"replies\": [...]}}})";
    ctx.log("handler_call", {{"request_id", request_id_},
                             {"service", service},
                             {"operation", op},
                             {"unsimulated", true}});
    if (run_->setup.on_unsimulated_call) run_->setup.on_unsimulated_call(message);
    return json_reply(req, 400,
                      {{"__type", "UnknownOperationException"},
                       {"message", "pipesim neither simulates nor mocks " + what}});
  }

  wire::http_response mocked(const wire::http_request& req, const std::string& service,
                             const std::string& op, const mock_operation& m,
                             pipesim::lambda::context& ctx) {
    json request = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (request.is_discarded()) {
      return json_reply(req, 400,
                        {{"__type", "SerializationException"}, {"message", "Malformed JSON body"}});
    }
    mark_handled(request.dump(), ctx);
    std::int64_t& calls = run_->mock_calls[{service, op}];
    std::size_t pick = 0;
    if (m.choose && m.replies.size() > 1) {
      pick = static_cast<std::size_t>(ctx.choose_between(
          "mock." + service + "." + op, 0, static_cast<std::int64_t>(m.replies.size()) - 1));
    } else {
      std::int64_t seen = 0;
      pick = m.replies.size() - 1;
      for (std::size_t i = 0; i < m.replies.size(); ++i) {
        seen += m.replies[i].times;
        if (calls < seen) {
          pick = i;
          break;
        }
      }
    }
    ++calls;
    const mock_reply* chosen = &m.replies.at(pick);
    if (m.when_exists && !chosen->is_error && !m.creates.empty()) {
      const std::string value = pointer_value(request, m.creates);
      if (!value.empty() && ctx.exists(service + "/" + value)) chosen = &*m.when_exists;
    }
    const mock_reply& reply = *chosen;
    ctx.log("handler_call", {{"request_id", request_id_},
                             {"service", service},
                             {"operation", op},
                             {"params", canonical_params(*run_, request)},
                             {"mocked", true}});
    ctx.log("handler_answer", {{"request_id", request_id_},
                               {"operation", op},
                               {"error", reply.is_error ? json(reply.error_code) : json(nullptr)}});
    if (reply.is_error) {
      return json_reply(req, reply.http_status,
                        {{"__type", reply.error_code}, {"message", reply.error_message}});
    }
    if (!m.creates.empty()) {
      const std::string value = pointer_value(request, m.creates);
      if (!value.empty()) {
        const std::string resource = service + "/" + value;
        std::string token = pointer_value(request, m.token);
        if (token.empty() && m.token.empty() && event_) {
          const std::string body = request.dump();
          for (const std::string& t : tokens_of(*event_)) {
            if (body.find(t) != std::string::npos) {
              token = t;
              break;
            }
          }
        }
        ctx.created(resource, token);
        if (m.completes && !token.empty())
          schedule_completion(*m.completes, service, op, resource, token, ctx);
      }
    }
    if (!m.deletes.empty()) {
      const std::string value = pointer_value(request, m.deletes);
      if (!value.empty() && ctx.exists(service + "/" + value)) ctx.deleted(service + "/" + value);
    }
    return json_reply(req, 200, reply.response);
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

  // The external job a mocked call started: it answers the callback when it ends, unless it was
  // stopped (its resource deleted) first. It looks at its resource once a virtual minute, so a
  // stopped job is over within a minute instead of keeping the function's world busy until its
  // planned end.
  static void schedule_completion(const mock_completion& c, const std::string& service,
                                  const std::string& op, const std::string& resource,
                                  const std::string& token, pipesim::lambda::context& ctx) {
    const std::int64_t delay_us =
        c.after_min_us == c.after_max_us
            ? c.after_min_us
            : ctx.choose_between("mock." + service + "." + op + ".completes", c.after_min_us,
                                 c.after_max_us);
    run_job(c, resource, token, ctx.now().count() + delay_us, ctx);
  }

  static void run_job(const mock_completion& c, const std::string& resource,
                      const std::string& token, std::int64_t ends_at_us, pipesim::context& ctx) {
    constexpr std::int64_t k_check_us = 60'000'000;
    const std::int64_t step =
        std::min(k_check_us, std::max<std::int64_t>(ends_at_us - ctx.now().count(), 0));
    ctx.after(pipesim::duration(step), [c, resource, token, ends_at_us](pipesim::context& job) {
      if (!job.exists(resource)) return;  // stopped before it finished
      if (job.now().count() < ends_at_us) {
        run_job(c, resource, token, ends_at_us, job);
        return;
      }
      job.deleted(resource);
      json outputs = json::array();
      for (const auto& [name, value] : c.outputs.items())
        outputs.push_back({{"Name", name}, {"Value", value}});
      if (c.succeeds) {
        job.sagemaker("SendPipelineExecutionStepSuccess",
                      {{"CallbackToken", token}, {"OutputParameters", outputs}});
      } else {
        job.sagemaker("SendPipelineExecutionStepFailure",
                      {{"CallbackToken", token}, {"FailureReason", c.failure_reason}});
      }
    });
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

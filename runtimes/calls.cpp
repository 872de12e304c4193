// The calls a user's process makes that handlers and workers answer alike (see calls.hpp).
#include "runtimes/calls.hpp"

#include <algorithm>
#include <cstdio>

namespace runtimes {

using nlohmann::json;

namespace {

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

// The external job a mocked call started: it answers the callback when it ends, unless it was
// stopped (its resource deleted) first. It looks at its resource once a virtual minute, so a
// stopped job is over within a minute instead of keeping the world busy until its planned end.
void run_job(const mock_completion& c, const std::string& resource, const std::string& token,
             std::int64_t ends_at_us, pipesim::context& ctx) {
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

void schedule_completion(const mock_completion& c, const std::string& service,
                         const std::string& op, const std::string& resource,
                         const std::string& token, pipesim::context& ctx) {
  const std::int64_t delay_us =
      c.after_min_us == c.after_max_us
          ? c.after_min_us
          : ctx.choose_between("mock." + service + "." + op + ".completes", c.after_min_us,
                               c.after_max_us);
  run_job(c, resource, token, ctx.now().count() + delay_us, ctx);
}

}  // namespace

std::string target_operation(const wire::http_request& req) {
  const std::string target(req.header_value("x-amz-target"));
  const std::size_t dot = target.rfind('.');
  return dot == std::string::npos ? "" : target.substr(dot + 1);
}

json canonical_params(call_ledger& ledger, const json& params) {
  if (!params.is_object() || !params.contains("ClientRequestToken") ||
      !params["ClientRequestToken"].is_string()) {
    return params;
  }
  json out = params;
  const std::string raw = params["ClientRequestToken"].get<std::string>();
  const auto it = ledger.client_tokens.emplace(raw, ledger.client_tokens.size() + 1).first;
  out["ClientRequestToken"] = "<client token " + std::to_string(it->second) + ">";
  return out;
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

std::string request_id_for(std::int64_t number) {
  char id[48];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(number));
  return id;
}

route route_request(const wire::http_request& req, const mock_table* mocks, call_ledger& ledger,
                    const std::string& origin, const std::string& region,
                    const std::string& account) {
  route r;
  r.service = wire::service_of(req);
  r.operation = target_operation(req);
  if (!r.operation.empty() && mocks) {
    const auto svc = mocks->find(r.service);
    if (svc != mocks->end()) {
      const auto m = svc->second.find(r.operation);
      if (m != svc->second.end()) {
        r.mock = &m->second;
        return r;
      }
    }
  }
  r.wire.origin = origin;
  r.wire.request_id = request_id_for(++ledger.requests);
  r.wire.region = region;
  r.wire.account = account;
  if (r.service == "sqs" || r.service == "sagemaker") {
    wire::decoded d = wire::decode(req, r.wire);
    if (d.to_call) {
      r.operation = d.to_call->operation;
      r.call = std::move(d.to_call);
      return r;
    }
    // SageMaker's other operations (CreateTrainingJob...) are not simulated: mock them.
    const bool unknown = d.error.body.find("UnknownOperationException") != std::string::npos;
    if (!(r.service == "sagemaker" && unknown)) r.refusal = std::move(d.error);
  }
  return r;
}

std::string describe_call(const route& r) {
  return (r.service.empty() ? std::string("an unrecognised service") : r.service) +
         (r.operation.empty() ? std::string() : " " + r.operation);
}

wire::http_response unsimulated_reply(const wire::http_request& req, const route& r) {
  return json_reply(req, 400,
                    {{"__type", "UnknownOperationException"},
                     {"message", "pipesim neither simulates nor mocks " + describe_call(r)}});
}

std::vector<std::string> callback_tokens(const std::vector<std::string>& bodies) {
  std::vector<std::string> out;
  for (const std::string& b : bodies) {
    const json body = json::parse(b, nullptr, false);
    if (body.is_object() && body.contains("token") && body["token"].is_string())
      out.push_back(body["token"].get<std::string>());
  }
  return out;
}

wire::http_response answer_mock(const wire::http_request& req, const json& request,
                                const std::string& service, const std::string& op,
                                const mock_operation& m, call_ledger& ledger,
                                const std::vector<std::string>& tokens, pipesim::context& ctx,
                                const std::function<void(json call, json answer)>& record) {
  std::int64_t& calls = ledger.mock_calls[{service, op}];
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
  record({{"service", service},
          {"operation", op},
          {"params", canonical_params(ledger, request)},
          {"mocked", true}},
         {{"operation", op}, {"error", reply.is_error ? json(reply.error_code) : json(nullptr)}});
  if (reply.is_error) {
    return json_reply(req, reply.http_status,
                      {{"__type", reply.error_code}, {"message", reply.error_message}});
  }
  if (!m.creates.empty()) {
    const std::string value = pointer_value(request, m.creates);
    if (!value.empty()) {
      const std::string resource = service + "/" + value;
      std::string token = pointer_value(request, m.token);
      if (token.empty() && m.token.empty()) {
        const std::string body = request.dump();
        for (const std::string& t : tokens) {
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

}  // namespace runtimes

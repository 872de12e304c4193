// Shared fixtures for the pipelines tests: a simulation, a recording SQS sender and a service.
#pragma once

#include "models/common/knobs.hpp"
#include "models/pipelines/service.hpp"
#include "scenarios/behaviour_parse.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace models::pipelines {
inline std::ostream& operator<<(std::ostream& o, execution_status s) { return o << to_string(s); }
inline std::ostream& operator<<(std::ostream& o, step_status s) { return o << to_string(s); }
inline std::ostream& operator<<(std::ostream& o, callback_state s) { return o << to_string(s); }
inline std::ostream& operator<<(std::ostream& o, step_kind k) { return o << static_cast<int>(k); }
}  // namespace models::pipelines

namespace pipelines_test {

using models::pipelines::execution_status;
using models::pipelines::step_status;
using nlohmann::json;

/// Records every SendMessage request; fails while `fail_next` > 0.
struct recording_sqs {
  std::vector<json> requests;
  int fail_next = 0;
  int counter = 0;
  models::api_result operator()(const json& request) {
    if (fail_next > 0) {
      --fail_next;
      return models::api_result::failure("AccessDenied", "not authorized to send");
    }
    requests.push_back(request);
    return models::api_result::success({{"MessageId", "msg-" + std::to_string(++counter)}});
  }
  std::vector<json> bodies() const {
    std::vector<json> out;
    for (const json& r : requests) out.push_back(json::parse(r["MessageBody"].get<std::string>()));
    return out;
  }
};

inline std::string token(int n) { return std::string(32, 'a') + std::to_string(n); }

/// A simulation plus a service over a recording SQS sender.
struct world {
  explicit world(const json& overrides = nullptr,
                 models::profile p = models::profile::aws_documented, std::uint64_t seed = 7)
      : sim(seed),
        knobs(models::pipelines::knobs(), p, overrides),
        svc(sim, knobs, [this](const json& r) { return sqs(r); }) {
    sim.trace().enable(true);
    sim.trace().keep_lines(true);
  }

  models::api_result call(const std::string& op, const json& req) { return svc.call(op, req); }

  std::string start(const std::string& pipeline, const json& extra = json::object()) {
    json req = {{"PipelineName", pipeline}, {"ClientRequestToken", token(++tokens)}};
    req.update(extra);
    auto r = svc.call("StartPipelineExecution", req);
    if (!r.ok())
      throw std::runtime_error("start failed: " + r.error->code + " " + r.error->message);
    return r.response["PipelineExecutionArn"].get<std::string>();
  }
  models::api_result stop(const std::string& arn, const std::string& tok) {
    return svc.call("StopPipelineExecution",
                    {{"PipelineExecutionArn", arn}, {"ClientRequestToken", tok}});
  }
  models::api_result succeed(const std::string& callback_token,
                             const json& outputs = json::array()) {
    return svc.call("SendPipelineExecutionStepSuccess",
                    {{"CallbackToken", callback_token}, {"OutputParameters", outputs}});
  }
  models::api_result fail(const std::string& callback_token, const std::string& reason = "boom") {
    return svc.call("SendPipelineExecutionStepFailure",
                    {{"CallbackToken", callback_token}, {"FailureReason", reason}});
  }
  execution_status status(const std::string& arn) { return svc.observe(arn).status; }
  models::pipelines::step_observation step(const std::string& arn, const std::string& name) {
    for (auto& s : svc.observe(arn).steps)
      if (s.name == name) return s;
    throw std::runtime_error("step not started: " + name);
  }
  bool started(const std::string& arn, const std::string& name) {
    for (auto& s : svc.observe(arn).steps)
      if (s.name == name) return true;
    return false;
  }
  /// Runs everything due in the next `d` and leaves the clock at now() + d.
  void run_for(sim::time_us d) {
    const sim::time_us until = sim.now() + d;
    sim.schedule_at(until, [] {});
    sim.run({until});
  }
  void run() { sim.run({sim.now() + 1000 * sim::k_hour_us}); }

  recording_sqs sqs;
  sim::simulation sim;
  models::knob_values knobs;
  models::pipelines::service svc;
  int tokens = 0;
};

inline json callback_step(const std::string& name, const json& depends_on = json::array(),
                          const json& args = json{{"x", 1}}) {
  return {{"Name", name},
          {"Type", "Callback"},
          {"DependsOn", depends_on},
          {"SqsQueueUrl", "https://sqs.us-east-1.amazonaws.com/123456789012/" + name},
          {"Arguments", args},
          {"OutputParameters", json::array({{{"OutputName", "out"}, {"OutputType", "String"}}})}};
}
inline json job_step(const std::string& name, const std::string& type = "Training",
                     const json& depends_on = json::array()) {
  return {{"Name", name}, {"Type", type}, {"DependsOn", depends_on}, {"Arguments", json::object()}};
}
inline json lambda_step(const std::string& name) {
  return {{"Name", name},
          {"Type", "Lambda"},
          {"FunctionArn", "arn:aws:lambda:us-east-1:123456789012:function:f"},
          {"Arguments", json::object()},
          {"OutputParameters", json::array({{{"OutputName", "r"}, {"OutputType", "String"}}})}};
}
inline json definition(const json& steps, const json& parameters = json::array()) {
  return {{"Version", "2020-12-01"}, {"Parameters", parameters}, {"Steps", steps}};
}

}  // namespace pipelines_test

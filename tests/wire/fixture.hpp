// A simulated SQS and SageMaker behind the wire codecs, with no sockets: a request goes through
// wire::decode, the model, and wire::encode, as in `pipesim serve`.
#pragma once

#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "sim/simulation.hpp"
#include "wire/endpoint.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace wire_test {

inline wire::http_request query(const std::string& body) {
  wire::http_request r;
  r.headers = {{"Host", "127.0.0.1:4566"},
               {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/20261202/us-east-1/sqs/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date, Signature=00"}};
  r.body = body;
  return r;
}

inline wire::http_request sqs_json(const std::string& op, const nlohmann::json& body) {
  wire::http_request r;
  // Lower-case names as the JS SDK sends them.
  r.headers = {{"host", "127.0.0.1:4566"},
               {"content-type", "application/x-amz-json-1.0"},
               {"x-amz-target", "AmazonSQS." + op},
               {"x-amzn-query-mode", "true"}};
  r.body = body.dump();
  return r;
}

inline wire::http_request sagemaker(const std::string& op, const nlohmann::json& body) {
  wire::http_request r;
  r.headers = {{"Host", "127.0.0.1:4566"},
               {"Content-Type", "application/x-amz-json-1.1"},
               {"X-Amz-Target", "SageMaker." + op}};
  r.body = body.dump();
  return r;
}

struct world {
  sim::simulation s{7};
  models::knob_values sqs_knobs{models::sqs::knobs(), models::profile::ideal,
                                nlohmann::json::object()};
  models::knob_values sm_knobs{models::pipelines::knobs(), models::profile::ideal,
                               nlohmann::json::object()};
  models::sqs::service sqs{s, sqs_knobs};
  models::pipelines::service sagemaker{
      s, sm_knobs, [this](const nlohmann::json& r) { return sqs.call_from_aws("SendMessage", r); }};
  int requests = 0;

  wire::context ctx() {
    wire::context c;
    c.origin = "http://127.0.0.1:4566";
    c.request_id = "req-" + std::to_string(++requests);
    return c;
  }

  wire::http_response send(const wire::http_request& r) {
    const wire::context c = ctx();
    const wire::decoded d = wire::decode(r, c);
    if (!d.to_call) return d.error;
    const models::api_result result = d.to_call->sqs()
                                          ? sqs.call(d.to_call->operation, d.to_call->params)
                                          : sagemaker.call(d.to_call->operation, d.to_call->params);
    return wire::encode(*d.to_call, result, c);
  }
  nlohmann::json send_json(const wire::http_request& r) {
    return nlohmann::json::parse(send(r).body);
  }
};

}  // namespace wire_test

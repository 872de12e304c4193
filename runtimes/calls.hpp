// What a user's process (a Lambda handler's shim, a worker) asks of pipesim's endpoint, in the
// part both share: which service and operation a request is, the trace's view of its parameters,
// and the scenario's mocks for services pipesim does not simulate.
#pragma once

#include "runtimes/spec.hpp"
#include "wire/endpoint.hpp"
#include "wire/http.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <pipesim/consumer.hpp>
#include <string>
#include <utility>
#include <vector>

namespace runtimes {

/// What one run's processes have asked so far, for what must be counted across them.
struct call_ledger {
  /// (service, operation) -> calls answered by its mock, for "times".
  std::map<std::pair<std::string, std::string>, std::int64_t> mock_calls;
  /// An SDK-generated ClientRequestToken -> its ordinal in the run.
  std::map<std::string, std::int64_t> client_tokens;
  /// Requests served, for x-amzn-RequestId.
  std::int64_t requests = 0;
};

/// The operation a JSON-protocol request names in X-Amz-Target ("AWSGlue.StartJobRun" ->
/// "StartJobRun"), or "" for another protocol.
std::string target_operation(const wire::http_request& req);

/// The parameters as the trace shows them: an SDK fills ClientRequestToken with a fresh random
/// UUID, so the trace names tokens by their first appearance in the run (the model sees the real
/// value) and stays byte-identical.
nlohmann::json canonical_params(call_ledger& ledger, const nlohmann::json& params);

/// A JSON-protocol reply in the request's content type.
wire::http_response json_reply(const wire::http_request& req, int status,
                               const nlohmann::json& body);

/// A request number's x-amzn-RequestId (deterministic, UUID-shaped).
std::string request_id_for(std::int64_t number);

/// The answer to a call of a mocked operation (its reply, by "times" or at a choice point), with
/// the effects it declares ("creates", "deletes", "completes") done through `ctx`. `tokens` are
/// the callback tokens the caller is working on (the invoke's batch, the worker's last
/// messages): one found in the request ties a created resource to its execution. `record` gets
/// the trace's call and answer fields.
wire::http_response answer_mock(
    const wire::http_request& req, const nlohmann::json& request, const std::string& service,
    const std::string& operation, const mock_operation& mock, call_ledger& ledger,
    const std::vector<std::string>& tokens, pipesim::context& ctx,
    const std::function<void(nlohmann::json call, nlohmann::json answer)>& record);

/// Where a request goes. Exactly one of `mock`, `call`, `refusal` is set, or none: a service
/// pipesim neither simulates nor mocks (answer it with unsimulated_reply).
struct route {
  std::string service;                   ///< The SigV4 signing name: "sqs", "sagemaker", "glue"...
  std::string operation;                 ///< "" when the request names none pipesim can read.
  const mock_operation* mock = nullptr;  ///< Answer with answer_mock.
  std::optional<wire::call> call;        ///< The simulation answers; encode with `wire`.
  std::optional<wire::http_response> refusal;  ///< What AWS answers a malformed request.
  wire::context wire;
};

/// Routes a request that reached the endpoint at `origin` (mocks first, then SQS and SageMaker).
route route_request(const wire::http_request& req, const mock_table* mocks, call_ledger& ledger,
                    const std::string& origin, const std::string& region,
                    const std::string& account);

/// "glue StartJobRun": the service and operation of an unsimulated call, for messages.
std::string describe_call(const route& r);
/// The answer to an unsimulated call: UnknownOperationException, naming it.
wire::http_response unsimulated_reply(const wire::http_request& req, const route& r);

/// The callback tokens in SQS message bodies ({"token": ...}, as SageMaker sends them).
std::vector<std::string> callback_tokens(const std::vector<std::string>& bodies);

}  // namespace runtimes

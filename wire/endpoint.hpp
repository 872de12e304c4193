// The AWS wire protocols of the simulated endpoint, as pure functions: an HTTP request becomes a
// model call (operation + JSON request with the models' member names), and a model result
// becomes the HTTP response the client's protocol expects. No sockets and no clock here.
//
// Protocols (see README "Use your real client"):
//   - SQS query: form-encoded `Action=<Op>&Version=2012-11-05&...`, XML answers and
//     `<ErrorResponse>` errors, as spoken by AWS CLI v2 up to 2.15.40 and botocore up to 1.34.89
//     (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests.html,
//     https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-responses.html).
//   - SQS json (awsJson1_0, `X-Amz-Target: AmazonSQS.<Op>`), errors with `__type` and the
//     `x-amzn-query-error` header, as spoken by current SDKs
//     (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html,
//     https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html).
//   - SageMaker awsJson1_1 (`X-Amz-Target: SageMaker.<Op>`).
#pragma once

#include "models/common/api.hpp"
#include "wire/http.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace wire {

enum class protocol { sqs_query, sqs_json, sagemaker_json };
std::string_view to_string(protocol p) noexcept;

/// One decoded API call.
struct call {
  protocol proto = protocol::sqs_json;
  std::string operation;  ///< "SendMessage", "StartPipelineExecution", ...
  /// The request with AWS's JSON member names, QueueUrl already rewritten to the model's form.
  nlohmann::json params = nlohmann::json::object();

  bool sqs() const noexcept { return proto != protocol::sagemaker_json; }
};

/// What a request is answered with besides the model's result.
struct context {
  /// "http://127.0.0.1:4566": QueueUrls in answers point here, so clients that send to the
  /// QueueUrl's host (the JS SDK) come back to this endpoint. Built from the request's Host.
  std::string origin;
  std::string request_id;
  /// The simulated account and region; the models' QueueUrls start with
  /// "https://sqs.<region>.amazonaws.com/".
  std::string region = "us-east-1";
  std::string account = "123456789012";
};

/// Either a call to make or, for a request no model should see (unknown action, malformed body,
/// missing action), the protocol's error response.
struct decoded {
  std::optional<call> to_call;
  http_response error;
};

/// The service named by the request: "sqs" or "sagemaker" from the SigV4 credential scope, else
/// from X-Amz-Target, else from the content type (form-encoded: SQS query); "" if none.
std::string service_of(const http_request& request);

decoded decode(const http_request& request, const context& ctx);

/// The response for a call's result, in the call's protocol.
http_response encode(const call& c, const models::api_result& result, const context& ctx);

/// An error response in protocol `p` for a request that reached no model: `code` is the json
/// error name (e.g. "SerializationException"); SQS codes are mapped as for model errors.
http_response error_response(protocol p, const models::api_error& error, const context& ctx);

/// "http://" + the request's Host header, or `fallback` without one.
std::string origin_of(const http_request& request, std::string_view fallback);

/// The model's QueueUrl for what a client sent: the last two path segments of a URL
/// (account/name) under "https://sqs.<region>.amazonaws.com/", a bare name under the context's
/// account. Empty input stays empty.
std::string model_queue_url(std::string_view client_url, const context& ctx);
/// The client-facing form of a model QueueUrl (other strings are returned unchanged).
std::string client_queue_url(std::string_view model_url, const context& ctx);

/// The SQS error names on the wire for a model error code: the json `__type` shape name and the
/// legacy query `<Code>` (also the first part of `x-amzn-query-error`).
struct sqs_error_names {
  std::string json_name;
  std::string query_code;
};
sqs_error_names sqs_error_names_of(std::string_view model_code);

}  // namespace wire

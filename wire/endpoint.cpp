// Request classification and the SQS json / SageMaker json codecs; the query codec is in
// sqs_query.cpp.
#include "wire/endpoint.hpp"

#include "wire/detail/sqs_query.hpp"
#include "wire/text.hpp"

#include <array>

namespace wire {

using nlohmann::json;

namespace {

constexpr std::string_view k_sqs_target_prefix = "AmazonSQS.";
constexpr std::string_view k_sagemaker_target_prefix = "SageMaker.";

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

std::string model_url_prefix(const context& ctx) {
  return "https://sqs." + ctx.region + ".amazonaws.com/";
}

// The SQS operations the query protocol accepts (every operation of the 2012-11-05 API; the
// model answers the ones it does not simulate with UnsupportedOperation).
bool known_sqs_operation(std::string_view op) {
  static constexpr std::array<std::string_view, 23> ops = {"AddPermission",
                                                           "CancelMessageMoveTask",
                                                           "ChangeMessageVisibility",
                                                           "ChangeMessageVisibilityBatch",
                                                           "CreateQueue",
                                                           "DeleteMessage",
                                                           "DeleteMessageBatch",
                                                           "DeleteQueue",
                                                           "GetQueueAttributes",
                                                           "GetQueueUrl",
                                                           "ListDeadLetterSourceQueues",
                                                           "ListMessageMoveTasks",
                                                           "ListQueueTags",
                                                           "ListQueues",
                                                           "PurgeQueue",
                                                           "ReceiveMessage",
                                                           "RemovePermission",
                                                           "SendMessage",
                                                           "SendMessageBatch",
                                                           "SetQueueAttributes",
                                                           "StartMessageMoveTask",
                                                           "TagQueue",
                                                           "UntagQueue"};
  for (std::string_view o : ops) {
    if (o == op) return true;
  }
  return false;
}

// "Operation": the SageMaker operations served: the model's, plus the pipeline CRUD ones the
// session implements on top of it.
bool known_sagemaker_operation(std::string_view op) {
  static constexpr std::array<std::string_view, 13> ops = {"StartPipelineExecution",
                                                           "StopPipelineExecution",
                                                           "DescribePipelineExecution",
                                                           "ListPipelineExecutionSteps",
                                                           "ListPipelineExecutions",
                                                           "RetryPipelineExecution",
                                                           "SendPipelineExecutionStepSuccess",
                                                           "SendPipelineExecutionStepFailure",
                                                           "CreatePipeline",
                                                           "DescribePipeline",
                                                           "UpdatePipeline",
                                                           "DeletePipeline",
                                                           "ListPipelines"};
  for (std::string_view o : ops) {
    if (o == op) return true;
  }
  return false;
}

// Rewrites the QueueUrl members of an answer to point at this endpoint.
void rewrite_urls_out(json& v, const context& ctx) {
  if (v.is_object()) {
    for (auto& [k, item] : v.items()) {
      if ((k == "QueueUrl" || k == "SqsQueueUrl") && item.is_string()) {
        item = client_queue_url(item.get<std::string>(), ctx);
      } else if (k == "QueueUrls" && item.is_array()) {
        for (json& u : item) {
          if (u.is_string()) u = client_queue_url(u.get<std::string>(), ctx);
        }
      } else {
        rewrite_urls_out(item, ctx);
      }
    }
  } else if (v.is_array()) {
    for (json& item : v) rewrite_urls_out(item, ctx);
  }
}

// The path of a query-protocol request sent to a queue URL ("/<account>/<name>"), as the AWS SDK
// for Java v1 does; moto, ElasticMQ and LocalStack accept it too.
std::string queue_url_from_path(std::string_view target) {
  const std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty() || path == "/") return {};
  return std::string(path);
}

http_response json_response(int status, const json& body, std::string_view content_type,
                            const context& ctx) {
  http_response r;
  r.status = status;
  r.headers.push_back({"Content-Type", std::string(content_type)});
  r.headers.push_back({"x-amzn-RequestId", ctx.request_id});
  // An operation or member name the client sent can hold any bytes: they are echoed in error
  // messages, replaced where they are not UTF-8 so the answer stays valid JSON.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

constexpr std::string_view k_json_1_0 = "application/x-amz-json-1.0";
constexpr std::string_view k_json_1_1 = "application/x-amz-json-1.1";

}  // namespace

std::string_view to_string(protocol p) noexcept {
  switch (p) {
    case protocol::sqs_query:
      return "sqs-query";
    case protocol::sqs_json:
      return "sqs-json";
    case protocol::sagemaker_json:
      return "sagemaker-json";
  }
  return "?";
}

std::string origin_of(const http_request& request, std::string_view fallback) {
  const std::string_view host = request.header_value("host");
  return host.empty() ? std::string(fallback) : "http://" + std::string(host);
}

std::string model_queue_url(std::string_view client_url, const context& ctx) {
  if (client_url.empty()) return {};
  std::string_view path = client_url;
  const std::size_t scheme = path.find("://");
  if (scheme != std::string_view::npos) {
    path.remove_prefix(scheme + 3);
    const std::size_t slash = path.find('/');
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const std::size_t last = path.rfind('/');
  if (last == std::string_view::npos) {
    // A bare queue name: moto and LocalStack take it as the name in the caller's account.
    return model_url_prefix(ctx) + ctx.account + "/" + std::string(path);
  }
  const std::string_view name = path.substr(last + 1);
  std::string_view rest = path.substr(0, last);
  const std::size_t before = rest.rfind('/');
  const std::string_view account =
      before == std::string_view::npos ? rest : rest.substr(before + 1);
  return model_url_prefix(ctx) + std::string(account) + "/" + std::string(name);
}

std::string client_queue_url(std::string_view model_url, const context& ctx) {
  const std::string prefix = model_url_prefix(ctx);
  if (!starts_with(model_url, prefix)) return std::string(model_url);
  return ctx.origin + "/" + std::string(model_url.substr(prefix.size()));
}

sqs_error_names sqs_error_names_of(std::string_view code) {
  // Legacy query codes of the json shapes, as recorded against AWS in LocalStack's snapshot tests
  // (github.com/localstack/localstack, tests/aws/services/sqs/test_sqs.snapshot.json) and the SQS
  // query model's error codes (botocore 1.29.27 service-2.json).
  struct row {
    std::string_view model, json_name, query_code;
  };
  static constexpr std::array<row, 16> table = {{
      {"QueueDoesNotExist", "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"},
      {"InvalidParameterValue", "InvalidParameterValueException", "InvalidParameterValue"},
      {"MissingParameter", "MissingRequiredParameterException", "MissingParameter"},
      {"QueueNameExists", "QueueNameExists", "QueueAlreadyExists"},
      {"MessageNotInflight", "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"},
      {"PurgeQueueInProgress", "PurgeQueueInProgress",
       "AWS.SimpleQueueService.PurgeQueueInProgress"},
      {"QueueDeletedRecently", "QueueDeletedRecently",
       "AWS.SimpleQueueService.QueueDeletedRecently"},
      {"TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest",
       "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"},
      {"EmptyBatchRequest", "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest"},
      {"BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct",
       "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"},
      {"InvalidBatchEntryId", "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId"},
      {"BatchRequestTooLong", "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong"},
      {"UnsupportedOperation", "UnsupportedOperation",
       "AWS.SimpleQueueService.UnsupportedOperation"},
      {"UnknownOperationException", "UnknownOperationException", "InvalidAction"},
      {"InternalError", "InternalError", "InternalError"},
      {"InvalidAction", "UnknownOperationException", "InvalidAction"},
  }};
  for (const row& r : table) {
    if (r.model == code) return {std::string(r.json_name), std::string(r.query_code)};
  }
  return {std::string(code), std::string(code)};
}

std::string service_of(const http_request& request) {
  // "AWS4-HMAC-SHA256 Credential=AKID/20261202/us-east-1/sqs/aws4_request, ..."
  const std::string_view auth = request.header_value("authorization");
  const std::size_t cred = auth.find("Credential=");
  if (cred != std::string_view::npos) {
    std::string_view scope = auth.substr(cred + 11);
    scope = scope.substr(0, scope.find_first_of(", "));
    const std::size_t end = scope.rfind("/aws4_request");
    if (end != std::string_view::npos) {
      scope = scope.substr(0, end);
      const std::size_t slash = scope.rfind('/');
      if (slash != std::string_view::npos) return std::string(scope.substr(slash + 1));
    }
  }
  const std::string_view target = request.header_value("x-amz-target");
  if (starts_with(target, k_sqs_target_prefix)) return "sqs";
  if (starts_with(target, k_sagemaker_target_prefix)) return "sagemaker";
  const std::string type = lower(request.header_value("content-type"));
  if (starts_with(type, "application/x-www-form-urlencoded") || request.method == "GET")
    return "sqs";
  if (starts_with(type, k_json_1_0)) return "sqs";
  if (starts_with(type, k_json_1_1)) return "sagemaker";
  return {};
}

http_response error_response(protocol p, const models::api_error& error, const context& ctx) {
  const std::string type = error.http_status >= 500 ? "Receiver" : "Sender";
  if (p == protocol::sagemaker_json) {
    return json_response(error.http_status, {{"__type", error.code}, {"message", error.message}},
                         k_json_1_1, ctx);
  }
  const sqs_error_names names = sqs_error_names_of(error.code);
  if (p == protocol::sqs_query) {
    http_response r;
    r.status = error.http_status;
    r.headers.push_back({"Content-Type", "text/xml"});
    r.headers.push_back({"x-amzn-RequestId", ctx.request_id});
    r.body = detail::query_error_xml(type, names.query_code, error.message, ctx.request_id);
    return r;
  }
  http_response r = json_response(
      error.http_status,
      {{"__type", "com.amazonaws.sqs#" + names.json_name}, {"message", error.message}}, k_json_1_0,
      ctx);
  // Always sent: botocore and the JS SDK map the legacy code from it, and some JS releases fail
  // without it (github.com/softwaremill/elasticmq issue #1188).
  r.headers.push_back({"x-amzn-query-error", names.query_code + ";" + type});
  return r;
}

decoded decode(const http_request& request, const context& ctx) {
  decoded out;
  const auto fail = [&](protocol p, std::string code, std::string message) {
    out.error = error_response(p, models::api_error{std::move(code), std::move(message), 400}, ctx);
    return out;
  };
  const std::string service = service_of(request);
  const std::string type = lower(request.header_value("content-type"));
  const std::string_view target = request.header_value("x-amz-target");

  if (service == "sagemaker") {
    if (!starts_with(target, k_sagemaker_target_prefix)) {
      return fail(protocol::sagemaker_json, "UnknownOperationException",
                  target.empty() ? "Missing X-Amz-Target header."
                                 : "Unknown operation " + std::string(target) + ".");
    }
    const std::string op(target.substr(k_sagemaker_target_prefix.size()));
    if (!known_sagemaker_operation(op)) {
      return fail(protocol::sagemaker_json, "UnknownOperationException",
                  "The operation " + op + " is not supported by this SageMaker endpoint.");
    }
    json params = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    if (params.is_discarded() || !params.is_object()) {
      return fail(protocol::sagemaker_json, "SerializationException",
                  "The request body is not a JSON object.");
    }
    if ((op == "CreatePipeline" || op == "UpdatePipeline") &&
        params.contains("PipelineDefinition") && params["PipelineDefinition"].is_string()) {
      // Callback steps name their queue by URL; the client knows this endpoint's URLs.
      json definition =
          json::parse(params["PipelineDefinition"].get<std::string>(), nullptr, false);
      if (definition.is_object() && definition.contains("Steps") &&
          definition["Steps"].is_array()) {
        bool changed = false;
        for (json& step : definition["Steps"]) {
          if (step.is_object() && step.contains("SqsQueueUrl") && step["SqsQueueUrl"].is_string()) {
            step["SqsQueueUrl"] = model_queue_url(step["SqsQueueUrl"].get<std::string>(), ctx);
            changed = true;
          }
        }
        if (changed) params["PipelineDefinition"] = definition.dump();
      }
    }
    out.to_call = call{protocol::sagemaker_json, op, std::move(params)};
    return out;
  }
  if (service != "sqs") {
    return fail(protocol::sqs_query, "InvalidAction",
                service.empty() ? "The request names no service: no SigV4 credential scope, "
                                  "X-Amz-Target or known Content-Type."
                                : "The service " + service + " is not simulated by this endpoint.");
  }

  const bool json_protocol = starts_with(type, "application/x-amz-json") ||
                             (!target.empty() && !starts_with(type, "application/x-www-form"));
  if (json_protocol) {
    if (!starts_with(target, k_sqs_target_prefix)) {
      return fail(protocol::sqs_json, "UnknownOperationException",
                  target.empty() ? "Missing X-Amz-Target header."
                                 : "Unknown operation " + std::string(target) + ".");
    }
    const std::string op(target.substr(k_sqs_target_prefix.size()));
    if (!known_sqs_operation(op)) {
      return fail(protocol::sqs_json, "UnknownOperationException",
                  "The action " + op + " is not valid for this endpoint.");
    }
    json params = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    if (params.is_discarded() || !params.is_object()) {
      return fail(protocol::sqs_json, "SerializationException",
                  "The request body is not a JSON object.");
    }
    if (params.contains("QueueUrl") && params["QueueUrl"].is_string()) {
      params["QueueUrl"] = model_queue_url(params["QueueUrl"].get<std::string>(), ctx);
    } else if (!params.contains("QueueUrl")) {
      const std::string from_path = queue_url_from_path(request.target);
      if (!from_path.empty()) params["QueueUrl"] = model_queue_url(from_path, ctx);
    }
    out.to_call = call{protocol::sqs_json, op, std::move(params)};
    return out;
  }

  // Query: the form body, or the URL's query string for a GET.
  std::string_view form = request.body;
  if (request.method == "GET") {
    const std::size_t q = request.target.find('?');
    form = q == std::string::npos ? std::string_view()
                                  : std::string_view(request.target).substr(q + 1);
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string bad;
  if (!parse_form(form, pairs, bad)) {
    return fail(protocol::sqs_query, "MalformedQueryString",
                "The query string is malformed: " + bad);
  }
  std::string action;
  bool has_action = false;
  std::vector<std::pair<std::string, std::string>> rest;
  for (auto& p : pairs) {
    if (p.first == "Action") {
      action = p.second;
      has_action = true;
    } else if (p.first != "Version") {
      rest.push_back(std::move(p));
    }
  }
  if (!has_action || action.empty()) {
    return fail(protocol::sqs_query, "MissingAction",
                "The request must contain the parameter Action.");
  }
  if (!known_sqs_operation(action)) {
    return fail(protocol::sqs_query, "InvalidAction",
                "The action " + action + " is not valid for this endpoint.");
  }
  json params = detail::query_to_json(rest);
  if (params.contains("QueueUrl") && params["QueueUrl"].is_string()) {
    params["QueueUrl"] = model_queue_url(params["QueueUrl"].get<std::string>(), ctx);
  } else {
    const std::string from_path = queue_url_from_path(request.target);
    if (!from_path.empty()) params["QueueUrl"] = model_queue_url(from_path, ctx);
  }
  out.to_call = call{protocol::sqs_query, action, std::move(params)};
  return out;
}

http_response encode(const call& c, const models::api_result& result, const context& ctx) {
  if (!result.ok()) return error_response(c.proto, *result.error, ctx);
  json body = result.response.is_null() ? json::object() : result.response;
  rewrite_urls_out(body, ctx);
  switch (c.proto) {
    case protocol::sqs_query: {
      http_response r;
      r.headers.push_back({"Content-Type", "text/xml"});
      r.headers.push_back({"x-amzn-RequestId", ctx.request_id});
      r.body = detail::query_success_xml(c.operation, body, ctx.request_id);
      return r;
    }
    case protocol::sqs_json:
      return json_response(200, body, k_json_1_0, ctx);
    case protocol::sagemaker_json:
      return json_response(200, body, k_json_1_1, ctx);
  }
  return {};
}

}  // namespace wire

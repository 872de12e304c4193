// What every simulated AWS operation returns: the response members, or an AWS error.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>

namespace models {

/// An AWS error as the service would send it: the code is the `__type` suffix clients match on
/// (e.g. "ValidationException", "ResourceNotFound", "QueueDoesNotExist"), the message is what AWS
/// puts in `message`.
struct api_error {
  std::string code;
  std::string message;
  int http_status = 400;
};

/// The outcome of one API call. Exactly one of `response` (a JSON object with AWS's member names)
/// and `error` is meaningful. Calls never throw for bad parameters; they return the AWS error.
struct api_result {
  nlohmann::json response = nlohmann::json::object();
  std::optional<api_error> error;

  bool ok() const noexcept { return !error.has_value(); }

  static api_result success(nlohmann::json r) { return api_result{std::move(r), std::nullopt}; }
  static api_result failure(std::string code, std::string message, int http_status = 400) {
    return api_result{nlohmann::json::object(),
                      api_error{std::move(code), std::move(message), http_status}};
  }
  /// The JSON error body AWS sends: {"__type": code, "message": message}.
  nlohmann::json error_body() const {
    return error ? nlohmann::json{{"__type", error->code}, {"message", error->message}}
                 : nlohmann::json();
  }
};

}  // namespace models

// What every simulated AWS operation returns: the response members, or an AWS error.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
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

/// The kinds of injected 5xx answer, the pick of a 3-way choice point ("<service>.api.server_error
/// .kind"). AWS's common errors are InternalFailure (500) and ServiceUnavailable (503); [BC-Retry]
/// has SDKs retry both. A 503 refuses the request; a 500 may come after the request took effect
/// (the answer was lost), which is the case that makes idempotency tokens necessary.
enum class server_error_kind : unsigned {
  unavailable_before_effect = 0,  ///< 503 ServiceUnavailable, nothing happened.
  internal_before_effect = 1,     ///< 500 InternalFailure, nothing happened.
  internal_after_effect = 2,      ///< 500 InternalFailure, but the request was carried out.
};

/// The injected 5xx answer of kind `pick` (a server_error_kind); `carry_out` performs the request
/// and is called only for internal_after_effect.
template <typename CarryOut>
api_result server_error(std::uint64_t pick, CarryOut&& carry_out) {
  if (pick == static_cast<std::uint64_t>(server_error_kind::unavailable_before_effect)) {
    return api_result::failure("ServiceUnavailable", "Service is unavailable. Please try again.",
                               503);
  }
  if (pick == static_cast<std::uint64_t>(server_error_kind::internal_after_effect)) {
    (void)carry_out();
  }
  return api_result::failure("InternalFailure",
                             "The request processing has failed because of an unknown error, "
                             "exception or failure.",
                             500);
}

}  // namespace models

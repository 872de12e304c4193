// What a simulated AWS call answers: the response members, or the AWS error.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace pipesim {

/// An AWS error as the service sends it: `code` is what clients match on ("ThrottlingException",
/// "QueueDoesNotExist", ...), `message` AWS's text, `http_status` the status it comes with.
struct api_error {
  std::string code;
  std::string message;
  int http_status = 400;
};

/// The outcome of one call: `response` (AWS's member names) when ok(), else `error`. Calls never
/// throw for bad parameters: they answer the AWS error.
struct api_result {
  nlohmann::json response = nlohmann::json::object();
  std::optional<api_error> error;

  bool ok() const noexcept { return !error.has_value(); }
};

}  // namespace pipesim

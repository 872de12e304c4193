// HTTP messages as the protocol layer sees them: plain strings, no sockets, no HTTP library, so
// the AWS wire protocols can be tested as pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wire {

struct header {
  std::string name;  ///< As received or sent; compared case-insensitively.
  std::string value;
};

/// Case-insensitive lookup; an empty view when absent. Repeated headers: the first.
std::string_view find_header(const std::vector<header>& headers, std::string_view name) noexcept;
bool has_header(const std::vector<header>& headers, std::string_view name) noexcept;

struct http_request {
  std::string method = "POST";
  std::string target = "/";  ///< Path and query string as sent.
  std::vector<header> headers;
  std::string body;

  std::string_view header_value(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
};

struct http_response {
  int status = 200;
  std::vector<header> headers;  ///< Content-Type, x-amzn-RequestId, ... (no Date, no length).
  std::string body;

  std::string_view header_value(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
};

}  // namespace wire

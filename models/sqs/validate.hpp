// Internal: parameter checks shared by the SQS operations, each returning the AWS error.
#pragma once

#include "models/common/api.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace models::sqs::detail {

inline models::api_result error(std::string code, std::string message, int status = 400) {
  return models::api_result::failure(std::move(code), std::move(message), status);
}
inline models::api_error make_error(std::string code, std::string message, int status = 400) {
  return models::api_error{std::move(code), std::move(message), status};
}
inline models::api_result missing(std::string_view member) {
  return error("MissingParameter",
               "The request must contain the parameter " + std::string(member) + ".");
}
inline std::string invalid_value_text(std::string_view member, const std::string& value,
                                      std::string_view reason) {
  return "Value " + value + " for parameter " + std::string(member) +
         " is invalid. Reason: " + std::string(reason) + ".";
}
inline models::api_result invalid(std::string_view member, const std::string& value,
                                  std::string_view reason) {
  return error("InvalidParameterValue", invalid_value_text(member, value, reason));
}

/// Reads an integer member; false if present but not a JSON integer.
inline bool read_int(const nlohmann::json& j, std::int64_t& out) {
  if (j.is_number_integer()) {
    out = j.get<std::int64_t>();
    return true;
  }
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    out = u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
    return true;
  }
  return false;
}

/// Parses a decimal attribute value ("30"); false for anything else.
inline bool parse_decimal(const std::string& s, std::int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

/// True if every character of the UTF-8 text is in the set SQS accepts in message bodies:
/// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF [SM].
inline bool valid_message_characters(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t n = 0;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1FU;
      n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0FU;
      n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07U;
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3FU);
    }
    // Overlong encodings are malformed UTF-8.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return false;
    const bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                    (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!ok) return false;
    i += n;
  }
  return true;
}

/// MessageGroupId / MessageDeduplicationId / ReceiveRequestAttemptId: 1-128 characters,
/// alphanumerics and punctuation !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ [SM].
inline bool valid_token_id(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E) return false;
  }
  return true;
}

/// Batch entry Id: 1-80 characters of [A-Za-z0-9_-] [SMB].
inline bool valid_batch_id(std::string_view s) {
  if (s.empty() || s.size() > 80) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

/// Queue name: 1-80 characters of [A-Za-z0-9_-], FIFO names end in ".fifo" (counted) [CQ].
inline bool valid_queue_name(std::string_view s, bool fifo) {
  if (s.empty() || s.size() > 80) return false;
  std::string_view stem = s;
  if (fifo) {
    if (s.size() < 5 || s.substr(s.size() - 5) != ".fifo") return false;
    stem = s.substr(0, s.size() - 5);
    if (stem.empty()) return false;
  }
  return valid_batch_id(stem);
}

}  // namespace models::sqs::detail

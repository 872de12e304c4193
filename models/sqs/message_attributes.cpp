// Message attributes: checks of MessageAttributes / MessageSystemAttributes and their MD5
// digests.
#include "detail/queue_support.hpp"
#include "hash.hpp"
#include "queue.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cstdio>

namespace models::sqs {

using nlohmann::json;
using namespace detail;

namespace detail {

namespace {

void put_length_prefixed(std::string& out, std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  out.push_back(static_cast<char>((n >> 24) & 0xFF));
  out.push_back(static_cast<char>((n >> 16) & 0xFF));
  out.push_back(static_cast<char>((n >> 8) & 0xFF));
  out.push_back(static_cast<char>(n & 0xFF));
  out.append(s);
}

// MD5OfMessageAttributes as AWS computes it: names sorted; each as length-prefixed name, data

}  // namespace

std::string md5_of_attributes(const json& attrs) {
  if (!attrs.is_object() || attrs.empty()) return {};
  std::string buf;
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {  // nlohmann::json keeps keys sorted
    const json& v = it.value();
    const std::string type = v.value("DataType", std::string());
    put_length_prefixed(buf, it.key());
    put_length_prefixed(buf, type);
    if (type.rfind("Binary", 0) == 0) {
      buf.push_back(2);
      std::string raw;
      base64_decode(v.value("BinaryValue", std::string()), raw);
      put_length_prefixed(buf, raw);
    } else {
      buf.push_back(1);
      put_length_prefixed(buf, v.value("StringValue", std::string()));
    }
  }
  return md5_hex(buf);
}

// Checks MessageAttributes (user) or MessageSystemAttributes; adds their size to `size`.
std::optional<models::api_error> check_attributes(const json& attrs, bool system,
                                                  std::size_t& size) {
  if (attrs.is_null()) return std::nullopt;
  if (!attrs.is_object())
    return make_error("InvalidParameterValue", "Message attributes must be a map.");
  if (!system && attrs.size() > 10)
    return make_error("InvalidParameterValue", "Number of message attributes [" +
                                                   std::to_string(attrs.size()) +
                                                   "] exceeds the allowed maximum [10].");
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {
    const std::string& name = it.key();
    if (system) {
      if (name != "AWSTraceHeader")
        return make_error("InvalidParameterValue",
                          "Message system attribute name '" + name + "' is invalid.");
    } else {
      bool ok = !name.empty() && name.size() <= 256 && name.front() != '.' && name.back() != '.' &&
                name.find("..") == std::string::npos;
      for (char c : name)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.');
      std::string lower;
      for (char c : name) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      if (lower.rfind("aws.", 0) == 0 || lower.rfind("amazon.", 0) == 0) ok = false;
      if (!ok)
        return make_error("InvalidParameterValue",
                          "Message (user) attribute name '" + name + "' is invalid.");
    }
    const json& v = it.value();
    const std::string type = v.is_object() ? v.value("DataType", std::string()) : std::string();
    const std::string base = type.substr(0, type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary")
      return make_error("InvalidParameterValue", "The type of message (user) attribute '" + name +
                                                     "' is invalid. You must use only the "
                                                     "following supported type prefixes: "
                                                     "Binary, Number, String.");
    if (system && base != "String")
      return make_error("InvalidParameterValue",
                        "Message system attribute '" + name + "' must be of type String.");
    if (base == "Binary") {
      std::string raw;
      const auto* b = v.contains("BinaryValue") ? &v["BinaryValue"] : nullptr;
      if (!b || !b->is_string() || !base64_decode(b->get<std::string>(), raw) || raw.empty())
        return make_error("InvalidParameterValue", "Message (user) attribute '" + name +
                                                       "' must contain a non-empty value of "
                                                       "type 'Binary'.");
      size += raw.size();
    } else {
      const auto* s = v.contains("StringValue") ? &v["StringValue"] : nullptr;
      if (!s || !s->is_string() || s->get<std::string>().empty())
        return make_error("InvalidParameterValue", "Message (user) attribute '" + name +
                                                       "' must contain a non-empty value of "
                                                       "type '" +
                                                       base + "'.");
      const std::string& text = s->get_ref<const std::string&>();
      if (!valid_message_characters(text))
        return make_error("InvalidMessageContents",
                          "Invalid characters found in message attribute '" + name + "'.");
      if (base == "Number") {
        char* end = nullptr;
        std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size())
          return make_error("InvalidParameterValue",
                            "Can't cast the value of message (user) "
                            "attribute '" +
                                name + "' to a number.");
      }
      size += text.size();
    }
    if (!system) size += name.size() + type.size();
  }
  return std::nullopt;
}

const std::vector<std::string>& system_attribute_names() {
  static const std::vector<std::string> names = {"All",
                                                 "SenderId",
                                                 "SentTimestamp",
                                                 "ApproximateReceiveCount",
                                                 "ApproximateFirstReceiveTimestamp",
                                                 "SequenceNumber",
                                                 "MessageDeduplicationId",
                                                 "MessageGroupId",
                                                 "AWSTraceHeader",
                                                 "DeadLetterQueueSourceArn"};
  return names;
}

}  // namespace detail

}  // namespace models::sqs

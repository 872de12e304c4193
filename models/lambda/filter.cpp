// Lambda event filtering for SQS records: a pattern's keys must all match (AND), a key's list of
// matchers any (OR), filters are ORed. Matchers: literal values, prefix, suffix,
// equals-ignore-case, anything-but, numeric ranges and exists.
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html
#include "models/lambda/mapping.hpp"

#include <algorithm>
#include <cctype>

namespace models::lambda {

using nlohmann::json;

namespace {

bool matches_node(const json& pattern, const json* data);

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// {"numeric": [">", 0, "<=", 5]}: every comparison must hold.
bool numeric_matches(const json& spec, const json& value) {
  if (!value.is_number() || !spec.is_array() || spec.size() % 2 != 0) return false;
  const double x = value.get<double>();
  for (std::size_t i = 0; i + 1 < spec.size(); i += 2) {
    if (!spec[i].is_string() || !spec[i + 1].is_number()) return false;
    const std::string op = spec[i].get<std::string>();
    const double y = spec[i + 1].get<double>();
    const bool ok = op == "="    ? x == y
                    : op == ">"  ? x > y
                    : op == ">=" ? x >= y
                    : op == "<"  ? x < y
                    : op == "<=" ? x <= y
                                 : false;
    if (!ok) return false;
  }
  return true;
}

// One matcher of a key's list against one scalar value (data arrays match element-wise).
bool scalar_matches(const json& matcher, const json& value) {
  if (!matcher.is_object()) return matcher == value;
  if (matcher.contains("prefix")) {
    return value.is_string() && matcher["prefix"].is_string() &&
           value.get_ref<const std::string&>().rfind(matcher["prefix"].get<std::string>(), 0) == 0;
  }
  if (matcher.contains("suffix")) {
    return value.is_string() && matcher["suffix"].is_string() &&
           ends_with(value.get<std::string>(), matcher["suffix"].get<std::string>());
  }
  if (matcher.contains("equals-ignore-case")) {
    return value.is_string() && matcher["equals-ignore-case"].is_string() &&
           lower(value.get<std::string>()) ==
               lower(matcher["equals-ignore-case"].get<std::string>());
  }
  if (matcher.contains("anything-but")) {
    const json& but = matcher["anything-but"];
    if (but.is_array()) return std::find(but.begin(), but.end(), value) == but.end();
    return but != value;
  }
  if (matcher.contains("numeric")) return numeric_matches(matcher["numeric"], value);
  return false;
}

bool list_matches(const json& matchers, const json* data) {
  for (const json& m : matchers) {
    if (m.is_object() && m.contains("exists")) {
      if (m["exists"] == (data != nullptr)) return true;
      continue;
    }
    if (data == nullptr) continue;
    if (data->is_array()) {
      if (std::any_of(data->begin(), data->end(),
                      [&](const json& element) { return scalar_matches(m, element); })) {
        return true;
      }
    } else if (scalar_matches(m, *data)) {
      return true;
    }
  }
  return false;
}

bool matches_node(const json& pattern, const json* data) {
  if (pattern.is_array()) return list_matches(pattern, data);
  if (!pattern.is_object()) return false;
  if (data == nullptr || !data->is_object()) return false;
  for (const auto& [key, sub] : pattern.items()) {
    const auto it = data->find(key);
    if (!matches_node(sub, it == data->end() ? nullptr : &*it)) return false;
  }
  return true;
}

// One pattern against the record. The body is matched as JSON when the pattern's body is an
// object and as text when it is a list; a body that is not what the pattern expects does not
// match, and the message is dropped [FILT].
bool pattern_matches(const json& pattern, const json& record) {
  json view = record;
  if (pattern.contains("body")) {
    const std::string& text = record.value("body", std::string());
    const json parsed = json::parse(text, nullptr, false);
    const bool body_is_json = !parsed.is_discarded() && (parsed.is_object() || parsed.is_array());
    if (pattern["body"].is_object()) {
      if (!body_is_json) return false;
      view["body"] = parsed;
    } else if (body_is_json) {
      return false;
    }
  }
  return matches_node(pattern, &view);
}

}  // namespace

bool matches_filter(const json& criteria, const json& record) {
  if (criteria.is_null()) return true;
  for (const json& f : criteria["Filters"]) {
    const json pattern = json::parse(f["Pattern"].get<std::string>(), nullptr, false);
    if (!pattern.is_discarded() && pattern_matches(pattern, record)) return true;
  }
  return false;
}

}  // namespace models::lambda

// Request checks: AWS's validation messages and the constraints of the SageMaker members
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html).
#include "models/pipelines/detail/validation.hpp"

#include "models/pipelines/detail/service_impl.hpp"

#include <algorithm>
#include <cctype>
#include <exception>

namespace models::pipelines {

namespace detail {

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Consumes "arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:pipeline/"; returns the position
// after it, or npos.
std::size_t pipeline_arn_prefix(const std::string& v) {
  if (v.rfind("arn:aws", 0) != 0) return std::string::npos;
  std::size_t i = 7;
  while (i < v.size() && ((v[i] >= 'a' && v[i] <= 'z') || v[i] == '-')) ++i;
  const std::string service = ":sagemaker:";
  if (v.compare(i, service.size(), service) != 0) return std::string::npos;
  i += service.size();
  while (i < v.size() &&
         ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
    ++i;
  if (i >= v.size() || v[i] != ':') return std::string::npos;
  ++i;
  for (int d = 0; d < 12; ++d, ++i)
    if (i >= v.size() || v[i] < '0' || v[i] > '9') return std::string::npos;
  const std::string rest = ":pipeline/";
  if (v.compare(i, rest.size(), rest) != 0) return std::string::npos;
  return i + rest.size();
}

}  // namespace

// AWS's JSON-protocol validation message, e.g.
// "1 validation error detected: Value 'x' at 'clientRequestToken' failed to satisfy constraint:
//  Member must have length greater than or equal to 32".
api_result invalid(const std::string& member, const json& value, const std::string& constraint) {
  std::string shown = value.is_null()     ? "null"
                      : value.is_string() ? "'" + value.get<std::string>() + "'"
                                          : "'" + value.dump() + "'";
  return api_result::failure(k_validation, "1 validation error detected: Value " + shown + " at '" +
                                               member +
                                               "' failed to satisfy constraint: " + constraint);
}

std::string lower_camel(const std::string& name) {
  std::string out = name;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

// Checks an optional/required string member; returns an error or nothing.
std::optional<api_result> check_string(const json& req, const std::string& name, bool required,
                                       std::size_t min_len, std::size_t max_len,
                                       bool (*pattern)(const std::string&),
                                       const char* pattern_text) {
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) {
    if (required) return invalid(lower_camel(name), nullptr, "Member must not be null");
    return std::nullopt;
  }
  if (!it->is_string()) return invalid(lower_camel(name), *it, "Member must be a string");
  const std::string& v = it->get_ref<const std::string&>();
  if (v.size() < min_len)
    return invalid(lower_camel(name), *it,
                   "Member must have length greater than or equal to " + std::to_string(min_len));
  if (v.size() > max_len)
    return invalid(lower_camel(name), *it,
                   "Member must have length less than or equal to " + std::to_string(max_len));
  if (pattern != nullptr && !pattern(v))
    return invalid(lower_camel(name), *it,
                   std::string("Member must satisfy regular expression pattern: ") + pattern_text);
  return std::nullopt;
}

// [a-zA-Z0-9](-*[a-zA-Z0-9]){0,max_more}
bool hyphenated_name(const std::string& v, std::size_t max_more) {
  if (v.empty() || !is_alnum(v.front()) || !is_alnum(v.back())) return false;
  std::size_t alnums = 0;
  for (char c : v) {
    if (is_alnum(c))
      ++alnums;
    else if (c != '-')
      return false;
  }
  return alnums <= max_more + 1;
}

bool execution_arn_pattern(const std::string& v) {
  const std::size_t i = pipeline_arn_prefix(v);
  return i != std::string::npos && v.find("/execution/", i) != std::string::npos;
}
bool pipeline_name_pattern(const std::string& v) {
  const std::size_t i = pipeline_arn_prefix(v);
  if (i == std::string::npos) return hyphenated_name(v, 255);
  const std::size_t slash = v.rfind('/');
  return slash + 1 < v.size() && hyphenated_name(v.substr(slash + 1), 255);
}
bool display_name_pattern(const std::string& v) { return hyphenated_name(v, 81); }
bool parameter_name_pattern(const std::string& v) {
  return std::all_of(v.begin(), v.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_'; });
}
bool token_pattern(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), is_alnum);
}

json typed_output(const std::string& type, const std::string& value) {
  try {
    std::size_t used = 0;
    if (type == "Integer") {
      long long v = std::stoll(value, &used);
      if (used == value.size()) return v;
    } else if (type == "Float") {
      double v = std::stod(value, &used);
      if (used == value.size()) return v;
    } else if (type == "Boolean") {
      if (value == "true" || value == "True") return true;
      if (value == "false" || value == "False") return false;
    }
  } catch (const std::logic_error&) {  // std::stod/stoll: not a number, or out of range
  }
  return value;
}

std::string as_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace detail

using namespace detail;

std::optional<api_result> service::impl::check_execution_arn(const json& req,
                                                             const std::string& member,
                                                             bool required) {
  const auto max = static_cast<std::size_t>(knobs.integer("api.arn_max_length"));
  return check_string(req, member, required, 0, max, execution_arn_pattern, k_exec_arn_pattern);
}

std::optional<api_result> service::impl::check_token(const json& req, bool required) {
  return check_string(req, "ClientRequestToken", required, 32, 128);
}

std::optional<api_result> service::impl::check_parallelism(const json& req) {
  auto it = req.find("ParallelismConfiguration");
  if (it == req.end() || it->is_null()) return std::nullopt;
  if (!it->is_object())
    return invalid("parallelismConfiguration", *it, "Member must be a structure");
  auto m = it->find("MaxParallelExecutionSteps");
  if (m == it->end() || m->is_null())
    return invalid("parallelismConfiguration.maxParallelExecutionSteps", nullptr,
                   "Member must not be null");
  if (!m->is_number_integer() || m->get<std::int64_t>() < 1)
    return invalid("parallelismConfiguration.maxParallelExecutionSteps", *m,
                   "Member must have value greater than or equal to 1");
  return std::nullopt;
}

}  // namespace models::pipelines

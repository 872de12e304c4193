// Request checks shared by the SageMaker operations: AWS's JSON-protocol validation messages,
// the members' length and pattern constraints, and typing of parameter and output values.
// Internal to models/pipelines.
#pragma once

#include "models/common/api.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace models::pipelines::detail {

inline constexpr const char* k_validation = "ValidationException";
inline constexpr const char* k_not_found = "ResourceNotFound";
inline constexpr const char* k_conflict = "ConflictException";
inline constexpr const char* k_limit = "ResourceLimitExceeded";

inline constexpr const char* k_exec_arn_pattern =
    R"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:pipeline\/.*\/execution\/.*)";
inline constexpr const char* k_pipeline_name_pattern =
    R"((arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:pipeline\/.*)?([a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}))";
inline constexpr const char* k_display_name_pattern = R"([a-zA-Z0-9](-*[a-zA-Z0-9]){0,81})";
inline constexpr const char* k_parameter_name_pattern = R"([A-Za-z0-9\-_]*)";
inline constexpr const char* k_token_pattern = R"([a-zA-Z0-9]+)";

/// AWS's JSON-protocol validation error for `member` (lowerCamel, as AWS names it).
models::api_result invalid(const std::string& member, const nlohmann::json& value,
                           const std::string& constraint);
/// "PipelineName" -> "pipelineName", the spelling AWS's validation messages use.
std::string lower_camel(const std::string& name);
/// Checks an optional/required string member; returns an error or nothing.
std::optional<models::api_result> check_string(const nlohmann::json& req, const std::string& name,
                                               bool required, std::size_t min_len,
                                               std::size_t max_len,
                                               bool (*pattern)(const std::string&) = nullptr,
                                               const char* pattern_text = nullptr);

/// [a-zA-Z0-9](-*[a-zA-Z0-9]){0,max_more}
bool hyphenated_name(const std::string& v, std::size_t max_more);
bool execution_arn_pattern(const std::string& v);
bool pipeline_name_pattern(const std::string& v);
bool display_name_pattern(const std::string& v);
bool parameter_name_pattern(const std::string& v);
bool token_pattern(const std::string& v);

/// A parameter or output value as its declared type (Integer, Float, Boolean), else the string.
nlohmann::json typed_output(const std::string& type, const std::string& value);
/// A JSON value as the text AWS shows for it (strings unquoted).
std::string as_text(const nlohmann::json& v);

}  // namespace models::pipelines::detail

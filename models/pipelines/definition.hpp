// SageMaker pipeline definitions: the JSON the Python SDK's pipeline.definition() exports, parsed
// and validated into a DAG of steps, plus expression resolution and condition evaluation.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace models::pipelines {

/// A setup error in a pipeline definition or behaviour map (not an AWS API error). what() starts
/// with the JSON pointer of the bad member and says what was expected, e.g.
///   "/Steps/2/DependsOn/0: unknown step \"Trian\" (expected the Name of a step in /Steps)".
class definition_error : public std::invalid_argument {
 public:
  definition_error(const std::string& pointer, const std::string& problem)
      : std::invalid_argument(pointer + ": " + problem), pointer_(pointer), message_(problem) {}
  /// The JSON pointer of the bad member ("/" for the whole document).
  const std::string& pointer() const noexcept { return pointer_; }
  /// What is wrong there, without the pointer (what() is "<pointer>: <message>").
  const std::string& message() const noexcept { return message_; }

 private:
  std::string pointer_;
  std::string message_;
};

enum class step_kind { job, lambda, callback, condition, fail };

/// One RetryPolicies entry, with [DG-Retry] defaults filled in.
struct retry_policy {
  std::vector<std::string> exception_types;
  std::int64_t interval_s = 1;                   ///< IntervalSeconds, 1..43200.
  double backoff_rate = 2.0;                     ///< BackoffRate.
  std::optional<std::int64_t> max_attempts;      ///< MaxAttempts, 0..20 (default 5 if neither).
  std::optional<std::int64_t> expire_after_min;  ///< ExpireAfterMin, 0..14400.
};

/// One condition of a Condition step (Type without the "Condition" prefix: "Equals", "In", ...).
struct condition_def {
  std::string type;
  nlohmann::json left;                ///< LeftValue, or QueryValue for In.
  nlohmann::json right;               ///< RightValue, or the Values array for In.
  std::vector<condition_def> nested;  ///< Not: one; Or: several.
};

struct step_def {
  std::string name;
  std::string type;  ///< The definition's Type: "Training", "Callback", ...
  step_kind kind = step_kind::job;
  std::string display_name;
  std::string description;
  nlohmann::json arguments = nlohmann::json::object();
  std::vector<std::string> depends_on;    ///< DependsOn as written.
  std::vector<std::size_t> dependencies;  ///< Indices of all upstream steps (DependsOn + Get refs).
  std::string sqs_queue_url;              ///< Callback only.
  std::vector<std::pair<std::string, std::string>>
      output_parameters;  ///< (OutputName, OutputType).
  std::vector<retry_policy> retry_policies;
  std::vector<condition_def> conditions;          ///< Condition only; all must hold.
  std::vector<std::size_t> if_steps, else_steps;  ///< Condition only.
  std::optional<std::size_t> branch_of;  ///< The Condition step whose branch holds this step.
  bool in_if_branch = false;
  nlohmann::json error_message;  ///< Fail only (string or expression).
  std::string lambda_arn;        ///< Lambda only (FunctionArn).
  std::string pointer;           ///< JSON pointer of this step in the definition.
};

struct parameter_def {
  std::string name;
  std::string type = "String";   ///< String | Integer | Float | Boolean.
  nlohmann::json default_value;  ///< null if none.
};

struct pipeline_definition {
  std::string version;
  std::vector<parameter_def> parameters;
  std::vector<step_def> steps;  ///< Top-level steps first in definition order, then branch steps.
  std::map<std::string, std::size_t> index;

  const step_def* find(const std::string& name) const;
};

/// Parses and validates a definition (the JSON object, or a string holding it).
/// Throws definition_error naming the JSON pointer of the first problem.
pipeline_definition parse_definition(const nlohmann::json& definition);

/// What expressions resolve against.
struct resolution_context {
  const std::map<std::string, nlohmann::json>* parameters = nullptr;  ///< Typed values.
  std::map<std::string, nlohmann::json> execution;  ///< "PipelineExecutionArn", ...
  /// Step name -> property path ("OutputParameters['x']", "ProcessingJobName") -> value.
  const std::map<std::string, std::map<std::string, nlohmann::json>>* step_properties = nullptr;
};

/// Resolves {"Get": ...}, {"Std:Join": ...} anywhere in `value`. Unresolvable references and
/// Std:JsonGet (which reads a property file pipesim does not model) are passed through as written.
nlohmann::json resolve(const nlohmann::json& value, const resolution_context& ctx);

/// Evaluates the conditions (a conjunction) against resolved values. Throws definition_error if a
/// value cannot be compared (e.g. an unresolved reference).
bool evaluate(const std::vector<condition_def>& conditions, const resolution_context& ctx);

/// Names every "Steps.<name>" a value references through Get (used for dependencies).
void collect_step_references(const nlohmann::json& value, std::vector<std::string>& out);

}  // namespace models::pipelines

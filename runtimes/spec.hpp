// What a scenario says about a user's own Lambda handler: the language, where the code is, the
// handler name, and how to start it. The files themselves are checked here too, so a bad path is
// a validation error naming the file, not a failed run.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runtimes {

enum class language { python, node };

struct runtime_spec {
  language lang = language::python;
  /// As the scenario wrote it: "python", "node", or a Lambda runtime name ("python3.12",
  /// "nodejs20.x"); it sets AWS_EXECUTION_ENV, the interpreter is the one on PATH regardless.
  std::string runtime;
  std::string code_dir;      ///< Absolute.
  std::string handler;       ///< "app.lambda_handler", "index.handler".
  std::string handler_file;  ///< The module file the handler names, absolute (for messages).
  std::string interpreter;   ///< "python3" / "node" unless the scenario names one.
  /// How long pipesim waits, in wall-clock time, for the handler to answer (a hang guard).
  std::int64_t wall_clock_guard_ms = 10'000;
};

/// A response, or an AWS error, that a mocked operation answers with.
struct mock_reply {
  nlohmann::json response = nlohmann::json::object();
  bool is_error = false;
  std::string error_code;
  std::string error_message;
  int http_status = 400;
  std::int64_t times = 1;  ///< How many calls this reply answers (the last one repeats).
};

/// An external job that a mocked call starts: after `after` it answers the callback token the
/// request carried (SendPipelineExecutionStepSuccess or ...Failure) unless the resource it created
/// was deleted first, then the resource ends.
struct mock_completion {
  std::int64_t after_min_us = 0;
  std::int64_t after_max_us = 0;
  bool succeeds = true;
  nlohmann::json outputs = nlohmann::json::object();  ///< {name: value} OutputParameters.
  std::string failure_reason = "The job failed";
};

/// One mocked operation of a JSON-protocol service (Glue, ECS, Step Functions, SageMaker's
/// training jobs...), as Step Functions Local's mock configuration does it.
struct mock_operation {
  std::vector<mock_reply> replies;
  /// Each call picks a reply at a choice point (reply 0 nominal) instead of the sequence.
  bool choose = false;
  /// JSON pointers into the request naming the resource a successful call creates / deletes
  /// ("/JobName"); the resource is "<service>/<value>".
  std::string creates;
  std::string deletes;
  /// A JSON pointer to the callback token in the request; unset: any callback token of the
  /// invoking batch that appears in the request.
  std::string token;
  std::optional<mock_completion> completes;
  /// With `creates`: the reply when the resource exists already (a name-keyed create such as
  /// CreateTrainingJob answers ResourceInUse); unset, the call creates it a second time.
  std::optional<mock_reply> when_exists;
};

/// service (the SigV4 signing name: "glue", "ecs", "states", "sagemaker") -> operation -> mock.
using mock_table = std::map<std::string, std::map<std::string, mock_operation>>;

/// Interprets the "runtime" name: python / node / Lambda's names. Nullopt for anything else.
std::optional<language> language_of(const std::string& runtime);
/// Lambda's runtime names pipesim accepts, for messages.
const std::vector<std::string>& runtime_names();

/// AWS_EXECUTION_ENV as Lambda sets it: "AWS_Lambda_python3.12", "AWS_Lambda_nodejs20.x".
std::string execution_env(const runtime_spec& spec);

/// The module file a handler name points at in `code_dir`, or an explanation of what is wrong
/// (malformed name, no such file) as Lambda's runtime would put it.
struct located {
  std::string file;
  std::string problem;
};
located locate_handler(language lang, const std::string& code_dir, const std::string& handler);

/// Whether `program` is an executable file, or found on PATH.
bool on_path(const std::string& program);

/// The shim shipped with pipesim for `lang`: $PIPESIM_RUNTIMES/<lang>/..., else the installed
/// share/pipesim/runtimes, else the source tree's runtimes/. Empty if none exists.
std::string shim_path(language lang);

}  // namespace runtimes

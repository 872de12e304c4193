// The "lambda" object of a consumer entry: a consumer deployed as a Lambda function behind an SQS
// event source mapping.
#pragma once

#include "scenarios/detail/checker.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios::detail {

/// The handler names scenario files use, in order.
const std::vector<std::pair<const char*, lambda_handler>>& lambda_handler_names();

/// Parses consumer `k`'s "lambda" object (at `pointer`, the consumer's) into spec.lambda, with
/// Lambda's defaults, checking what CreateEventSourceMapping checks against the scenario's queue
/// (spec.queue, already parsed). Reports consumer members that do not apply to a Lambda.
/// A user's handler ("runtime", "code", "handler") resolves `code` against the directory of
/// `scenario_file` and checks that the handler's module file exists.
void parse_lambda(checker& c, const json& k, const std::string& pointer,
                  const std::vector<queue_spec>& queues, const std::string& scenario_file,
                  consumer_spec& spec);

/// Parses consumer `k`'s "process" object (the user's own worker program) into spec.process.
/// Its program is found as the shell would (a name on PATH, a path relative to the scenario).
void parse_process(checker& c, const json& k, const std::string& pointer,
                   const std::string& scenario_file, consumer_spec& spec);

/// A path as the scenario file means it: relative to the file's directory unless absolute.
std::string resolve_path(const std::string& scenario_file, std::string path);
/// The "wall_clock_guard" member of `object` in milliseconds (1 ms to 1 h), if it has one.
std::optional<std::int64_t> parse_wall_clock_guard(checker& c, const json& object,
                                                   const std::string& pointer);

/// The scenario's "mocks": replies for the AWS operations users' handlers call that pipesim does
/// not simulate (Glue, ECS, Step Functions, SageMaker training jobs...).
void parse_mocks(checker& c, const json& mocks, scenario& out);

}  // namespace scenarios::detail

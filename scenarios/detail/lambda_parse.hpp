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

/// The scenario's "mocks": replies for the AWS operations users' handlers call that pipesim does
/// not simulate (Glue, ECS, Step Functions, SageMaker training jobs...).
void parse_mocks(checker& c, const json& mocks, scenario& out);

}  // namespace scenarios::detail

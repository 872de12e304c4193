// Step behaviours in the scenario format: how each step of a simulated pipeline behaves (run
// time, outcome, retries, Lambda timeout, stop latency, outputs). The model takes the typed
// models::pipelines::behaviour_map; this is the file format's reading of it.
#pragma once

#include "models/pipelines/service.hpp"

#include <nlohmann/json.hpp>

namespace scenarios {

/// Parses a behaviour map: {"<step>": {"duration": "30s" | {"min": "10s", "max": "1m"},
/// "outcome": "Succeeded"|"Failed", "failure_reason", "failed_attempts", "failure_type",
/// "lambda_timeout", "stop_latency", "outputs", "properties"}}. Throws
/// models::pipelines::definition_error with the JSON pointer of the bad member.
models::pipelines::behaviour_map parse_behaviour(const nlohmann::json& j);

}  // namespace scenarios

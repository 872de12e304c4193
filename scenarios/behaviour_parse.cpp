// Step behaviours in the scenario format (see behaviour_parse.hpp).
#include "scenarios/behaviour_parse.hpp"

#include "models/pipelines/definition.hpp"
#include "sim/time.hpp"

#include <exception>
#include <string>
#include <utility>

namespace scenarios {

using models::pipelines::behaviour_map;
using models::pipelines::definition_error;
using models::pipelines::step_behaviour;
using nlohmann::json;

behaviour_map parse_behaviour(const json& j) {
  behaviour_map out;
  if (j.is_null()) return out;
  if (!j.is_object()) throw definition_error("/", "expected an object of step behaviours");
  auto dur = [](const json& v, const std::string& p) {
    if (!v.is_string()) throw definition_error(p, "expected a duration string such as \"30s\"");
    try {
      return sim::parse_duration(v.get<std::string>());
    } catch (const std::exception& e) {
      throw definition_error(p, e.what());
    }
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string base = "/" + it.key();
    const json& b = *it;
    if (!b.is_object()) throw definition_error(base, "expected a behaviour object");
    step_behaviour sb;
    for (auto m = b.begin(); m != b.end(); ++m) {
      const std::string p = base + "/" + m.key();
      const json& v = *m;
      if (m.key() == "duration") {
        if (v.is_object()) {
          if (!v.contains("min") || !v.contains("max"))
            throw definition_error(p, "expected {\"min\": duration, \"max\": duration}");
          sb.duration_min_us = dur(v["min"], p + "/min");
          sb.duration_max_us = dur(v["max"], p + "/max");
          if (sb.duration_max_us < sb.duration_min_us)
            throw definition_error(p + "/max", "must not be less than min");
        } else {
          sb.duration_min_us = sb.duration_max_us = dur(v, p);
        }
      } else if (m.key() == "outcome") {
        if (v != "Succeeded" && v != "Failed")
          throw definition_error(p, "expected \"Succeeded\" or \"Failed\"");
        sb.succeeds = v == "Succeeded";
      } else if (m.key() == "failure_reason" && v.is_string()) {
        sb.failure_reason = v.get<std::string>();
      } else if (m.key() == "failure_type" && v.is_string()) {
        sb.failure_type = v.get<std::string>();
      } else if (m.key() == "failed_attempts") {
        if (!v.is_number_integer() || v.get<int>() < 0)
          throw definition_error(p, "expected a non-negative integer");
        sb.failed_attempts = v.get<int>();
      } else if (m.key() == "lambda_timeout") {
        sb.lambda_timeout_us = dur(v, p);
        if (sb.lambda_timeout_us <= 0 || sb.lambda_timeout_us > 10 * sim::k_minute_us)
          throw definition_error(p, "expected a Lambda step timeout in (0s, 10m] [DG-Steps]");
      } else if (m.key() == "stop_latency") {
        sb.stop_latency_us = dur(v, p);
      } else if (m.key() == "outputs" && v.is_object()) {
        sb.outputs = v;
      } else if (m.key() == "properties" && v.is_object()) {
        sb.properties = v;
      } else {
        throw definition_error(p,
                               "unknown or ill-typed member (expected duration, outcome, "
                               "failure_reason, failure_type, failed_attempts, lambda_timeout, "
                               "stop_latency, outputs or properties)");
      }
    }
    out.emplace(it.key(), std::move(sb));
  }
  return out;
}

}  // namespace scenarios

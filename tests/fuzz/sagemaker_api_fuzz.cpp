// The SageMaker model's API with arbitrary requests: a JSON array of [operation, request] pairs
// run in order against one service with a pipeline "p" (a callback step, then a processing step)
// registered; virtual time moves a minute between calls. Every call answers with a result or an
// AWS error; a state machine meeting an event it has no row for is a model error (a finding too).
#include "fuzz.hpp"
#include "models/pipelines/service.hpp"

#include <nlohmann/json.hpp>

namespace {

const nlohmann::json& definition() {
  static const nlohmann::json d = {
      {"Version", "2020-12-01"},
      {"Parameters", {{{"Name", "Epochs"}, {"Type", "Integer"}, {"DefaultValue", 5}}}},
      {"Steps",
       {{{"Name", "Train"},
         {"Type", "Callback"},
         {"Arguments", {{"epochs", {{"Get", "Parameters.Epochs"}}}}},
         {"SqsQueueUrl", "https://sqs.us-east-1.amazonaws.com/123456789012/q"},
         {"OutputParameters", nlohmann::json::array()}},
        {{"Name", "Evaluate"},
         {"Type", "Processing"},
         {"DependsOn", {"Train"}},
         {"Arguments", nlohmann::json::object()}}}}};
  return d;
}

}  // namespace

PIPESIM_FUZZ_TARGET {
  const nlohmann::json calls = nlohmann::json::parse(data, data + size, nullptr, false);
  if (!calls.is_array()) return 0;
  sim::simulation s(1);
  int sent = 0;
  models::pipelines::service sm(
      s, models::knob_values(models::pipelines::knobs(), models::profile::adversarial),
      [&sent](const nlohmann::json&) {
        return models::api_result::success({{"MessageId", "m" + std::to_string(++sent)}});
      });
  sm.create_pipeline("p", definition());
  std::size_t n = 0;
  for (const nlohmann::json& c : calls) {
    if (++n > 64) break;
    if (!c.is_array() || c.size() != 2 || !c[0].is_string()) continue;
    (void)sm.call(c[0].get<std::string>(), c[1]);
    s.run(sim::run_limits{s.now() + sim::k_minute_us, 10'000});
  }
  return 0;
}

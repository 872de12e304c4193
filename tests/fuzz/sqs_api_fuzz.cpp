// The SQS model's API with arbitrary requests: the input is a JSON array of [operation, request]
// pairs run in order against one service (a queue named "q" exists first; virtual time moves a
// second between calls). Every call answers with a result or an AWS error: nothing escapes.
#include "fuzz.hpp"
#include "models/sqs/service.hpp"

#include <nlohmann/json.hpp>

PIPESIM_FUZZ_TARGET {
  const nlohmann::json calls = nlohmann::json::parse(data, data + size, nullptr, false);
  if (!calls.is_array()) return 0;
  sim::simulation s(1);
  models::sqs::service sqs(s,
                           models::knob_values(models::sqs::knobs(), models::profile::adversarial));
  (void)sqs.call("CreateQueue", {{"QueueName", "q"}});
  std::size_t n = 0;
  for (const nlohmann::json& c : calls) {
    if (++n > 64) break;
    if (!c.is_array() || c.size() != 2 || !c[0].is_string()) continue;
    sqs.call_async(c[0].get<std::string>(), c[1], [](models::api_result) {});
    s.run(sim::run_limits{s.now() + sim::k_second_us, 10'000});
  }
  s.run(sim::run_limits{s.now() + sim::k_minute_us, 100'000});
  return 0;
}

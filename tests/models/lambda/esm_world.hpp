// The test world of the event source mapping tests: a simulated SQS queue, a mapping on it and a
// fake function runtime that records its invokes. Shared by esm_test and rules_test.
#pragma once

#include "models/lambda/esm.hpp"
#include "models/sqs/service.hpp"
#include "sim/strategy.hpp"

#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace esm_world {

using models::lambda::invocation;
using models::lambda::invocation_result;
using nlohmann::json;
constexpr sim::time_us k_s = sim::k_second_us;

struct fake_runtime final : models::lambda::function_runtime {
  std::function<invocation_result(const invocation&)> handler = [](const invocation&) {
    return invocation_result{};
  };
  std::vector<invocation> calls;
  std::vector<sim::time_us> started_us;  // virtual time at each invoke's start
  std::vector<std::uint64_t> gone;
  std::size_t deleted = 0;
  sim::simulation* sim = nullptr;
  invocation_result invoke(const invocation& inv) override {
    calls.push_back(inv);
    started_us.push_back(sim ? sim->now() : 0);
    return handler(inv);
  }
  void environment_gone(std::uint64_t env) override { gone.push_back(env); }
  void settled(const std::string&, const std::vector<json>& d) override { deleted += d.size(); }
};

/// Picks `options - 1` (the last option) at the first `times` choice points of a label, 0 (nominal)
/// everywhere else: forces one named decision, e.g. a lost acknowledgement or a new environment.
class forcing_strategy final : public sim::strategy {
 public:
  explicit forcing_strategy(std::map<std::string, int> times) : times_(std::move(times)) {}
  std::uint64_t pick(const sim::choice_point& cp) override {
    const auto it = times_.find(std::string(cp.label));
    if (it == times_.end() || it->second == 0 || cp.options < 2) return 0;
    --it->second;
    return cp.options - 1;
  }
  std::string_view name() const noexcept override { return "forcing"; }

 private:
  std::map<std::string, int> times_;
};

struct world {
  sim::simulation sim;
  models::sqs::service sqs{sim, models::knob_values(models::sqs::knobs(), models::profile::ideal)};
  fake_runtime runtime;
  std::unique_ptr<models::lambda::event_source_mapping> esm;
  std::string url;

  explicit world(
      json queue_attributes = json::object(), const std::string& name = "q",
      std::unique_ptr<sim::strategy> strategy = std::make_unique<sim::nominal_strategy>())
      : sim(1, std::move(strategy)) {
    runtime.sim = &sim;
    if (name.size() > 5 && name.substr(name.size() - 5) == ".fifo") {
      queue_attributes["FifoQueue"] = "true";
    }
    json req{{"QueueName", name}};
    if (!queue_attributes.empty()) req["Attributes"] = queue_attributes;
    url = sqs.call("CreateQueue", req).response["QueueUrl"].get<std::string>();
  }
  std::optional<models::api_error> start(models::lambda::esm_config c = {},
                                         const json& knobs = nullptr,
                                         models::profile p = models::profile::aws_documented) {
    c.name = "fn";
    c.queue_url = url;
    c.source.queue_arn = "arn:aws:sqs:us-east-1:123456789012:q";
    c.source.region = "us-east-1";
    esm = std::make_unique<models::lambda::event_source_mapping>(
        sim, sqs, models::knob_values(models::lambda::knobs(), p, knobs), c, runtime);
    return esm->start();
  }
  void send(const std::string& body, json extra = json::object()) {
    extra["QueueUrl"] = url;
    extra["MessageBody"] = body;
    BOOST_TEST_REQUIRE(sqs.call("SendMessage", extra).ok());
  }
  void run_until(sim::time_us t) {
    sim.schedule_at(t, [] {});
    sim.run({t});
  }
  models::sqs::queue_counters counters() const { return sqs.counters(url); }
};

inline std::vector<std::string> ids_of(const invocation& inv) {
  std::vector<std::string> out;
  for (const json& r : inv.event["Records"]) out.push_back(r["messageId"].get<std::string>());
  return out;
}

}  // namespace esm_world

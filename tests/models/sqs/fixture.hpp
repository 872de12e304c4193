// Shared helpers for the SQS tests: a simulation, a service and short-hand calls.
#pragma once

#include "models/sqs/service.hpp"
#include "sim/simulation.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace sqs_test {

using models::sqs::message_state;
using nlohmann::json;

inline constexpr sim::time_us s_us(std::int64_t seconds) { return seconds * sim::k_second_us; }

struct env {
  sim::simulation sim;
  models::sqs::service svc;

  explicit env(models::profile p = models::profile::ideal, std::uint64_t seed = 1,
               const json& overrides = nullptr, std::unique_ptr<sim::strategy> strategy = nullptr)
      : sim(seed, std::move(strategy)),
        svc(sim, models::knob_values(models::sqs::knobs(), p, overrides)) {}

  /// Advances virtual time by d, running everything due up to and including now + d.
  void advance(sim::time_us d) {
    const sim::time_us t = sim.now() + d;
    sim.schedule_at(t, [] {});
    sim.run({t});
  }

  std::string create(const std::string& name, const json& attributes = json::object()) {
    json req{{"QueueName", name}};
    if (!attributes.empty()) req["Attributes"] = attributes;
    auto r = svc.call("CreateQueue", req);
    BOOST_TEST_REQUIRE(r.ok(), (r.error ? r.error->code + ": " + r.error->message : ""));
    return r.response["QueueUrl"].get<std::string>();
  }

  models::api_result send(const std::string& url, const std::string& body,
                          json extra = json::object()) {
    extra["QueueUrl"] = url;
    extra["MessageBody"] = body;
    return svc.call("SendMessage", extra);
  }

  /// Short-poll receive; returns the Messages array (empty if none).
  json receive(const std::string& url, json extra = json::object()) {
    extra["QueueUrl"] = url;
    if (!extra.contains("WaitTimeSeconds")) extra["WaitTimeSeconds"] = 0;
    if (!extra.contains("MessageSystemAttributeNames"))
      extra["MessageSystemAttributeNames"] = {"All"};
    auto r = svc.call("ReceiveMessage", extra);
    BOOST_TEST_REQUIRE(r.ok(), (r.error ? r.error->code + ": " + r.error->message : ""));
    return r.response.value("Messages", json::array());
  }

  models::api_result del(const std::string& url, const std::string& handle) {
    return svc.call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", handle}});
  }

  models::api_result change(const std::string& url, const std::string& handle, std::int64_t vt) {
    return svc.call("ChangeMessageVisibility",
                    {{"QueueUrl", url}, {"ReceiptHandle", handle}, {"VisibilityTimeout", vt}});
  }

  std::string attribute(const std::string& url, const std::string& name) {
    auto r = svc.call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {name}}});
    BOOST_TEST_REQUIRE(r.ok());
    return r.response["Attributes"].value(name, std::string());
  }

  std::size_t count_in(const std::string& url, message_state st) {
    std::size_t n = 0;
    for (const auto& e : svc.census(url)) n += e.state == st ? 1 : 0;
    return n;
  }
};

inline std::string code_of(const models::api_result& r) { return r.error ? r.error->code : "ok"; }

}  // namespace sqs_test

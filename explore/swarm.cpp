// Swarm fault profiles.
#include <pipesim/explore.hpp>

#include "sim/random.hpp"

#include <sstream>
#include <stdexcept>

namespace pipesim {

using nlohmann::json;

namespace {

std::string rate(double p) {
  if (p <= 0) return "off";
  std::ostringstream os;
  os << p;
  return os.str();
}

// Rates a class gets when it is on: a decade apart, so one exploration sees both "rare enough to
// hit one message" and "so frequent every retry path runs".
constexpr double k_rates[] = {0.01, 0.05, 0.2};

double read_rate(const json& j, const char* key) {
  if (!j.contains(key)) return 0;
  const json& v = j[key];
  if (v.is_string() && v == "off") return 0;
  if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) {
    throw std::invalid_argument(std::string("fault profile: \"") + key +
                                "\": expected \"off\" or a probability in [0, 1], got " +
                                v.dump());
  }
  return v.get<double>();
}

bool read_flag(const json& j, const char* key) {
  if (!j.contains(key)) return false;
  const json& v = j[key];
  if (v.is_boolean()) return v.get<bool>();
  if (v == "on") return true;
  if (v == "off") return false;
  throw std::invalid_argument(std::string("fault profile: \"") + key +
                              "\": expected \"on\", \"off\" or a boolean, got " + v.dump());
}

}  // namespace

std::string fault_profile::to_string() const {
  std::ostringstream os;
  os << "duplicates=" << rate(duplicates) << " reordering=" << (reordering ? "on" : "off")
     << " crashes=" << rate(crashes) << " throttling=" << rate(throttling)
     << " server_errors=" << rate(server_errors)
     << " stale_handles=" << (stale_handles ? "on" : "off") << " delays=" << (delays ? "on" : "off");
  return os.str();
}

json fault_profile::to_json() const {
  return {{"duplicates", duplicates},       {"reordering", reordering},
          {"crashes", crashes},             {"throttling", throttling},
          {"server_errors", server_errors}, {"stale_handles", stale_handles},
          {"delays", delays}};
}

fault_profile fault_profile::from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("fault profile: expected an object");
  static const char* known[] = {"duplicates",    "reordering",    "crashes", "throttling",
                                "server_errors", "stale_handles", "delays"};
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) throw std::invalid_argument("fault profile: unknown fault class \"" + key + "\"");
  }
  fault_profile p;
  p.duplicates = read_rate(j, "duplicates");
  p.reordering = read_flag(j, "reordering");
  p.crashes = read_rate(j, "crashes");
  p.throttling = read_rate(j, "throttling");
  p.server_errors = read_rate(j, "server_errors");
  p.stale_handles = read_flag(j, "stale_handles");
  p.delays = read_flag(j, "delays");
  return p;
}

json fault_profile::knob_overrides() const {
  // Off means the ideal value, not the scenario's: a profile decides every fault class.
  json k = json::object();
  k["sqs.duplicate.probability"] = duplicates;
  k["sqs.reorder.window"] = reordering ? "5s" : "0s";
  k["api.throttle_probability"] = throttling;
  k["sqs.api.throttle_probability"] = throttling;
  k["api.server_error_probability"] = server_errors;
  k["sqs.api.server_error_probability"] = server_errors;
  k["sqs.stale_delete.policy"] = stale_handles ? "succeed_either" : "succeed_delete";
  k["sqs.api.latency_max"] = delays ? "100ms" : "0s";
  k["sqs.send_to_visible.latency_max"] = delays ? "2s" : "0s";
  k["stop.stopping_message_delay_max"] = delays ? "30s" : "0s";
  return k;
}

int fault_profile::classes_on() const {
  return (duplicates > 0) + reordering + (crashes > 0) + (throttling > 0) + (server_errors > 0) +
         stale_handles + delays;
}

bool fault_profile::operator==(const fault_profile& o) const {
  return duplicates == o.duplicates && reordering == o.reordering && crashes == o.crashes &&
         throttling == o.throttling && server_errors == o.server_errors &&
         stale_handles == o.stale_handles && delays == o.delays;
}

fault_profile swarm_profile(std::uint64_t seed) {
  sim::rng r = sim::rng_streams(seed).stream("swarm");
  auto maybe_rate = [&r] { return r.chance(0.5) ? k_rates[r.below(3)] : 0.0; };
  fault_profile p;
  p.duplicates = maybe_rate();
  p.reordering = r.chance(0.5);
  p.crashes = maybe_rate();
  p.throttling = maybe_rate();
  p.server_errors = maybe_rate();
  p.stale_handles = r.chance(0.5);
  p.delays = r.chance(0.5);
  return p;
}

std::uint64_t run_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t state = seed ^ (index * 0x9e3779b97f4a7c15ULL);
  sim::splitmix64(state);
  return sim::splitmix64(state);
}

}  // namespace pipesim

// Swarm fault profiles.
#include "sim/random.hpp"

#include <algorithm>
#include <pipesim/explore.hpp>
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
                                "\": expected \"off\" or a probability in [0, 1], got " + v.dump());
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

const std::vector<fault_class>& fault_classes() {
  // The knobs each class moves. Off means the ideal value, not the scenario's: a profile decides
  // every fault class.
  static const std::vector<fault_class> classes{
      {"duplicates", &fault_profile::duplicates, nullptr,
       [](const fault_profile& p, json& k) { k["sqs.duplicate.probability"] = p.duplicates; }},
      {"reordering", nullptr, &fault_profile::reordering,
       [](const fault_profile& p, json& k) {
         k["sqs.reorder.window"] = p.reordering ? "5s" : "0s";
       }},
      // Crashes are the consumer hosts' (run_options::hosts), not a knob.
      {"crashes", &fault_profile::crashes, nullptr, [](const fault_profile&, json&) {}},
      {"throttling", &fault_profile::throttling, nullptr,
       [](const fault_profile& p, json& k) {
         k["api.throttle_probability"] = p.throttling;
         k["sqs.api.throttle_probability"] = p.throttling;
       }},
      {"server_errors", &fault_profile::server_errors, nullptr,
       [](const fault_profile& p, json& k) {
         k["api.server_error_probability"] = p.server_errors;
         k["sqs.api.server_error_probability"] = p.server_errors;
       }},
      {"stale_handles", nullptr, &fault_profile::stale_handles,
       [](const fault_profile& p, json& k) {
         k["sqs.stale_delete.policy"] = p.stale_handles ? "succeed_either" : "succeed_delete";
       }},
      {"delays", nullptr, &fault_profile::delays, [](const fault_profile& p, json& k) {
         k["sqs.api.latency_max"] = p.delays ? "100ms" : "0s";
         k["sqs.send_to_visible.latency_max"] = p.delays ? "2s" : "0s";
         k["stop.stopping_message_delay_max"] = p.delays ? "30s" : "0s";
       }}};
  return classes;
}

std::string fault_profile::to_string() const {
  std::string out;
  for (const fault_class& c : fault_classes()) {
    out += (out.empty() ? "" : " ") + std::string(c.name) + "=" +
           (c.rate ? rate(this->*c.rate) : (this->*c.toggle ? "on" : "off"));
  }
  return out;
}

json fault_profile::to_json() const {
  json out = json::object();
  for (const fault_class& c : fault_classes()) {
    if (c.rate) {
      out[c.name] = this->*c.rate;
    } else {
      out[c.name] = this->*c.toggle;
    }
  }
  return out;
}

fault_profile fault_profile::from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("fault profile: expected an object");
  const std::vector<fault_class>& classes = fault_classes();
  for (const auto& [key, value] : j.items()) {
    if (std::none_of(classes.begin(), classes.end(),
                     [&wanted = key](const fault_class& c) { return wanted == c.name; })) {
      throw std::invalid_argument("fault profile: unknown fault class \"" + key + "\"");
    }
  }
  fault_profile p;
  for (const fault_class& c : classes) {
    if (c.rate) {
      p.*c.rate = read_rate(j, c.name);
    } else {
      p.*c.toggle = read_flag(j, c.name);
    }
  }
  return p;
}

json fault_profile::knob_overrides() const {
  json k = json::object();
  for (const fault_class& c : fault_classes()) c.apply(*this, k);
  return k;
}

int fault_profile::classes_on() const {
  const std::vector<fault_class>& classes = fault_classes();
  return static_cast<int>(std::count_if(classes.begin(), classes.end(),
                                        [this](const fault_class& c) { return c.on(*this); }));
}

bool fault_profile::operator==(const fault_profile& o) const {
  for (const fault_class& c : fault_classes()) {
    if (c.rate ? this->*c.rate != o.*c.rate : this->*c.toggle != o.*c.toggle) return false;
  }
  return true;
}

fault_profile swarm_profile(std::uint64_t seed) {
  sim::rng r = sim::rng_streams(seed).stream("swarm");
  fault_profile p;
  for (const fault_class& c : fault_classes()) {
    // A toggle costs one draw, a rate one more when on: the same draws, in the same order, as
    // long as the table's order stands.
    const bool on = r.chance(0.5);
    c.set(p, on, on && c.rate ? k_rates[r.below(3)] : 0.0);
  }
  return p;
}

std::uint64_t run_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t state = seed ^ (index * 0x9e3779b97f4a7c15ULL);
  sim::splitmix64(state);
  return sim::splitmix64(state);
}

}  // namespace pipesim

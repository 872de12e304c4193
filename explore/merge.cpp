// Shards of an exploration merged into the report the unsharded exploration gives: the failure
// with the lowest run index wins (every run below it was judged by some shard, since a shard
// stops only at its own first failure), and the verdict, `runs` and the failure are then the
// unsharded ones. Coverage, events and speeds are sums over the runs the shards made.
#include "sim/time.hpp"

#include <algorithm>
#include <map>
#include <pipesim/explore.hpp>
#include <set>

namespace pipesim {

using nlohmann::json;

namespace {

// The members every shard of one exploration must agree on, and what a mismatch means.
constexpr const char* k_identity[] = {"version",   "scenario", "scenario_digest",
                                      "seed",      "strategy", "runs_planned",
                                      "pct_depth", "heal_at",  "heal_deadline"};

const json& member(const json& shard, const char* name, const std::string& where) {
  const auto it = shard.find(name);
  if (it == shard.end()) throw shard_error(where + ": no \"" + std::string(name) + "\" member");
  return *it;
}

}  // namespace

json merge_shards(const std::vector<json>& shards, const std::vector<std::string>& names) {
  if (shards.empty()) throw shard_error("no shard results to merge");
  const auto name_of = [&](std::size_t i) {
    return i < names.size() ? names[i] : "shard result " + std::to_string(i + 1);
  };
  for (std::size_t i = 0; i < shards.size(); ++i) {
    if (!shards[i].is_object() || shards[i].value("pipesim_shard", 0) != 1) {
      throw shard_error(name_of(i) +
                        ": not a shard result (pipesim explore --shard I/N --out FILE writes one)");
    }
  }
  const json& first = shards.front();
  const std::uint64_t count = member(first, "shard", name_of(0)).value("count", std::uint64_t{0});
  std::map<std::uint64_t, std::size_t> by_index;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (const char* key : k_identity) {
      const json& mine = shards[i].contains(key) ? shards[i][key] : json();
      const json& theirs = first.contains(key) ? first[key] : json();
      if (mine != theirs) {
        throw shard_error(name_of(i) + " is from another exploration than " + name_of(0) + ": " +
                          key + " " + mine.dump() + " against " + theirs.dump());
      }
    }
    const json& shard = member(shards[i], "shard", name_of(i));
    if (shard.value("count", std::uint64_t{0}) != count) {
      throw shard_error(name_of(i) + " splits the exploration into " +
                        std::to_string(shard.value("count", std::uint64_t{0})) + " shards, " +
                        name_of(0) + " into " + std::to_string(count));
    }
    const std::uint64_t index = shard.value("index", count);
    if (!by_index.emplace(index, i).second) {
      throw shard_error(name_of(i) + " and " + name_of(by_index[index]) + " are both shard " +
                        std::to_string(index) + " of " + std::to_string(count));
    }
  }
  std::string missing;
  for (std::uint64_t k = 0; k < count; ++k) {
    if (!by_index.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
  }
  if (!missing.empty()) {
    throw shard_error("shards missing: " + missing + " (of " + std::to_string(count) +
                      ", numbered from 0); every shard's result is needed for the verdict");
  }

  json out = json::object();
  for (const char* key : k_identity) out[key] = first[key];
  out["file"] = first.value("file", "");
  out["shards"] = count;
  // The failure the unsharded exploration reports: the lowest failing run index.
  const json* failure = nullptr;
  for (const json& s : shards) {
    if (!s.contains("failure")) continue;
    if (failure == nullptr ||
        s["failure"].value("run", std::uint64_t{0}) < (*failure).value("run", std::uint64_t{0})) {
      failure = &s["failure"];
    }
  }
  const std::uint64_t planned = first.value("runs_planned", std::uint64_t{0});
  out["runs"] = failure ? failure->value("run", std::uint64_t{0}) + 1 : planned;
  if (failure) out["failure"] = *failure;

  // Sums over what the shards made.
  std::uint64_t runs_executed = 0;
  std::uint64_t events = 0;
  double seconds = 0;
  double sim_seconds = 0;
  std::map<std::string, std::uint64_t> before_heal;
  for (const json& s : shards) {
    runs_executed += s.value("runs_executed", std::uint64_t{0});
    events += s.value("events", std::uint64_t{0});
    seconds += s.value("seconds", 0.0);
    sim_seconds += s.value("sim_seconds", 0.0);
    const json reached_before_heal = s.value("reached_before_heal", json::object());
    for (const auto& [what, n] : reached_before_heal.items()) {
      before_heal[what] += n.get<std::uint64_t>();
    }
  }
  out["runs_executed"] = runs_executed;
  out["events"] = events;
  out["seconds"] = seconds;
  out["sim_seconds"] = sim_seconds;
  out["runs_per_second"] = seconds > 0 ? static_cast<double>(runs_executed) / seconds : 0.0;
  out["reached_before_heal"] = before_heal;
  json warnings = json::array();
  for (const auto& [what, n] : before_heal) {
    if (n == 0 && !failure) {
      warnings.push_back("faults never reached " + what +
                         " in any shard's runs before the heal "
                         "point; a later --heal-at lets faults reach it");
    }
  }
  out["warnings"] = warnings;

  // Coverage: the catalog of the first shard (every shard has the same scenario), summed.
  json situations = json::array();
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> sums;
  for (const json& s : shards) {
    for (const json& c : s.at("coverage").at("situations")) {
      auto& [runs, hits] = sums[c.at("id").get<std::string>()];
      runs += c.value("runs", std::uint64_t{0});
      hits += c.value("hits", std::uint64_t{0});
    }
  }
  std::uint64_t reached = 0;
  for (const json& c : first.at("coverage").at("situations")) {
    const auto& [runs, hits] = sums[c.at("id").get<std::string>()];
    situations.push_back({{"id", c.at("id")},
                          {"description", c.value("description", "")},
                          {"runs", runs},
                          {"hits", hits}});
    if (runs > 0) ++reached;
  }
  out["coverage"] = {{"situations", situations}, {"reached", reached}, {"of", situations.size()}};
  json unreached = json::array();
  for (const json& id : first.value("required", json::array())) {
    if (sums[id.get<std::string>()].first == 0) unreached.push_back(id);
  }
  out["unreached_required"] = unreached;
  out["ok"] = failure == nullptr && unreached.empty();
  return out;
}

}  // namespace pipesim

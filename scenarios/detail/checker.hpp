// The scenario validator's toolkit: JSON pointers, and a checker that collects every problem of a
// document (file, pointer, what was expected) instead of stopping at the first. Shared by the
// parsers of the scenario format's parts (scenario.cpp, lambda_parse.cpp).
#pragma once

#include "scenarios/scenario.hpp"
#include "sim/time.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scenarios::detail {

using nlohmann::json;

// RFC 6901 escaping of one reference token.
inline std::string child(const std::string& pointer, const std::string& key) {
  std::string token;
  for (const char c : key) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return pointer + "/" + token;
}
inline std::string child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

inline std::string describe(const json& v) {
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return std::string(v.type_name()) + " " + text;
}

// Levenshtein distance, for "did you mean".
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

inline const std::vector<std::string>& members(const std::string& schema_pointer) {
  return closed_objects().at(schema_pointer);
}

// Walks a document and collects problems instead of stopping at the first one.
class checker {
 public:
  std::vector<problem> problems;

  void fail(const std::string& pointer, const std::string& message) {
    problems.push_back(problem{pointer, message});
  }
  void expected(const std::string& pointer, const std::string& what, const json& got) {
    fail(pointer, "expected " + what + ", got " + describe(got));
  }

  // A count: n, or {"min": a, "max": b} with at least one of them and a <= b.
  std::optional<count_range> count(const json& v, const std::string& pointer) {
    const std::int64_t max = std::numeric_limits<std::int64_t>::max();
    if (!v.is_object()) {
      if (auto n = integer(v, pointer, 0, max)) return count_range{*n, *n};
      return std::nullopt;
    }
    only(v, pointer, members("/$defs/count/oneOf/1"));
    if (!v.contains("min") && !v.contains("max")) {
      fail(pointer, "expected a count or {\"min\": n, \"max\": m} with at least one of them");
      return std::nullopt;
    }
    count_range r;
    if (v.contains("min")) r.min = integer(v["min"], child(pointer, "min"), 0, max).value_or(0);
    if (v.contains("max")) r.max = integer(v["max"], child(pointer, "max"), 0, max).value_or(max);
    if (r.min > r.max) {
      fail(pointer, "expected min <= max, got min " + std::to_string(r.min) + " and max " +
                        std::to_string(r.max));
    }
    return r;
  }

  bool object(const json& v, const std::string& pointer) {
    if (v.is_object()) return true;
    expected(pointer, "an object", v);
    return false;
  }

  // Reports members outside `allowed`; objects in scenario files are closed so typos surface.
  void only(const json& obj, const std::string& pointer, const std::vector<std::string>& allowed) {
    for (const auto& [key, value] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(child(pointer, key), "unknown member \"" + key + "\" (expected one of: " + list + ")");
      }
    }
  }

  std::optional<std::string> text(const json& v, const std::string& pointer,
                                  bool non_empty = true) {
    if (!v.is_string() || (non_empty && v.get_ref<const std::string&>().empty())) {
      expected(pointer, non_empty ? "a non-empty string" : "a string", v);
      return std::nullopt;
    }
    return v.get<std::string>();
  }

  std::optional<std::int64_t> integer(const json& v, const std::string& pointer, std::int64_t lo,
                                      std::int64_t hi) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi ||
        (v.is_number_unsigned() &&
         v.get<std::uint64_t>() >
             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))) {
      expected(pointer, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), v);
      return std::nullopt;
    }
    return v.get<std::int64_t>();
  }

  std::optional<bool> boolean(const json& v, const std::string& pointer) {
    if (!v.is_boolean()) {
      expected(pointer, "true or false", v);
      return std::nullopt;
    }
    return v.get<bool>();
  }

  std::optional<sim::time_us> duration(const json& v, const std::string& pointer) {
    if (!v.is_string()) {
      expected(pointer, "a duration string such as \"30s\", \"250ms\" or \"1h30m\"", v);
      return std::nullopt;
    }
    try {
      return sim::parse_duration(v.get_ref<const std::string&>());
    } catch (const sim::duration_error& e) {
      fail(pointer, e.what());
      return std::nullopt;
    }
  }

  // A duration in whole seconds within [lo_s, hi_s] (SQS queue attributes are whole seconds).
  std::optional<sim::time_us> seconds(const json& v, const std::string& pointer, std::int64_t lo_s,
                                      std::int64_t hi_s) {
    const std::optional<sim::time_us> d = duration(v, pointer);
    if (!d) return std::nullopt;
    if (*d % sim::k_second_us != 0 || *d < lo_s * sim::k_second_us ||
        *d > hi_s * sim::k_second_us) {
      fail(pointer, "expected whole seconds from " + sim::format_duration(lo_s * sim::k_second_us) +
                        " to " + sim::format_duration(hi_s * sim::k_second_us) + ", got \"" +
                        v.get<std::string>() + "\"");
      return std::nullopt;
    }
    return d;
  }

  std::optional<duration_range> range(const json& v, const std::string& pointer) {
    if (v.is_object()) {
      only(v, pointer, members("/$defs/duration_range/oneOf/1"));
      if (!v.contains("min") || !v.contains("max")) {
        fail(pointer, "expected both \"min\" and \"max\"");
        return std::nullopt;
      }
      const auto lo = duration(v["min"], child(pointer, "min"));
      const auto hi = duration(v["max"], child(pointer, "max"));
      if (!lo || !hi) return std::nullopt;
      if (*lo > *hi) {
        fail(child(pointer, "max"), "expected max >= min");
        return std::nullopt;
      }
      return duration_range{*lo, *hi};
    }
    const auto d = duration(v, pointer);
    if (!d) return std::nullopt;
    return duration_range{*d, *d};
  }

  template <typename T>
  std::optional<T> one_of(const json& v, const std::string& pointer,
                          const std::vector<std::pair<const char*, T>>& options) {
    std::string list;
    for (const auto& [name, value] : options) {
      if (v.is_string() && v.get_ref<const std::string&>() == name) return value;
      list += (list.empty() ? "" : ", ") + std::string(name);
    }
    expected(pointer, "one of " + list, v);
    return std::nullopt;
  }
};

}  // namespace scenarios::detail

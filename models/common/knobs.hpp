// Named knobs: every behaviour AWS leaves undocumented is a knob with a default per profile and a
// note saying whether that default is documented AWS behaviour or pipesim's own choice.
#pragma once

#include "sim/time.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace models {

/// Presets for all knobs at once.
enum class profile {
  ideal,           ///< No adversity: what the usual emulators do. Useful to isolate logic bugs.
  aws_documented,  ///< Everything AWS documents, with conservative rates where it gives none.
  adversarial,     ///< High duplicate, reorder and fault rates: shakes out consumer races.
};

std::string_view to_string(profile p) noexcept;
/// Parses "ideal", "aws_documented", "adversarial".
std::optional<profile> parse_profile(std::string_view text) noexcept;

/// One knob. Values are JSON so one table holds numbers, booleans, enums (strings) and durations
/// (strings such as "30s", parsed by knob_values::duration).
struct knob_spec {
  std::string
      name;  ///< Dotted, units last: "sqs.duplicate.delay_max", "stop.answer_success_step_status".
  std::string meaning;  ///< One sentence: what it changes.
  std::string status;   ///< "documented: <source key>" or "pipesim choice: <why>".
  nlohmann::json ideal;
  nlohmann::json aws_documented;
  nlohmann::json adversarial;
  std::vector<std::string> allowed;  ///< For string enums: the accepted values; empty otherwise.
};

/// Thrown for an unknown knob name or a value of the wrong kind; what() names the knob and what
/// was expected.
class knob_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The resolved value of every knob for one run: the profile's defaults with overrides applied.
class knob_values {
 public:
  /// Throws knob_error if `overrides` (a JSON object, or null) names an unknown knob or gives a
  /// value whose JSON kind differs from the default's, or a string outside `allowed`.
  knob_values(const std::vector<knob_spec>& specs, profile p,
              const nlohmann::json& overrides = nullptr);

  /// This set with `overrides` applied on top, as if the constructor had been given this set's
  /// values plus `overrides` (checked against the profile's defaults, same errors); a
  /// non-object `overrides` changes nothing. Cheaper than building a set from resolved().
  knob_values with_overrides(const std::vector<knob_spec>& specs,
                             const nlohmann::json& overrides) const;

  const nlohmann::json& get(std::string_view name) const;
  double number(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;
  bool flag(std::string_view name) const;
  const std::string& text(std::string_view name) const;
  sim::time_us duration(std::string_view name) const;
  /// The knob's duration if it holds a valid duration string, else nothing (duration() then
  /// throws the reason). Lets a model resolve hot knobs once without failing any earlier.
  std::optional<sim::time_us> parsed_duration(std::string_view name) const;
  /// The knob's value if it holds a number, else nothing (number() then throws the reason).
  std::optional<double> parsed_number(std::string_view name) const;

  profile selected_profile() const noexcept { return profile_; }
  /// Every knob's value, by name (sorted), for the trace header and reports.
  nlohmann::json resolved() const;

 private:
  // A knob's value and, when it is a valid duration string, that duration already parsed:
  // models read duration knobs on every timer and API answer.
  struct entry {
    nlohmann::json value;
    std::optional<sim::time_us> duration;
  };
  static entry make_entry(nlohmann::json value);
  // Checks and applies an object of overrides (the constructor's rules).
  void apply(const std::vector<knob_spec>& specs, const nlohmann::json& overrides);

  profile profile_;
  std::map<std::string, entry, std::less<>> values_;
};

/// Renders the specs as a Markdown table (name, ideal, aws_documented, adversarial, status,
/// meaning), so docs are generated from the code and cannot drift.
std::string knob_table_markdown(const std::vector<knob_spec>& specs);

}  // namespace models

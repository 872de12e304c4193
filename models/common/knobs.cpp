// Knob resolution and the generated knob table.
#include "knobs.hpp"

#include <algorithm>

namespace models {

std::string_view to_string(profile p) noexcept {
  switch (p) {
    case profile::ideal:
      return "ideal";
    case profile::aws_documented:
      return "aws_documented";
    case profile::adversarial:
      return "adversarial";
  }
  return "aws_documented";
}

std::optional<profile> parse_profile(std::string_view text) noexcept {
  if (text == "ideal") return profile::ideal;
  if (text == "aws_documented") return profile::aws_documented;
  if (text == "adversarial") return profile::adversarial;
  return std::nullopt;
}

namespace {

bool same_kind(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) {
    // An integer knob must stay integral; a real knob accepts integers.
    return !(a.is_number_integer() && b.is_number_float());
  }
  return a.type() == b.type();
}

}  // namespace

knob_values::entry knob_values::make_entry(nlohmann::json value) {
  entry e{std::move(value), std::nullopt};
  // Durations start with a digit; enum values never do, which spares them a throwing parse.
  const std::string* text = e.value.is_string() ? &e.value.get_ref<const std::string&>() : nullptr;
  if (text != nullptr && !text->empty() && (*text)[0] >= '0' && (*text)[0] <= '9') {
    try {
      e.duration = sim::parse_duration(*text);
    } catch (const sim::duration_error&) {
      // Not a duration (an enum knob, or a bad value): duration() reports it when asked.
    }
  }
  return e;
}

knob_values::knob_values(const std::vector<knob_spec>& specs, profile p,
                         const nlohmann::json& overrides)
    : profile_(p) {
  for (const knob_spec& k : specs) {
    values_[k.name] = make_entry(p == profile::ideal            ? k.ideal
                                 : p == profile::aws_documented ? k.aws_documented
                                                                : k.adversarial);
  }
  if (overrides.is_null()) return;
  if (!overrides.is_object()) throw knob_error("knobs: expected an object of knob name to value");
  apply(specs, overrides);
}

knob_values knob_values::with_overrides(const std::vector<knob_spec>& specs,
                                        const nlohmann::json& overrides) const {
  knob_values out = *this;
  if (overrides.is_object()) out.apply(specs, overrides);
  return out;
}

void knob_values::apply(const std::vector<knob_spec>& specs, const nlohmann::json& overrides) {
  const std::vector<std::string>* allowed_for = nullptr;
  for (const auto& [name, value] : overrides.items()) {
    // C++17 lambdas cannot capture a structured binding (clang rejects it), hence the copy.
    const std::string& wanted = name;
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&wanted](const knob_spec& k) { return k.name == wanted; });
    if (spec == specs.end()) throw knob_error("knobs: unknown knob \"" + name + "\"");
    // Kinds are checked against the profile's default, whatever this set holds now.
    const nlohmann::json& current = profile_ == profile::ideal            ? spec->ideal
                                    : profile_ == profile::aws_documented ? spec->aws_documented
                                                                          : spec->adversarial;
    if (!same_kind(current, value)) {
      throw knob_error("knobs: \"" + name + "\" expects a value like " + current.dump() + ", got " +
                       value.dump());
    }
    allowed_for = &spec->allowed;
    if (value.is_string() && !allowed_for->empty() &&
        std::find(allowed_for->begin(), allowed_for->end(), value.get<std::string>()) ==
            allowed_for->end()) {
      std::string list;
      for (const std::string& a : *allowed_for) list += (list.empty() ? "" : ", ") + a;
      throw knob_error("knobs: \"" + name + "\" must be one of " + list + ", got " + value.dump());
    }
    values_[name] = make_entry(value);
  }
}

const nlohmann::json& knob_values::get(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw knob_error("unknown knob \"" + std::string(name) + "\"");
  return it->second.value;
}

double knob_values::number(std::string_view name) const { return get(name).get<double>(); }
std::int64_t knob_values::integer(std::string_view name) const {
  return get(name).get<std::int64_t>();
}
bool knob_values::flag(std::string_view name) const { return get(name).get<bool>(); }
const std::string& knob_values::text(std::string_view name) const {
  return get(name).get_ref<const std::string&>();
}
sim::time_us knob_values::duration(std::string_view name) const {
  const auto it = values_.find(name);
  if (it != values_.end() && it->second.duration) return *it->second.duration;
  // Unknown, not a string, or not a valid duration: get() and the parse throw the error.
  const nlohmann::json& v = get(name);
  try {
    return sim::parse_duration(v.get_ref<const std::string&>());
  } catch (const sim::duration_error& e) {
    throw knob_error("knobs: \"" + std::string(name) + "\": " + e.what());
  } catch (const nlohmann::json::exception&) {
    throw knob_error("knobs: \"" + std::string(name) + "\" expects a duration string");
  }
}

std::optional<sim::time_us> knob_values::parsed_duration(std::string_view name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::nullopt : it->second.duration;
}

std::optional<double> knob_values::parsed_number(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end() || !it->second.value.is_number()) return std::nullopt;
  return it->second.value.get<double>();
}

nlohmann::json knob_values::resolved() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, e] : values_) out[name] = e.value;
  return out;
}

std::string knob_table_markdown(const std::vector<knob_spec>& specs) {
  std::string out =
      "| knob | ideal | aws_documented | adversarial | status | meaning |\n"
      "|---|---|---|---|---|---|\n";
  for (const knob_spec& k : specs) {
    out += "| `" + k.name + "` | " + k.ideal.dump() + " | " + k.aws_documented.dump() + " | " +
           k.adversarial.dump() + " | " + k.status + " | " + k.meaning + " |\n";
  }
  return out;
}

}  // namespace models

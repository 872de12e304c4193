// Scenario files: JSON text, parsed and validated. The answer is a scenario or a scenario_error
// naming the field.
#include "fuzz.hpp"
#include "scenarios/scenario.hpp"

#include <nlohmann/json.hpp>

PIPESIM_FUZZ_TARGET {
  const nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;  // not JSON: the loader's own message, tested elsewhere
  try {
    (void)scenarios::parse_scenario(doc, "fuzz.json");
  } catch (const pipesim::scenario_error&) {
  }
  return 0;
}

// Pipeline definitions as the SageMaker Python SDK exports them: parsed and validated, the
// answer a definition or a definition_error naming the JSON pointer.
#include "fuzz.hpp"
#include "models/pipelines/definition.hpp"

#include <nlohmann/json.hpp>

PIPESIM_FUZZ_TARGET {
  const nlohmann::json doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;
  try {
    (void)models::pipelines::parse_definition(doc);
  } catch (const models::pipelines::definition_error&) {
  }
  return 0;
}

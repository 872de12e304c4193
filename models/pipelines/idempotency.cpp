// ClientRequestToken idempotency: replays answer with the stored result, a token reused with
// other parameters gets the error the knobs choose.
#include "models/pipelines/detail/service_impl.hpp"

namespace models::pipelines {

using namespace detail;
using models::api_result;
using nlohmann::json;

// Idempotency keys: per operation or account-wide (knob idempotency.scope).
std::string service::impl::idempotency_key(const std::string& op, const std::string& token) const {
  return knobs.text("idempotency.scope") == "account" ? token : op + "\n" + token;
}

// Idempotency: returns the stored result for a replay, or an error for a mismatch. Tokens
// older than idempotency.token_lifetime (if not 0s) are forgotten.
std::optional<api_result> service::impl::replay(const std::string& op, const json& request) {
  auto t = request.find("ClientRequestToken");
  if (t == request.end() || !t->is_string()) return std::nullopt;
  auto it = idempotency.find(idempotency_key(op, t->get<std::string>()));
  if (it == idempotency.end()) return std::nullopt;
  const sim::time_us lifetime = knobs.duration("idempotency.token_lifetime");
  if (lifetime > 0 && sim.now() - it->second.at >= lifetime) {
    idempotency.erase(it);
    return std::nullopt;
  }
  if (it->second.operation == op && it->second.request == request) return it->second.result;
  const std::string& mode = knobs.text("idempotency.parameter_mismatch");
  if (mode == "return_original") return it->second.result;
  return api_result::failure(mode, "The ClientRequestToken " + t->get<std::string>() +
                                       " was already used with different parameters");
}

void service::impl::remember(const std::string& op, const json& request, const api_result& result) {
  auto t = request.find("ClientRequestToken");
  if (result.ok() && t != request.end() && t->is_string())
    idempotency[idempotency_key(op, t->get<std::string>())] = {op, request, result, sim.now()};
}

}  // namespace models::pipelines

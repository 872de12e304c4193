// What the files implementing models::sqs::queue share: limits, hex and ids, message attribute
// checks and digests, batch request checks. Internal to models/sqs.
#pragma once

#include "models/common/api.hpp"
#include "sim/random.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace models::sqs::detail {

inline constexpr std::int64_t k_visibility_max_s = 43'200;  // 12 hours [VT][CMV]
inline constexpr std::int64_t k_delay_max_s = 900;          // 15 minutes [DELQ][TIMER]
inline constexpr int k_candidates_max = 16;                 // reorder / group choice breadth

/// A 64-bit finaliser (splitmix64): keyed check values of receipt handles.
std::uint64_t mix(std::uint64_t x);
/// `v` as `digits` lower-case hex digits, and back.
std::string hex(std::uint64_t v, int digits);
bool parse_hex(std::string_view s, std::uint64_t& out);

/// MD5OfMessageAttributes / MD5OfMessageSystemAttributes as AWS computes them.
std::string md5_of_attributes(const nlohmann::json& attrs);
/// Checks MessageAttributes (user) or MessageSystemAttributes; adds their size to `size`.
std::optional<models::api_error> check_attributes(const nlohmann::json& attrs, bool system,
                                                  std::size_t& size);
/// The MessageSystemAttributeNames ReceiveMessage accepts.
const std::vector<std::string>& system_attribute_names();

/// Shared checks of a batch request's Entries [SMB][DM][CMV].
std::optional<models::api_result> check_batch(const nlohmann::json& req);
/// One Failed entry of a batch response.
nlohmann::json failed_entry(const std::string& id, const models::api_error& e);

}  // namespace models::sqs::detail

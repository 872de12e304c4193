// Internal: the SQS query protocol's request flattening and XML answers.
#pragma once

#include "models/common/api.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace wire::detail {

/// Turns decoded form pairs (without Action and Version) into the JSON request the models take:
/// `AttributeName.N` -> AttributeNames[], `Attribute.N.Name/Value` -> Attributes{},
/// `Tag.N.Key/Value` -> tags{}, `MessageAttribute.N.Name/Value.*` -> MessageAttributes{},
/// `<Op>RequestEntry.N.*` -> Entries[], integer members as numbers.
nlohmann::json query_to_json(const std::vector<std::pair<std::string, std::string>>& pairs);

/// `<OpResponse><OpResult>...</OpResult><ResponseMetadata>...` for a successful result.
std::string query_success_xml(const std::string& operation, const nlohmann::json& result,
                              const std::string& request_id);

/// `<ErrorResponse><Error><Type/><Code/><Message/><Detail/></Error><RequestId/></ErrorResponse>`.
std::string query_error_xml(const std::string& type, const std::string& code,
                            const std::string& message, const std::string& request_id);

}  // namespace wire::detail

// Signature Version 4 verification for `pipesim serve --verify-sigv4 KEY:SECRET`
// (https://docs.aws.amazon.com/general/latest/gr/sigv4_elements.html,
// https://docs.aws.amazon.com/general/latest/gr/sigv4-signed-request-examples.html).
#pragma once

#include "models/common/api.hpp"
#include "wire/http.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace wire {

/// The AWS error for a request not signed with `access_key`/`secret_key`, or nullopt when its
/// Authorization header carries a valid signature. `json_service` selects the error names of the
/// json protocols (SageMaker answers an unknown key with UnrecognizedClientException).
std::optional<models::api_error> verify_sigv4(const http_request& request,
                                              std::string_view access_key,
                                              std::string_view secret_key, bool json_service);

/// The signature a client with `secret_key` computes for `request` under its own Authorization
/// header's scope and signed headers (exposed for tests); empty if the header is malformed.
std::string sigv4_signature(const http_request& request, std::string_view secret_key);

/// Lower-case hex HMAC-SHA256 helpers (RFC 2104).
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex(std::string_view bytes);

}  // namespace wire

// Digests SQS puts on the wire: MD5 (MD5OfMessageBody, MD5OfMessageAttributes) and SHA-256
// (content-based deduplication ids). Self-contained so the model needs no crypto library.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace models::sqs {

/// RFC 1321 MD5 of `data`.
std::array<std::uint8_t, 16> md5(std::string_view data);
/// FIPS 180-4 SHA-256 of `data`.
std::array<std::uint8_t, 32> sha256(std::string_view data);

/// Lower-case hex of the digest, the form SQS returns.
std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

/// Standard base64 (RFC 4648) with padding; decode returns false for malformed input.
std::string base64_encode(std::string_view bytes);
bool base64_decode(std::string_view text, std::string& out);

}  // namespace models::sqs

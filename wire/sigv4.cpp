#include "wire/sigv4.hpp"

#include "models/sqs/hash.hpp"
#include "wire/text.hpp"

#include <algorithm>
#include <vector>

namespace wire {

namespace {

std::string sha256_raw(std::string_view data) {
  const auto d = models::sqs::sha256(data);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string hmac_raw(std::string_view key, std::string_view data) {
  constexpr std::size_t block = 64;
  std::string k = key.size() > block ? sha256_raw(key) : std::string(key);
  k.resize(block, '\0');
  std::string inner(block, '\0'), outer(block, '\0');
  for (std::size_t i = 0; i < block; ++i) {
    inner[i] = static_cast<char>(k[i] ^ 0x36);
    outer[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  return sha256_raw(outer + sha256_raw(inner + std::string(data)));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Header value as signed: ends trimmed, inner runs of spaces collapsed to one.
std::string canonical_value(std::string_view v) {
  v = trim(v);
  std::string out;
  bool space = false;
  for (const char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

struct authorization {
  std::string access_key, date, region, service, signed_headers, signature;
};

bool parse_authorization(std::string_view auth, authorization& out) {
  constexpr std::string_view algorithm = "AWS4-HMAC-SHA256 ";
  if (auth.substr(0, algorithm.size()) != algorithm) return false;
  auth.remove_prefix(algorithm.size());
  std::string credential;
  while (!auth.empty()) {
    const std::size_t comma = auth.find(',');
    const std::string_view part = trim(auth.substr(0, comma));
    auth = comma == std::string_view::npos ? std::string_view() : auth.substr(comma + 1);
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential")
      credential = value;
    else if (key == "SignedHeaders")
      out.signed_headers = value;
    else if (key == "Signature")
      out.signature = value;
  }
  // AKID/20261202/us-east-1/sqs/aws4_request
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = credential.find('/', start);
    parts.push_back(credential.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5 || parts[4] != "aws4_request" || out.signed_headers.empty() ||
      out.signature.empty()) {
    return false;
  }
  out.access_key = parts[0];
  out.date = parts[1];
  out.region = parts[2];
  out.service = parts[3];
  return true;
}

std::string canonical_query(std::string_view target) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::vector<std::string> params;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    std::string p(rest.substr(0, amp));
    if (p.find('=') == std::string::npos) p += '=';
    params.push_back(std::move(p));
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const std::string& p : params) out += (out.empty() ? "" : "&") + p;
  return out;
}

std::string signature_for(const http_request& request, const authorization& a,
                          std::string_view secret_key) {
  const std::string_view target = request.target;
  std::string path(target.substr(0, target.find('?')));
  if (path.empty()) path = "/";
  std::string canonical = request.method + "\n" + path + "\n" + canonical_query(target) + "\n";
  std::string_view names = a.signed_headers;
  while (!names.empty()) {
    const std::size_t semi = names.find(';');
    const std::string_view name = names.substr(0, semi);
    std::string joined;
    bool first = true;
    for (const header& h : request.headers) {
      if (lower(h.name) == name) {
        joined += (first ? "" : ",") + canonical_value(h.value);
        first = false;
      }
    }
    canonical += std::string(name) + ":" + joined + "\n";
    names = semi == std::string_view::npos ? std::string_view() : names.substr(semi + 1);
  }
  const std::string_view content_sha = request.header_value("x-amz-content-sha256");
  canonical +=
      "\n" + a.signed_headers + "\n" +
      (content_sha.empty() ? models::sqs::sha256_hex(request.body) : std::string(content_sha));
  const std::string scope = a.date + "/" + a.region + "/" + a.service + "/aws4_request";
  const std::string string_to_sign = "AWS4-HMAC-SHA256\n" +
                                     std::string(request.header_value("x-amz-date")) + "\n" +
                                     scope + "\n" + models::sqs::sha256_hex(canonical);
  const std::string k_date = hmac_raw("AWS4" + std::string(secret_key), a.date);
  const std::string k_region = hmac_raw(k_date, a.region);
  const std::string k_service = hmac_raw(k_region, a.service);
  const std::string k_signing = hmac_raw(k_service, "aws4_request");
  return hex(hmac_raw(k_signing, string_to_sign));
}

}  // namespace

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hex(hmac_raw(key, data));
}

std::string sigv4_signature(const http_request& request, std::string_view secret_key) {
  authorization a;
  if (!parse_authorization(request.header_value("authorization"), a)) return {};
  return signature_for(request, a, secret_key);
}

std::optional<models::api_error> verify_sigv4(const http_request& request,
                                              std::string_view access_key,
                                              std::string_view secret_key, bool json_service) {
  // Error names and texts of
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
  const std::string_view header = request.header_value("authorization");
  if (header.empty()) {
    return models::api_error{"MissingAuthenticationToken",
                             "Request is missing Authentication Token", 403};
  }
  authorization a;
  if (!parse_authorization(header, a) || request.header_value("x-amz-date").size() < 8 ||
      request.header_value("x-amz-date").substr(0, 8) != a.date) {
    return models::api_error{"IncompleteSignature",
                             "The request signature does not conform to AWS standards.", 400};
  }
  if (a.access_key != access_key) {
    if (json_service) {
      return models::api_error{"UnrecognizedClientException",
                               "The security token included in the request is invalid.", 400};
    }
    return models::api_error{"InvalidClientTokenId",
                             "The security token included in the request is invalid.", 403};
  }
  if (signature_for(request, a, secret_key) != a.signature) {
    return models::api_error{json_service ? "InvalidSignatureException" : "SignatureDoesNotMatch",
                             "The request signature we calculated does not match the signature "
                             "you provided. Check your AWS Secret Access Key and signing method. "
                             "Consult the service documentation for details.",
                             json_service ? 400 : 403};
  }
  return std::nullopt;
}

}  // namespace wire

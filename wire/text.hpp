// Text codecs the wire protocols need: form-URL decoding (the SQS query protocol) and XML
// escaping (its responses).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wire {

/// Decodes %XX and '+' (application/x-www-form-urlencoded). False on a malformed escape.
bool url_decode(std::string_view in, std::string& out);

/// Splits "a=1&b=2" into decoded pairs, in order. A bare key gets an empty value. False (and
/// `bad` set to the offending piece) on a malformed escape.
bool parse_form(std::string_view body, std::vector<std::pair<std::string, std::string>>& out,
                std::string& bad);

/// Escapes text for an XML element. A CR is sent as &#xD;: XML parsers turn a literal CR into LF
/// (https://www.w3.org/TR/xml/#sec-line-ends), and message bodies must arrive byte for byte.
void append_xml_escaped(std::string& out, std::string_view text);

/// Lower-cases ASCII.
std::string lower(std::string_view s);

}  // namespace wire

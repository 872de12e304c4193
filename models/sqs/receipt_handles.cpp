// Receipt handles and the hex and id helpers they share with message ids.
#include "detail/queue_support.hpp"
#include "hash.hpp"
#include "queue.hpp"
#include "validate.hpp"

#include <algorithm>
#include <cstdio>

namespace models::sqs {

using nlohmann::json;
using namespace detail;

namespace detail {

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::string hex(std::uint64_t v, int digits) {
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xF];
    v >>= 4;
  }
  return s;
}

bool parse_hex(std::string_view s, std::uint64_t& out) {
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Receipt handles: "AQEB" + queue tag + message seq + receipt generation + keyed check value,
// so any handle this queue ever issued can be recognised without keeping old handles.

std::string queue::make_handle(const message& m) const {
  const std::uint64_t check = mix(secret_ ^ mix(m.seq) ^ (std::uint64_t{m.receive_no} << 1));
  return "AQEB" + hex(tag_, 8) + hex(m.seq, 16) + hex(m.receive_no, 8) + hex(check, 16);
}

bool queue::parse_handle(const std::string& h, std::uint64_t& seq,
                         std::uint32_t& receive_no) const {
  if (h.size() != 4 + 8 + 16 + 8 + 16 || h.compare(0, 4, "AQEB") != 0) return false;
  std::uint64_t tag = 0, s = 0, rn = 0, check = 0;
  const std::string_view v(h);
  if (!parse_hex(v.substr(4, 8), tag) || !parse_hex(v.substr(12, 16), s) ||
      !parse_hex(v.substr(28, 8), rn) || !parse_hex(v.substr(36, 16), check))
    return false;
  if (tag != tag_ || s >= census_.size() || rn == 0) return false;
  if (check != mix(secret_ ^ mix(s) ^ (rn << 1))) return false;
  seq = s;
  receive_no = static_cast<std::uint32_t>(rn);
  return true;
}

}  // namespace models::sqs

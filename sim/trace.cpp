// Canonical JSON Lines trace with FNV-1a digest.
#include "trace.hpp"

#include "random.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ostream>
#include <stdexcept>

namespace sim {

std::uint64_t digest_line(std::string_view line, std::uint64_t previous) noexcept {
  return fnv1a64("\n", fnv1a64(line, previous));
}

std::string format_digest(std::uint64_t digest) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(digest));
  return buf;
}

void trace::record(time_us t, std::string_view type, const nlohmann::json& fields) {
  if (!enabled_) return;
  if (!fields.is_null() && !fields.is_object()) {
    throw std::invalid_argument("trace fields must be a JSON object");
  }
  std::string line = "{\"seq\":" + std::to_string(count_) + ",\"t\":" + std::to_string(t) +
                     ",\"type\":" + nlohmann::json(std::string(type)).dump();
  if (fields.is_object() && !fields.empty()) {
    // Splice the sorted fields after the fixed prefix: drop the object's own opening brace.
    line += ',';
    line += fields.dump().substr(1);
  } else {
    line += '}';
  }
  digest_ = digest_line(line, digest_);
  ++count_;
  if (sink_ != nullptr) *sink_ << line << '\n';
  if (keep_lines_) lines_.push_back(std::move(line));
}

}  // namespace sim

// Structured trace records as canonical JSON Lines, with a running 64-bit digest.
#pragma once

#include "time.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

/// FNV-1a's 64-bit offset basis: the digest of no lines.
constexpr std::uint64_t k_digest_basis = 0xcbf29ce484222325ULL;

/// Records what happened in a run. Each record becomes one canonical line
///   {"seq":<n>,"t":<time_us>,"type":"<type>",<fields in key order>}
/// (nlohmann::json keeps object keys sorted, so equal records give equal bytes). The digest is
/// FNV-1a over every line and its newline, so two runs compare in O(1) without keeping lines.
/// A disabled trace costs one branch per record site; callers test enabled() before building
/// their fields.
class trace {
 public:
  /// Turns recording on or off. Off by default.
  void enable(bool on) noexcept { enabled_ = on; }
  bool enabled() const noexcept { return enabled_; }

  /// Streams each line to `out` as it is recorded (nullptr stops streaming).
  void set_sink(std::ostream* out) noexcept { sink_ = out; }
  /// Keeps every line in memory (for tests and replay comparison).
  void keep_lines(bool keep) noexcept { keep_lines_ = keep; }

  /// Records one event. `fields` must be a JSON object (or null for none); its keys must not be
  /// "seq", "t" or "type".
  void record(time_us t, std::string_view type, const nlohmann::json& fields);

  /// Number of records so far; also the position the next record will get.
  std::uint64_t size() const noexcept { return count_; }
  /// Running digest over all records so far.
  std::uint64_t digest() const noexcept { return digest_; }
  const std::vector<std::string>& lines() const noexcept { return lines_; }

 private:
  bool enabled_ = false;
  bool keep_lines_ = false;
  std::ostream* sink_ = nullptr;
  std::uint64_t count_ = 0;
  std::uint64_t digest_ = k_digest_basis;
  std::vector<std::string> lines_;
};

/// Formats a digest as 16 lower-case hex digits.
std::string format_digest(std::uint64_t digest);

/// Digest of a single line (the same function trace::digest chains).
std::uint64_t digest_line(std::string_view line, std::uint64_t previous) noexcept;

}  // namespace sim

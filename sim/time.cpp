// Duration parsing and printing.
#include "time.hpp"

#include <array>
#include <limits>

namespace sim {
namespace {

struct unit {
  std::string_view suffix;
  time_us scale;
};

// Longest suffix first so "ms" is not read as "m" followed by garbage.
constexpr std::array<unit, 6> k_units{{{"ms", k_millisecond_us},
                                       {"us", k_microsecond_us},
                                       {"d", k_day_us},
                                       {"h", k_hour_us},
                                       {"m", k_minute_us},
                                       {"s", k_second_us}}};

[[noreturn]] void fail(std::string_view text, const std::string& why) {
  throw duration_error("invalid duration \"" + std::string(text) + "\": " + why +
                       " (expected non-negative integers with units d, h, m, s, ms or us, e.g. "
                       "\"30s\", \"250ms\", \"1h30m\")");
}

}  // namespace

time_us parse_duration(std::string_view text) {
  if (text.empty()) fail(text, "empty");
  if (text.front() == '-' || text.front() == '+') fail(text, "a sign is not allowed");
  constexpr time_us k_max = std::numeric_limits<time_us>::max();
  time_us total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      fail(text, "expected a digit at position " + std::to_string(i));
    }
    time_us value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const int digit = text[i] - '0';
      if (value > (k_max - digit) / 10) fail(text, "too large");
      value = value * 10 + digit;
      ++i;
    }
    const unit* found = nullptr;
    for (const unit& u : k_units) {
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        found = &u;
        break;
      }
    }
    if (found == nullptr) {
      fail(text, i == text.size() ? "a number needs a unit"
                                  : "unknown unit at position " + std::to_string(i));
    }
    i += found->suffix.size();
    if (value > k_max / found->scale) fail(text, "too large");
    const time_us part = value * found->scale;
    if (total > k_max - part) fail(text, "too large");
    total += part;
  }
  return total;
}

std::string format_duration(time_us d) {
  if (d == 0) return "0s";
  // Negative spans only appear in diagnostics; print them with a sign rather than fail.
  std::uint64_t left = d < 0 ? 0 - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
  // Printing order differs from parsing order: largest unit first.
  constexpr std::array<unit, 6> k_print{{{"d", k_day_us},
                                         {"h", k_hour_us},
                                         {"m", k_minute_us},
                                         {"s", k_second_us},
                                         {"ms", k_millisecond_us},
                                         {"us", k_microsecond_us}}};
  std::string out = d < 0 ? "-" : "";
  for (const unit& u : k_print) {
    const auto scale = static_cast<std::uint64_t>(u.scale);
    if (left >= scale) {
      out += std::to_string(left / scale);
      out += u.suffix;
      left %= scale;
    }
  }
  return out;
}

}  // namespace sim

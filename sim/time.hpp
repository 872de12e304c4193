// Virtual time: integer microseconds, and the human duration strings scenario files use.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sim {

/// A point in virtual time or a span of it, in microseconds since the start of the run.
/// An integer on purpose: no floating-point drift, identical on every machine.
using time_us = std::int64_t;

inline constexpr time_us k_microsecond_us = 1;
inline constexpr time_us k_millisecond_us = 1'000;
inline constexpr time_us k_second_us = 1'000'000;
inline constexpr time_us k_minute_us = 60 * k_second_us;
inline constexpr time_us k_hour_us = 60 * k_minute_us;
inline constexpr time_us k_day_us = 24 * k_hour_us;

/// Thrown by parse_duration; what() names the offending text and what was expected.
class duration_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Parses "250ms", "30s", "5m", "2h", "7d", "10us" and concatenations such as "1h30m".
/// Units: d, h, m, s, ms, us. Each component is a non-negative integer; the total must fit in
/// time_us. Throws duration_error for empty text, a sign, an unknown unit or overflow.
time_us parse_duration(std::string_view text);

/// Formats a duration in the largest units that represent it exactly, e.g. 5'400 s as
/// "1h30m" and 1.5 s as "1s500ms"; zero is "0s" and a
/// negative span gets a leading "-". For d >= 0, parse_duration(format_duration(d)) == d.
std::string format_duration(time_us d);

}  // namespace sim

// Duration strings ("1h30m", "250ms"): a value or a duration_error; a value prints back to
// itself (parse_duration(format_duration(d)) == d).
#include "fuzz.hpp"
#include "sim/time.hpp"

#include <cstdlib>

PIPESIM_FUZZ_TARGET {
  const std::string s = pipesim::fuzz::text(data, size);
  try {
    const sim::time_us d = sim::parse_duration(s);
    if (d < 0 || sim::parse_duration(sim::format_duration(d)) != d) std::abort();
  } catch (const sim::duration_error&) {
  }
  return 0;
}

// Duration parsing and printing.
#include "sim/time.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <limits>
#include <string>

using sim::parse_duration;

BOOST_AUTO_TEST_SUITE(time_test)

BOOST_AUTO_TEST_CASE(single_units_parse_to_microseconds) {
  BOOST_TEST(parse_duration("10us") == 10);
  BOOST_TEST(parse_duration("250ms") == 250'000);
  BOOST_TEST(parse_duration("30s") == 30'000'000);
  BOOST_TEST(parse_duration("5m") == 300'000'000);
  BOOST_TEST(parse_duration("2h") == 7'200'000'000LL);
  BOOST_TEST(parse_duration("7d") == 604'800'000'000LL);
  BOOST_TEST(parse_duration("0s") == 0);
}

BOOST_AUTO_TEST_CASE(combinations_add_up) {
  BOOST_TEST(parse_duration("1h30m") == 5'400'000'000LL);
  BOOST_TEST(parse_duration("1m30s500ms") == 90'500'000LL);
  BOOST_TEST(parse_duration("1d2h") == 93'600'000'000LL);
}

BOOST_AUTO_TEST_CASE(printing_uses_largest_exact_units) {
  BOOST_TEST(sim::format_duration(0) == "0s");
  BOOST_TEST(sim::format_duration(5'400'000'000LL) == "1h30m");
  BOOST_TEST(sim::format_duration(1'500'000) == "1s500ms");
  BOOST_TEST(sim::format_duration(7) == "7us");
  BOOST_TEST(sim::format_duration(sim::k_day_us * 4) == "4d");
}

void check_rejects(const std::string& text, const std::string& reason) {
  try {
    parse_duration(text);
    BOOST_ERROR("\"" << text << "\" was accepted");
  } catch (const sim::duration_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("\"" + text + "\"") != std::string::npos, what);
    BOOST_TEST(what.find(reason) != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_CASE(bad_durations_get_clear_errors) {
  check_rejects("", "empty");
  check_rejects("5x", "unknown unit");
  check_rejects("-1s", "sign");
  check_rejects("+1s", "sign");
  check_rejects("30", "needs a unit");
  check_rejects("s", "expected a digit");
  check_rejects("1.5s", "unknown unit");
  check_rejects("1h 30m", "expected a digit at position 2");
  check_rejects("99999999999999999999s", "too large");
  check_rejects("9223372036854775807s", "too large");
  check_rejects("106751992d", "too large");  // just over 2^63 microseconds
  check_rejects("106751991d4h54s775ms807us1us", "too large");
}

BOOST_AUTO_TEST_CASE(the_largest_duration_still_parses) {
  BOOST_TEST(parse_duration("106751991d4h54s775ms807us") ==
             std::numeric_limits<sim::time_us>::max());
}

BOOST_AUTO_TEST_CASE(the_largest_duration_prints_back) {
  BOOST_TEST(sim::format_duration(std::numeric_limits<sim::time_us>::max()) ==
             "106751991d4h54s775ms807us");
}

RC_BOOST_PROP(format_then_parse_is_identity, (std::int64_t raw)) {
  const sim::time_us d = raw < 0 ? -(raw + 1) : raw;
  RC_ASSERT(parse_duration(sim::format_duration(d)) == d);
}

BOOST_AUTO_TEST_SUITE_END()

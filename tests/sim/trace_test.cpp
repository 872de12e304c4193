// Trace lines, digests, and determinism of whole runs.
#include "sim/simulation.hpp"
#include "tests/support/toy_model.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

BOOST_AUTO_TEST_SUITE(trace_test)

BOOST_AUTO_TEST_CASE(a_record_is_one_canonical_line_with_sorted_fields) {
  sim::trace t;
  t.enable(true);
  t.keep_lines(true);
  t.record(1500, "message_sent", {{"queue", "q1"}, {"body_bytes", 12}, {"attempt", 1}});
  t.record(2000, "tick", nullptr);
  BOOST_TEST_REQUIRE(t.lines().size() == 2u);
  BOOST_TEST(
      t.lines()[0] ==
      R"({"seq":0,"t":1500,"type":"message_sent","attempt":1,"body_bytes":12,"queue":"q1"})");
  BOOST_TEST(t.lines()[1] == R"({"seq":1,"t":2000,"type":"tick"})");
  // Every line is valid JSON.
  BOOST_TEST(nlohmann::json::parse(t.lines()[0])["queue"] == "q1");
}

BOOST_AUTO_TEST_CASE(the_digest_chains_fnv1a_over_each_line_and_newline) {
  sim::trace t;
  t.enable(true);
  t.keep_lines(true);
  t.record(0, "a", nullptr);
  t.record(1, "b", {{"x", 1}});
  std::uint64_t expected = 0xcbf29ce484222325ULL;
  std::string all;
  for (const std::string& line : t.lines()) all += line + "\n";
  expected = sim::fnv1a64(all, expected);
  BOOST_TEST(t.digest() == expected);
  BOOST_TEST(sim::format_digest(0xabcULL) == "0000000000000abc");
}

BOOST_AUTO_TEST_CASE(a_disabled_trace_records_nothing) {
  sim::trace t;
  const std::uint64_t empty_digest = t.digest();
  t.record(0, "a", nullptr);
  BOOST_TEST(t.size() == 0u);
  BOOST_TEST(t.digest() == empty_digest);
}

BOOST_AUTO_TEST_CASE(the_sink_receives_exactly_the_kept_lines) {
  std::ostringstream out;
  sim::trace t;
  t.enable(true);
  t.keep_lines(true);
  t.set_sink(&out);
  t.record(3, "x", {{"k", "v"}});
  BOOST_TEST(out.str() == t.lines()[0] + "\n");
}

BOOST_AUTO_TEST_CASE(fields_must_be_an_object) {
  sim::trace t;
  t.enable(true);
  BOOST_CHECK_THROW(t.record(0, "a", nlohmann::json::array({1})), std::invalid_argument);
}

std::string run_and_capture(std::uint64_t seed, std::uint64_t& digest) {
  std::ostringstream out;
  sim::simulation s(seed);
  s.trace().enable(true);
  s.trace().set_sink(&out);
  pipesim::test::run_toy_model(s, 4, 60 * sim::k_second_us);
  digest = s.trace().digest();
  return out.str();
}

BOOST_AUTO_TEST_CASE(same_seed_gives_a_byte_identical_trace_and_digest) {
  std::uint64_t d1 = 0;
  std::uint64_t d2 = 0;
  const std::string first = run_and_capture(2026, d1);
  const std::string second = run_and_capture(2026, d2);
  BOOST_TEST(first.size() > 1000u);
  BOOST_TEST(first == second);
  BOOST_TEST(d1 == d2);
}

BOOST_AUTO_TEST_CASE(different_seeds_give_different_traces) {
  std::uint64_t d1 = 0;
  std::uint64_t d2 = 0;
  run_and_capture(1, d1);
  run_and_capture(2, d2);
  BOOST_TEST(d1 != d2);
}

BOOST_AUTO_TEST_SUITE_END()

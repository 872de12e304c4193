// The knob table in models/lambda/README.md is generated from the code and must not drift.
#include "models/lambda/mapping.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

BOOST_AUTO_TEST_SUITE(readme_test)

BOOST_AUTO_TEST_CASE(readme_knob_table_matches_the_code) {
  std::ifstream in(PIPESIM_LAMBDA_README);
  BOOST_TEST_REQUIRE(in.good(), "cannot open " PIPESIM_LAMBDA_README);
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const std::string begin = "<!-- knob-table:begin -->\n", end = "<!-- knob-table:end -->";
  const auto b = readme.find(begin), e = readme.find(end);
  BOOST_TEST_REQUIRE((b != std::string::npos && e != std::string::npos && b < e));
  const std::string table = readme.substr(b + begin.size(), e - b - begin.size());
  const std::string expected = models::knob_table_markdown(models::lambda::knobs());
  BOOST_TEST(table == expected, "README knob table is stale; replace it with:\n" << expected);
}

BOOST_AUTO_TEST_CASE(every_knob_has_a_status_and_valid_defaults) {
  for (const auto& k : models::lambda::knobs()) {
    BOOST_TEST(
        (k.status.rfind("documented: ", 0) == 0 || k.status.rfind("pipesim choice: ", 0) == 0),
        k.name);
    BOOST_TEST(k.name.rfind("lambda.", 0) == 0);
  }
  for (auto p :
       {models::profile::ideal, models::profile::aws_documented, models::profile::adversarial})
    BOOST_CHECK_NO_THROW(models::knob_values(models::lambda::knobs(), p));
}

BOOST_AUTO_TEST_SUITE_END()

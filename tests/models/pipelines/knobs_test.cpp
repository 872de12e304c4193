// The knob table: complete, well-formed, and identical to the one in models/pipelines/README.md.
#include "models/pipelines/service.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>
#include <sstream>

BOOST_AUTO_TEST_SUITE(knobs_test)

BOOST_AUTO_TEST_CASE(every_knob_has_a_status_and_valid_defaults) {
  std::set<std::string> names;
  for (const models::knob_spec& k : models::pipelines::knobs()) {
    BOOST_TEST(names.insert(k.name).second, "duplicate knob " << k.name);
    BOOST_TEST(
        (k.status.rfind("documented: ", 0) == 0 || k.status.rfind("pipesim choice: ", 0) == 0),
        k.name << ": " << k.status);
    BOOST_TEST(!k.meaning.empty());
  }
  for (auto p :
       {models::profile::ideal, models::profile::aws_documented, models::profile::adversarial})
    BOOST_CHECK_NO_THROW(models::knob_values(models::pipelines::knobs(), p));
}

BOOST_AUTO_TEST_CASE(readme_table_matches_the_code) {
  std::ifstream in(PIPESIM_PIPELINES_README);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " << PIPESIM_PIPELINES_README);
  std::stringstream text;
  text << in.rdbuf();
  const std::string table = models::knob_table_markdown(models::pipelines::knobs());
  BOOST_TEST(text.str().find(table) != std::string::npos,
             "models/pipelines/README.md lacks the current knob table; replace it with:\n"
                 << table);
}

BOOST_AUTO_TEST_SUITE_END()

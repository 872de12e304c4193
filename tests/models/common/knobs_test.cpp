// Knob resolution: profile defaults, overrides and their errors.
#include "models/common/knobs.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

BOOST_AUTO_TEST_SUITE(knobs_test)

const std::vector<models::knob_spec>& specs() {
  static const std::vector<models::knob_spec> k{
      {"demo.p_fault",
       "fault probability",
       "pipesim choice: no rate published",
       0.0,
       0.01,
       0.2,
       {}},
      {"demo.latency", "a delay", "pipesim choice", "0s", "10ms", "1s", {}},
      {"demo.mode", "an enum", "documented: X", "a", "a", "b", {"a", "b"}},
      {"demo.count", "an integer", "documented: Y", 1, 2, 3, {}},
  };
  return k;
}

BOOST_AUTO_TEST_CASE(each_profile_selects_its_column) {
  BOOST_TEST(models::knob_values(specs(), models::profile::ideal).number("demo.p_fault") == 0.0);
  BOOST_TEST(
      models::knob_values(specs(), models::profile::aws_documented).duration("demo.latency") ==
      10'000);
  const models::knob_values adv(specs(), models::profile::adversarial);
  BOOST_TEST(adv.text("demo.mode") == "b");
  BOOST_TEST(adv.integer("demo.count") == 3);
}

BOOST_AUTO_TEST_CASE(overrides_replace_defaults_and_show_in_resolved) {
  const models::knob_values v(specs(), models::profile::ideal,
                              {{"demo.p_fault", 1}, {"demo.count", 7}});
  BOOST_TEST(v.number("demo.p_fault") == 1.0);  // an integer is accepted for a real knob
  BOOST_TEST(v.resolved()["demo.count"] == 7);
  BOOST_TEST(v.resolved().size() == 4u);
}

void check_error(const nlohmann::json& overrides, const std::string& fragment) {
  try {
    models::knob_values v(specs(), models::profile::ideal, overrides);
    BOOST_ERROR("accepted " << overrides.dump());
  } catch (const models::knob_error& e) {
    BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(bad_overrides_name_the_knob_and_what_was_expected) {
  check_error({{"demo.nope", 1}}, "unknown knob \"demo.nope\"");
  check_error({{"demo.count", 1.5}}, "\"demo.count\" expects a value like 1");
  check_error({{"demo.mode", "c"}}, "\"demo.mode\" must be one of a, b");
  check_error({{"demo.latency", 5}}, "\"demo.latency\" expects a value like \"0s\"");
  check_error(nlohmann::json::array(), "expected an object");
  const models::knob_values v(specs(), models::profile::ideal, {{"demo.latency", "5x"}});
  BOOST_CHECK_THROW(v.duration("demo.latency"), models::knob_error);
}

BOOST_AUTO_TEST_CASE(profiles_parse_by_name) {
  BOOST_TEST((models::parse_profile("adversarial") == models::profile::adversarial));
  BOOST_TEST(!models::parse_profile("chaos").has_value());
  BOOST_TEST(models::to_string(models::profile::aws_documented) == "aws_documented");
}

BOOST_AUTO_TEST_CASE(the_markdown_table_lists_every_knob_with_its_status) {
  const std::string table = models::knob_table_markdown(specs());
  BOOST_TEST(table.find("| `demo.mode` | \"a\" | \"a\" | \"b\" | documented: X | an enum |") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// Filter criteria on SQS records: non-matching messages never reach the function.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
#include "models/lambda/mapping.hpp"

#include <boost/test/unit_test.hpp>

namespace {

using nlohmann::json;

json criteria(std::initializer_list<const char*> patterns) {
  json filters = json::array();
  for (const char* p : patterns) filters.push_back({{"Pattern", p}});
  return json{{"Filters", filters}};
}
json record(const std::string& body) { return json{{"body", body}, {"messageId", "m"}}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(filter_test)

BOOST_AUTO_TEST_CASE(json_body_patterns) {
  const json c = criteria({R"({"body": {"status": ["Stopping"]}})"});
  BOOST_TEST(models::lambda::matches_filter(c, record(R"({"token":"t","status":"Stopping"})")));
  BOOST_TEST(!models::lambda::matches_filter(c, record(R"({"token":"t"})")));
  const json prefix = criteria({R"({"body": {"token": [{"prefix": "ab"}]}})"});
  BOOST_TEST(models::lambda::matches_filter(prefix, record(R"({"token":"abc"})")));
  const json numeric = criteria({R"({"body": {"n": [{"numeric": [">", 0, "<=", 5]}]}})"});
  BOOST_TEST(models::lambda::matches_filter(numeric, record(R"({"n":5})")));
  BOOST_TEST(!models::lambda::matches_filter(numeric, record(R"({"n":6})")));
  const json absent = criteria({R"({"body": {"status": [{"exists": false}]}})"});
  BOOST_TEST(models::lambda::matches_filter(absent, record(R"({"token":"t"})")));
}

// Filters are ORed.
BOOST_AUTO_TEST_CASE(filters_are_ored) {
  const json c = criteria({R"({"body": {"a": [1]}})", R"({"body": {"b": [2]}})"});
  BOOST_TEST(models::lambda::matches_filter(c, record(R"({"b":2})")));
  BOOST_TEST(!models::lambda::matches_filter(c, record(R"({"c":3})")));
}

// A plain-text body against a JSON body pattern (or the reverse) does not match: Lambda drops it.
BOOST_AUTO_TEST_CASE(body_kind_mismatch_drops) {
  BOOST_TEST(
      !models::lambda::matches_filter(criteria({R"({"body": {"a": [1]}})"}), record("plain text")));
  BOOST_TEST(!models::lambda::matches_filter(criteria({R"({"body": ["{\"a\":1}"]})"}),
                                             record(R"({"a":1})")));
  BOOST_TEST(models::lambda::matches_filter(criteria({R"({"body": ["plain text"]})"}),
                                            record("plain text")));
}

BOOST_AUTO_TEST_CASE(no_criteria_passes_everything) {
  BOOST_TEST(models::lambda::matches_filter(nullptr, record("x")));
}

BOOST_AUTO_TEST_SUITE_END()

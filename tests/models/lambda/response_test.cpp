// How Lambda reads a response for an SQS batch with and without ReportBatchItemFailures.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html ("Reporting batch item failures":
// success and failure conditions), services-sqs-errorhandling.html,
// services-kinesis-batchfailurereporting.html (ignored without the flag).
#include "models/lambda/mapping.hpp"

#include <boost/test/unit_test.hpp>

namespace {

using nlohmann::json;
const std::vector<std::string> k_batch{"id-1", "id-2", "id-3"};

models::lambda::batch_verdict read(const json& response, bool rbif = true,
                                   const json& overrides = nullptr) {
  const models::knob_values k(models::lambda::knobs(), models::profile::aws_documented, overrides);
  return models::lambda::read_response(response, rbif, k_batch, k);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(response_test)

// Complete success: an empty batchItemFailures list, a null list, an empty or null response.
BOOST_AUTO_TEST_CASE(documented_complete_success) {
  for (const json& r : {json{{"batchItemFailures", json::array()}},
                        json{{"batchItemFailures", nullptr}}, json(nullptr)}) {
    const auto v = read(r);
    BOOST_TEST(!v.complete_failure, r.dump());
    BOOST_TEST(v.retry_message_ids.empty(), r.dump());
  }
}

// Complete failure: itemIdentifier empty, null, under a wrong key, or naming no message of the
// batch (invalid JSON cannot come from a C++ handler: it returns JSON values).
BOOST_AUTO_TEST_CASE(documented_complete_failure) {
  for (const json& item : {json{{"itemIdentifier", ""}}, json{{"itemIdentifier", nullptr}},
                           json{{"itemIdentifer", "id-1"}}, json{{"itemIdentifier", "id-9"}}}) {
    const auto v = read(json{{"batchItemFailures", json::array({item})}});
    BOOST_TEST(v.complete_failure, item.dump());
  }
}

// The listed messages become visible again; the rest of the batch is deleted.
BOOST_AUTO_TEST_CASE(listed_items_are_retried_the_rest_deleted) {
  const auto v = read(json{{"batchItemFailures", json::array({json{{"itemIdentifier", "id-2"}}})}});
  BOOST_TEST(!v.complete_failure);
  BOOST_TEST(v.retry_message_ids == std::vector<std::string>{"id-2"});
}

// Without ReportBatchItemFailures a returned batchItemFailures is ignored: the batch succeeded.
BOOST_AUTO_TEST_CASE(without_the_flag_the_response_is_ignored) {
  const json r{{"batchItemFailures", json::array({json{{"itemIdentifier", "id-2"}}})}};
  const auto v = read(r, false);
  BOOST_TEST(!v.complete_failure);
  BOOST_TEST(v.retry_message_ids.empty());
}

// SILENT cases are knobs: an object without the key (read as a null list by default) and a
// JSON string (fails the batch by default).
BOOST_AUTO_TEST_CASE(silent_cases_follow_their_knobs) {
  BOOST_TEST(!read(json{{"statusCode", 200}}).complete_failure);
  BOOST_TEST(read(json{{"statusCode", 200}}, true, json{{"lambda.rbif.missing_key", "fail_batch"}})
                 .complete_failure);
  BOOST_TEST(read(json("{\"batchItemFailures\": []}")).complete_failure);
  BOOST_TEST(
      !read(json("{}"), true, json{{"lambda.rbif.string_response", "success"}}).complete_failure);
}

BOOST_AUTO_TEST_SUITE_END()

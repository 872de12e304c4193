// CreateEventSourceMapping's documented validation of an SQS mapping.
// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html
#include "models/lambda/mapping.hpp"

#include <boost/test/unit_test.hpp>

namespace {

using models::lambda::function_config;
using models::lambda::mapping_config;
using models::lambda::validate_mapping;
constexpr sim::time_us k_s = sim::k_second_us;

std::string error_of(const mapping_config& m, const function_config& f, bool fifo,
                     sim::time_us visibility) {
  const auto e = validate_mapping(m, f, fifo, visibility);
  if (!e) return "";
  BOOST_TEST(e->code == "InvalidParameterValueException");
  BOOST_TEST(e->http_status == 400);
  return e->message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mapping_test)

// services-sqs-configure.html: the function timeout may not exceed the queue's visibility
// timeout; Lambda refuses the mapping (observed text: "Queue visibility timeout: 30 seconds is less
// than Function timeout: 60 seconds"). Equal values pass.
BOOST_AUTO_TEST_CASE(function_timeout_above_visibility_timeout_is_refused) {
  function_config f;
  f.timeout_us = 60 * k_s;
  BOOST_TEST(error_of({}, f, false, 30 * k_s) ==
             "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds");
  f.timeout_us = 30 * k_s;
  BOOST_TEST(error_of({}, f, false, 30 * k_s) == "");
}

// API_CreateEventSourceMapping: BatchSize 1-10,000; SQS default 10; FIFO at most 10.
BOOST_AUTO_TEST_CASE(batch_size_ranges_standard_and_fifo) {
  mapping_config m;
  BOOST_TEST(m.batch_size == 10);
  m.batching_window_us = k_s;
  for (std::int64_t ok : {1, 10, 10'000}) {
    m.batch_size = ok;
    BOOST_TEST(error_of(m, {}, false, 30 * k_s) == "", ok);
  }
  m.batch_size = 10'001;
  BOOST_TEST(error_of(m, {}, false, 30 * k_s) != "");
  m.batch_size = 0;
  BOOST_TEST(error_of(m, {}, false, 30 * k_s) != "");
  mapping_config fifo;
  fifo.batch_size = 11;
  BOOST_TEST(error_of(fifo, {}, true, 30 * k_s).find("FIFO") != std::string::npos);
  fifo.batch_size = 10;
  BOOST_TEST(error_of(fifo, {}, true, 30 * k_s) == "");
}

// MaximumBatchingWindowInSeconds: 0-300, default 0; at least 1 when BatchSize > 10; not for
// FIFO queues.
BOOST_AUTO_TEST_CASE(batching_window_rules) {
  mapping_config m;
  BOOST_TEST(m.batching_window_us == 0);
  m.batch_size = 11;
  BOOST_TEST(error_of(m, {}, false, 30 * k_s).find("greater than 0") != std::string::npos);
  m.batching_window_us = k_s;
  BOOST_TEST(error_of(m, {}, false, 30 * k_s) == "");
  m.batching_window_us = 301 * k_s;
  BOOST_TEST(error_of(m, {}, false, 30 * k_s) != "");
  m.batching_window_us = 300 * k_s;
  BOOST_TEST(error_of(m, {}, false, 30 * k_s) == "");
  mapping_config fifo;
  fifo.batching_window_us = k_s;
  BOOST_TEST(error_of(fifo, {}, true, 30 * k_s).find("FIFO") != std::string::npos);
}

// ScalingConfig.MaximumConcurrency: 2-1,000.
BOOST_AUTO_TEST_CASE(maximum_concurrency_range) {
  mapping_config m;
  for (std::int64_t bad : {1, 1001}) {
    m.maximum_concurrency = bad;
    BOOST_TEST(error_of(m, {}, false, 30 * k_s) != "", bad);
  }
  for (std::int64_t ok : {2, 1000}) {
    m.maximum_concurrency = ok;
    BOOST_TEST(error_of(m, {}, false, 30 * k_s) == "", ok);
  }
}

// CreateFunction: Timeout default 3 s, 1-900 s; MemorySize default 128.
BOOST_AUTO_TEST_CASE(function_defaults_and_timeout_range) {
  function_config f;
  BOOST_TEST(f.timeout_us == 3 * k_s);
  BOOST_TEST(f.memory_mb == 128);
  BOOST_TEST(!models::lambda::validate_function(f));
  f.timeout_us = 901 * k_s;
  BOOST_TEST(models::lambda::validate_function(f).has_value());
  f.timeout_us = 0;
  BOOST_TEST(models::lambda::validate_function(f).has_value());
}

// with-sqs-filtering.html: {"Filters": [{"Pattern": "<JSON>"}]}, 5 filters per mapping by
// default, a pattern at most 4,096 characters.
BOOST_AUTO_TEST_CASE(filter_criteria_shape_and_limits) {
  using models::lambda::validate_filter_criteria;
  using nlohmann::json;
  const json one{{"Pattern", R"({"body": {"status": ["Stopping"]}})"}};
  BOOST_TEST(!validate_filter_criteria(json{{"Filters", json::array({one})}}));
  BOOST_TEST(
      validate_filter_criteria(json{{"Filters", json::array({one, one, one, one, one, one})}})
          .has_value());
  BOOST_TEST(validate_filter_criteria(
                 json{{"Filters", json::array({json{{"Pattern", std::string(4097, ' ')}}})}})
                 .has_value());
  BOOST_TEST(validate_filter_criteria(json{{"Filters", json::array({json{{"Pattern", "nope"}}})}})
                 .has_value());
}

BOOST_AUTO_TEST_SUITE_END()

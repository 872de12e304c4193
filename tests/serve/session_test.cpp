// The serve session: what a client sees through the calls the server makes, with no sockets.
#include "serve/session.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>

using nlohmann::json;

namespace {

scenarios::scenario empty_world() {
  return scenarios::parse_scenario(serve::empty_scenario_document(), "<test>");
}

struct client {
  serve::session s{empty_world(), nullptr, true};

  models::api_result sagemaker(const std::string& op, const json& params) {
    std::optional<models::api_result> out;
    s.submit(wire::call{wire::protocol::sagemaker_json, op, params},
             [&](const models::api_result& r) { out = r; });
    BOOST_TEST_REQUIRE(out.has_value());
    return *out;
  }
  models::api_result sqs(const std::string& op, const json& params) {
    std::optional<models::api_result> out;
    s.submit(wire::call{wire::protocol::sqs_json, op, params},
             [&](const models::api_result& r) { out = r; });
    BOOST_TEST_REQUIRE(out.has_value());
    return *out;
  }
};

const std::string k_queue = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs";

std::string definition() {
  return json{{"Version", "2020-12-01"},
              {"Steps",
               {{{"Name", "Train"},
                 {"Type", "Callback"},
                 {"SqsQueueUrl", k_queue},
                 {"Arguments", json::object()},
                 {"OutputParameters", json::array()}}}}}
      .dump();
}

json create_request(const std::string& name, const std::string& token) {
  return {{"PipelineName", name},
          {"RoleArn", "arn:aws:iam::123456789012:role/p"},
          {"PipelineDefinition", definition()},
          {"ClientRequestToken", token}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_test)

BOOST_AUTO_TEST_CASE(pipeline_lifecycle) {
  client c;
  const models::api_result created = c.sagemaker("CreatePipeline", create_request("p", "token-1"));
  BOOST_TEST_REQUIRE(created.ok());
  const std::string arn = created.response.at("PipelineArn");
  BOOST_TEST(arn == "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p");
  // The same request again (same token) is an idempotent retry; another token is a conflict.
  BOOST_TEST(
      c.sagemaker("CreatePipeline", create_request("p", "token-1")).response.at("PipelineArn") ==
      arn);
  const models::api_result again = c.sagemaker("CreatePipeline", create_request("p", "token-2"));
  BOOST_TEST_REQUIRE(!again.ok());
  BOOST_TEST(again.error->code == "ValidationException");

  const models::api_result described = c.sagemaker("DescribePipeline", {{"PipelineName", arn}});
  BOOST_TEST_REQUIRE(described.ok());
  BOOST_TEST(described.response.at("PipelineStatus") == "Active");
  BOOST_TEST(described.response.at("PipelineDefinition") == definition());
  BOOST_TEST(described.response.at("CreationTime").get<double>() == 1767225600.0);

  BOOST_TEST(
      c.sagemaker("UpdatePipeline", {{"PipelineName", "p"}, {"PipelineDescription", "d"}}).ok());
  BOOST_TEST(
      c.sagemaker("DescribePipeline", {{"PipelineName", "p"}}).response.at("PipelineDescription") ==
      "d");
  BOOST_TEST(c.sagemaker("UpdatePipeline", {{"PipelineName", "nope"}}).error->code ==
             "ResourceNotFound");

  BOOST_TEST(c.sagemaker("CreatePipeline", create_request("q", "token-3")).ok());
  const json names = c.sagemaker("ListPipelines", {{"SortBy", "Name"}, {"SortOrder", "Ascending"}})
                         .response.at("PipelineSummaries");
  BOOST_TEST_REQUIRE(names.size() == 2U);
  BOOST_TEST(names[0].at("PipelineName") == "p");
  const json page = c.sagemaker("ListPipelines", {{"MaxResults", 1}}).response;
  BOOST_TEST(page.at("PipelineSummaries").size() == 1U);
  BOOST_TEST(page.at("NextToken") == "1");
  BOOST_TEST(c.sagemaker("ListPipelines", {{"SortBy", "Size"}}).error->code ==
             "ValidationException");

  BOOST_TEST(
      c.sagemaker("DeletePipeline", {{"PipelineName", "p"}, {"ClientRequestToken", "t"}}).ok());
  BOOST_TEST(c.sagemaker("DescribePipeline", {{"PipelineName", "p"}}).error->code ==
             "ResourceNotFound");
  BOOST_TEST(
      c.sagemaker("StartPipelineExecution", {{"PipelineName", "p"}, {"ClientRequestToken", "x"}})
          .error->code == "ResourceNotFound");
}

BOOST_AUTO_TEST_CASE(create_pipeline_validates_its_request) {
  client c;
  json no_role = create_request("p", "t");
  no_role.erase("RoleArn");
  BOOST_TEST(c.sagemaker("CreatePipeline", no_role).error->code == "ValidationException");
  json s3 = create_request("p", "t");
  s3.erase("PipelineDefinition");
  s3["PipelineDefinitionS3Location"] = {{"Bucket", "b"}, {"ObjectKey", "k"}};
  BOOST_TEST(c.sagemaker("CreatePipeline", s3).error->code == "ValidationException");
  json bad = create_request("p", "t");
  bad["PipelineDefinition"] = "{\"Steps\": 3}";
  BOOST_TEST(c.sagemaker("CreatePipeline", bad).error->code == "ValidationException");
  bad["PipelineDefinition"] = "not json";
  BOOST_TEST(c.sagemaker("CreatePipeline", bad).error->code == "ValidationException");
}

BOOST_AUTO_TEST_CASE(a_long_poll_parks_until_virtual_time_answers_it) {
  client c;
  BOOST_TEST_REQUIRE(c.sqs("CreateQueue", {{"QueueName", "jobs"}}).ok());
  std::optional<models::api_result> answer;
  const bool now = c.s.submit(wire::call{wire::protocol::sqs_json,
                                         "ReceiveMessage",
                                         {{"QueueUrl", k_queue}, {"WaitTimeSeconds", 20}}},
                              [&](const models::api_result& r) { answer = r; });
  BOOST_TEST(!now);
  BOOST_TEST(c.s.parked() == 1U);
  c.s.advance_to(19 * sim::k_second_us);
  BOOST_TEST(!answer.has_value());
  c.s.advance_to(20 * sim::k_second_us);
  BOOST_TEST_REQUIRE(answer.has_value());
  BOOST_TEST(answer->ok());
  BOOST_TEST(!answer->response.contains("Messages"));
  BOOST_TEST(c.s.parked() == 0U);
  BOOST_TEST(c.s.now() == 20 * sim::k_second_us);
}

BOOST_AUTO_TEST_CASE(the_same_inputs_give_the_same_trace) {
  const auto session_lines = [] {
    client c;
    c.sqs("CreateQueue", {{"QueueName", "jobs"}});
    c.sagemaker("CreatePipeline", create_request("p", "token-1"));
    c.sagemaker("StartPipelineExecution",
                {{"PipelineName", "p"}, {"ClientRequestToken", "start-1"}});
    c.s.advance_to(sim::k_minute_us);
    c.sqs("ReceiveMessage", {{"QueueUrl", k_queue}});
    c.s.advance_until_idle();
    return c.s.trace_lines();
  };
  const std::vector<std::string> a = session_lines();
  const std::vector<std::string> b = session_lines();
  BOOST_TEST(a.size() > 5U);
  BOOST_TEST(a == b);
}

BOOST_AUTO_TEST_CASE(a_scenario_runs_its_actions_and_consumers_and_time_goes_on_after_quiescence) {
  const scenarios::scenario sc =
      scenarios::load_scenario(PIPESIM_SOURCE_DIR "/scenarios/library/stop_during_callback.json");
  serve::session s(sc, nullptr);
  s.advance_until_idle();
  const json report = s.report_json();
  BOOST_TEST(report.at("executions").at("run").at("status") == "Stopped");
  BOOST_TEST(report.at("ok") == true);
  // The world is quiescent but its consumer keeps polling: the auto clock's steps still end.
  const sim::time_us quiet = s.now();
  for (int i = 0; i < 5; ++i) BOOST_TEST(s.advance_to_next_event());
  BOOST_TEST(s.now() > quiet);
  BOOST_TEST(s.now() <= quiet + 5 * 20 * sim::k_second_us);  // at most one 20 s poll per step
  s.advance_to(quiet + sim::k_hour_us);
  BOOST_TEST(s.now() == quiet + sim::k_hour_us);
}

BOOST_AUTO_TEST_SUITE_END()

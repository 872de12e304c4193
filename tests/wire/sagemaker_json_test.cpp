// SageMaker awsJson1_1: X-Amz-Target SageMaker.<Op>, JSON bodies, timestamps as epoch seconds
// (JSON numbers), errors as {"__type", "message"} with HTTP 400 (member names from
// github.com/boto/botocore botocore/data/sagemaker/2017-07-24/service-2.json).
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

using nlohmann::json;
using wire_test::sagemaker;
using wire_test::sqs_json;
using wire_test::world;

namespace {

json definition() {
  return {{"Version", "2020-12-01"},
          {"Steps",
           {{{"Name", "Wait"},
             {"Type", "Callback"},
             {"SqsQueueUrl", "https://sqs.us-east-1.amazonaws.com/123456789012/callbacks"},
             {"Arguments", json::object()},
             {"OutputParameters", json::array()}}}}};
}

struct pipeline_world : world {
  pipeline_world() {
    send(sqs_json("CreateQueue", {{"QueueName", "callbacks"}}));
    sagemaker.create_pipeline("train", definition());
  }
  std::string start() {
    const json r = send_json(
        wire_test::sagemaker("StartPipelineExecution",
                             {{"PipelineName", "train"},
                              {"ClientRequestToken", "0123456789abcdef0123456789abcdef-0001"}}));
    s.run(sim::run_limits{s.now() + sim::k_minute_us});
    return r.at("PipelineExecutionArn");
  }
  json receive() {
    return send_json(
        sqs_json("ReceiveMessage", {{"QueueUrl", "http://127.0.0.1:4566/123456789012/callbacks"}}));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sagemaker_json_test)

BOOST_AUTO_TEST_CASE(start_describe_list_and_answer_a_callback) {
  pipeline_world w;
  const std::string arn = w.start();
  BOOST_TEST(arn.find("arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/") == 0U);

  const wire::http_response d =
      w.send(sagemaker("DescribePipelineExecution", {{"PipelineExecutionArn", arn}}));
  BOOST_TEST(d.status == 200);
  BOOST_TEST(d.header_value("content-type") == "application/x-amz-json-1.1");
  BOOST_TEST(!d.header_value("x-amzn-RequestId").empty());
  const json described = json::parse(d.body);
  BOOST_TEST(described.at("PipelineExecutionStatus") == "Executing");
  // awsJson timestamps: epoch seconds as a number (virtual time 0 = 2026-01-01T00:00:00Z).
  BOOST_TEST(described.at("CreationTime").is_number());
  BOOST_TEST(described.at("CreationTime").get<double>() == 1767225600.0);

  const json listed = w.send_json(sagemaker("ListPipelineExecutions", {{"PipelineName", "train"}}));
  BOOST_TEST(listed.at("PipelineExecutionSummaries").size() == 1U);
  BOOST_TEST(listed["PipelineExecutionSummaries"][0].at("PipelineExecutionArn") == arn);

  const json steps =
      w.send_json(sagemaker("ListPipelineExecutionSteps", {{"PipelineExecutionArn", arn}}));
  const json& callback = steps.at("PipelineExecutionSteps")[0].at("Metadata").at("Callback");
  // The queue URL a consumer reads here points at this endpoint.
  BOOST_TEST(callback.at("SqsQueueUrl") == "http://127.0.0.1:4566/123456789012/callbacks");

  const json message = w.receive();
  BOOST_TEST_REQUIRE(message.at("Messages").size() == 1U);
  const json body = json::parse(message["Messages"][0].at("Body").get<std::string>());
  const std::string token = body.at("token");
  BOOST_TEST(token == callback.at("CallbackToken"));

  const json answered =
      w.send_json(sagemaker("SendPipelineExecutionStepSuccess",
                            {{"CallbackToken", token}, {"OutputParameters", json::array()}}));
  BOOST_TEST(answered.at("PipelineExecutionArn") == arn);
}

BOOST_AUTO_TEST_CASE(stop_sends_the_stopping_message_and_failure_ends_it_stopped) {
  pipeline_world w;
  const std::string arn = w.start();
  const json first = w.receive();
  const std::string token =
      json::parse(first["Messages"][0]["Body"].get<std::string>()).at("token");
  const json stopped = w.send_json(sagemaker(
      "StopPipelineExecution", {{"PipelineExecutionArn", arn},
                                {"ClientRequestToken", "0123456789abcdef0123456789abcdef-0002"}}));
  BOOST_TEST(stopped.at("PipelineExecutionArn") == arn);
  w.s.run(sim::run_limits{w.s.now() + sim::k_minute_us});
  const json again = w.receive();
  BOOST_TEST_REQUIRE(again.at("Messages").size() == 1U);
  const json stopping = json::parse(again["Messages"][0]["Body"].get<std::string>());
  BOOST_TEST(stopping.at("status") == "Stopping");
  BOOST_TEST(stopping.at("token") == token);
  BOOST_TEST(w.send(sagemaker("SendPipelineExecutionStepFailure",
                              {{"CallbackToken", token}, {"FailureReason", "stopped"}}))
                 .status == 200);
  w.s.run(sim::run_limits{w.s.now() + sim::k_minute_us});
  BOOST_TEST(w.send_json(sagemaker("DescribePipelineExecution", {{"PipelineExecutionArn", arn}}))
                 .at("PipelineExecutionStatus") == "Stopped");
}

BOOST_AUTO_TEST_CASE(errors) {
  pipeline_world w;
  const wire::http_response missing = w.send(
      sagemaker("DescribePipelineExecution",
                {{"PipelineExecutionArn",
                  "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/nope"}}));
  BOOST_TEST(missing.status == 400);
  BOOST_TEST(json::parse(missing.body).at("__type") == "ResourceNotFound");
  BOOST_TEST(json::parse(missing.body).contains("message"));
  // No x-amzn-query-error: SageMaker is not query-compatible.
  BOOST_TEST(missing.header_value("x-amzn-query-error").empty());

  const wire::http_response invalid =
      w.send(sagemaker("SendPipelineExecutionStepSuccess", {{"CallbackToken", "short"}}));
  BOOST_TEST(invalid.status == 400);
  BOOST_TEST(json::parse(invalid.body).at("__type") == "ValidationException");

  const wire::http_response retry = w.send(sagemaker(
      "RetryPipelineExecution", {{"PipelineExecutionArn", w.start()},
                                 {"ClientRequestToken", "0123456789abcdef0123456789abcdef-0003"}}));
  BOOST_TEST(retry.status == 400);

  const wire::http_response unknown = w.send(sagemaker("CreateTrainingJob", json::object()));
  BOOST_TEST(unknown.status == 400);
  BOOST_TEST(json::parse(unknown.body).at("__type") == "UnknownOperationException");

  wire::http_request bad = sagemaker("ListPipelineExecutions", json::object());
  bad.body = "[1,2";
  const wire::http_response serialization = w.send(bad);
  BOOST_TEST(serialization.status == 400);
  BOOST_TEST(json::parse(serialization.body).at("__type") == "SerializationException");
}

BOOST_AUTO_TEST_SUITE_END()

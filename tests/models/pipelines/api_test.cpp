// The SageMaker API surface: member names, constraints from the botocore model [M] (sources:
// models/pipelines/README.md), error codes, idempotent ClientRequestToken, pagination and
// timestamps.
#include "support.hpp"

#include <boost/test/unit_test.hpp>

using namespace pipelines_test;
using scenarios::parse_behaviour;

namespace {
const sim::time_us k_s = sim::k_second_us;

void simple(world& w) {
  w.svc.create_pipeline(
      "p",
      definition(json::array({job_step("J")}),
                 json::array({{{"Name", "N"}, {"Type", "Integer"}, {"DefaultValue", 1}}})),
      parse_behaviour({{"J", {{"duration", "10s"}}}}));
}

std::string error_code(const models::api_result& r) { return r.ok() ? "ok" : r.error->code; }

json start_request(const json& extra = json::object()) {
  json r = {{"PipelineName", "p"}, {"ClientRequestToken", token(1)}};
  r.update(extra);
  return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(api_test)

BOOST_AUTO_TEST_CASE(start_validates_each_member) {
  world w;
  simple(w);
  auto err = [&](const json& extra) {
    return w.call("StartPipelineExecution", start_request(extra));
  };
  auto r = w.call("StartPipelineExecution", {{"ClientRequestToken", token(1)}});
  BOOST_TEST(r.error->message.find("Value null at 'pipelineName'") != std::string::npos);
  r = err({{"PipelineName", "bad_name"}});
  BOOST_TEST(r.error->message.find("regular expression pattern") != std::string::npos);
  r = err({{"PipelineName", std::string(2049, 'a')}});
  BOOST_TEST(r.error->message.find("less than or equal to 2048") != std::string::npos);
  r = err({{"PipelineExecutionDisplayName", std::string(83, 'a')}});
  BOOST_TEST(r.error->message.find("'pipelineExecutionDisplayName'") != std::string::npos);
  r = err({{"PipelineExecutionDisplayName", "-x"}});
  BOOST_TEST(r.error->code == "ValidationException");
  r = err({{"PipelineExecutionDescription", std::string(3073, 'd')}});
  BOOST_TEST(r.error->message.find("3072") != std::string::npos);
  r = err({{"ClientRequestToken", std::string(31, 't')}});
  BOOST_TEST(r.error->message.find("greater than or equal to 32") != std::string::npos);
  r = err({{"ParallelismConfiguration", {{"MaxParallelExecutionSteps", 0}}}});
  BOOST_TEST(r.error->message.find("greater than or equal to 1") != std::string::npos);
  r = err({{"PipelineParameters", {{{"Name", "bad name"}, {"Value", "1"}}}}});
  BOOST_TEST(r.error->message.find("'name'") != std::string::npos);
  r = err({{"PipelineParameters", {{{"Name", "N"}, {"Value", std::string(1025, '1')}}}}});
  BOOST_TEST(r.error->message.find("1024") != std::string::npos);
  json many = json::array();
  for (int i = 0; i < 201; ++i) many.push_back({{"Name", "N"}, {"Value", "1"}});
  BOOST_TEST(error_code(err({{"PipelineParameters", many}})) == "ValidationException");
  BOOST_TEST(error_code(err({{"PipelineParameters", {{{"Name", "Zzz"}, {"Value", "1"}}}}})) ==
             "ValidationException");
  BOOST_TEST(error_code(err({{"PipelineParameters", {{{"Name", "N"}, {"Value", "one"}}}}})) ==
             "ValidationException");
  BOOST_TEST(w.svc.execution_arns().empty());
}

BOOST_AUTO_TEST_CASE(unknown_pipeline_and_execution_get_resource_not_found) {
  world w;
  BOOST_TEST(error_code(w.call("StartPipelineExecution", start_request())) == "ResourceNotFound");
  const std::string arn =
      "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/zzzzzzzzzzzz";
  BOOST_TEST(error_code(w.call("DescribePipelineExecution", {{"PipelineExecutionArn", arn}})) ==
             "ResourceNotFound");
  BOOST_TEST(error_code(w.call("ListPipelineExecutionSteps", {{"PipelineExecutionArn", arn}})) ==
             "ResourceNotFound");
  BOOST_TEST(error_code(w.call("ListPipelineExecutions", {{"PipelineName", "nope"}})) ==
             "ResourceNotFound");
  BOOST_TEST(error_code(w.call("RetryPipelineExecution", {{"PipelineExecutionArn", arn},
                                                          {"ClientRequestToken", token(1)}})) ==
             "ResourceNotFound");
  BOOST_TEST(error_code(w.call("DescribePipelineExecution", {{"PipelineExecutionArn", "x"}})) ==
             "ValidationException");
  BOOST_TEST(error_code(w.call("DeletePipeline", json::object())) == "UnknownOperationException");
}

// PipelineExecutionArn pattern [M]:
// arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:pipeline\/.*\/execution\/.*
BOOST_AUTO_TEST_CASE(execution_arn_pattern_edges) {
  world w;
  auto code = [&](const std::string& arn) {
    return error_code(w.call("DescribePipelineExecution", {{"PipelineExecutionArn", arn}}));
  };
  BOOST_TEST(code("arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/x") ==
             "ResourceNotFound");
  BOOST_TEST(code("arn:aws-cn:sagemaker:cn-north-1:123456789012:pipeline/p/execution/x") ==
             "ResourceNotFound");
  BOOST_TEST(code("arn:aws:sagemaker::123456789012:pipeline//execution/") == "ResourceNotFound");
  BOOST_TEST(code("arn:aws:sagemaker:us-east-1:123456789012:pipeline/execution/x") ==
             "ValidationException");
  BOOST_TEST(code("arn:aws:sagemaker:us-east-1:12345678901:pipeline/p/execution/x") ==
             "ValidationException");
  BOOST_TEST(code("arn:aws:sagemaker:US-EAST-1:123456789012:pipeline/p/execution/x") ==
             "ValidationException");
  BOOST_TEST(code("arn:aws:lambda:us-east-1:123456789012:pipeline/p/execution/x") ==
             "ValidationException");
  BOOST_TEST(code("") == "ValidationException");
}

BOOST_AUTO_TEST_CASE(start_is_idempotent_per_client_request_token) {
  world w;
  simple(w);
  const auto a = w.call("StartPipelineExecution", start_request());
  const auto b = w.call("StartPipelineExecution", start_request());
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a.response == b.response);
  BOOST_TEST(w.svc.execution_arns().size() == 1u);
  const auto c =
      w.call("StartPipelineExecution", start_request({{"PipelineExecutionDescription", "other"}}));
  BOOST_TEST(error_code(c) == "ConflictException");  // knob idempotency.parameter_mismatch
  world v(json{{"idempotency.parameter_mismatch", "return_original"}});
  simple(v);
  const auto d = v.call("StartPipelineExecution", start_request());
  BOOST_TEST(
      v.call("StartPipelineExecution", start_request({{"PipelineExecutionDescription", "x"}}))
          .response == d.response);
  // The PipelineName may be the pipeline ARN.
  BOOST_TEST(
      w.call("StartPipelineExecution",
             start_request({{"PipelineName", "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p"},
                            {"ClientRequestToken", token(2)}}))
          .ok());
}

BOOST_AUTO_TEST_CASE(idempotency_scope_and_lifetime_knobs) {
  world w(json{{"idempotency.scope", "account"}, {"idempotency.token_lifetime", "1h"}});
  simple(w);
  const auto a = w.call("StartPipelineExecution", start_request());
  BOOST_REQUIRE(a.ok());
  const std::string arn = a.response["PipelineExecutionArn"];
  // The Start token reused for Stop: a different request under the same account-wide token.
  BOOST_TEST(error_code(w.stop(arn, token(1))) == "ConflictException");
  w.run_for(2 * sim::k_hour_us);
  // After the lifetime the token is new again: a second execution starts.
  const auto b = w.call("StartPipelineExecution", start_request());
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(b.response != a.response);
  world per_op;  // default: per operation, kept for the whole run
  simple(per_op);
  const auto c = per_op.call("StartPipelineExecution", start_request());
  BOOST_TEST(per_op.stop(c.response["PipelineExecutionArn"], token(1)).ok());
}

BOOST_AUTO_TEST_CASE(describe_reports_aws_members_and_virtual_timestamps) {
  world w;
  simple(w);
  w.run_for(5 * k_s);
  const std::string arn =
      w.start("p", {{"PipelineExecutionDescription", "d"},
                    {"ParallelismConfiguration", {{"MaxParallelExecutionSteps", 2}}}});
  w.run();
  const auto r = w.call("DescribePipelineExecution", {{"PipelineExecutionArn", arn}});
  const json& d = r.response;
  BOOST_TEST(d["PipelineArn"] == "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p");
  BOOST_TEST(d["PipelineExecutionArn"] == arn);
  BOOST_TEST(d["PipelineExecutionStatus"] == "Succeeded");
  BOOST_TEST(d["PipelineExecutionDescription"] == "d");
  BOOST_TEST(d["CreationTime"].get<double>() == 1767225605.0);  // epoch + 5 s of virtual time
  BOOST_TEST(d["LastModifiedTime"].get<double>() == 1767225615.0);
  BOOST_TEST(d["PipelineExecutionDisplayName"] == "execution-1767225605000");
  BOOST_TEST(d["ParallelismConfiguration"]["MaxParallelExecutionSteps"] == 2);
  BOOST_TEST(!d.contains("FailureReason"));
}

BOOST_AUTO_TEST_CASE(list_executions_sorts_filters_and_pages) {
  world w;
  simple(w);
  std::vector<std::string> arns;
  for (int i = 0; i < 5; ++i) {
    arns.push_back(w.start("p"));
    w.run_for(k_s);
  }
  auto r = w.call("ListPipelineExecutions", {{"PipelineName", "p"}, {"MaxResults", 2}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.response["PipelineExecutionSummaries"].size() == 2u);
  BOOST_TEST(r.response["PipelineExecutionSummaries"][0]["PipelineExecutionArn"] == arns[4]);
  json all = r.response["PipelineExecutionSummaries"];
  while (r.response.contains("NextToken")) {
    r = w.call("ListPipelineExecutions",
               {{"PipelineName", "p"}, {"MaxResults", 2}, {"NextToken", r.response["NextToken"]}});
    for (const json& s : r.response["PipelineExecutionSummaries"]) all.push_back(s);
  }
  BOOST_TEST(all.size() == 5u);
  r = w.call("ListPipelineExecutions",
             {{"PipelineName", "p"}, {"SortOrder", "Ascending"}, {"CreatedAfter", 1767225601.5}});
  BOOST_TEST(r.response["PipelineExecutionSummaries"].size() == 3u);
  BOOST_TEST(r.response["PipelineExecutionSummaries"][0]["PipelineExecutionArn"] == arns[2]);
  BOOST_TEST(
      error_code(w.call("ListPipelineExecutions", {{"PipelineName", "p"}, {"MaxResults", 101}})) ==
      "ValidationException");
  BOOST_TEST(
      error_code(w.call("ListPipelineExecutions", {{"PipelineName", "p"}, {"SortBy", "Name"}})) ==
      "ValidationException");
  BOOST_TEST(error_code(w.call("ListPipelineExecutions",
                               {{"PipelineName", "p"}, {"NextToken", "garbage"}})) ==
             "ValidationException");
}

BOOST_AUTO_TEST_CASE(list_steps_pages_and_reports_job_metadata) {
  world w;
  w.svc.create_pipeline("p", definition(json::array({job_step("A"), job_step("B", "Processing"),
                                                     job_step("C", "Transform")})));
  const std::string arn = w.start("p");
  w.run();
  auto r = w.call("ListPipelineExecutionSteps",
                  {{"PipelineExecutionArn", arn}, {"MaxResults", 2}, {"SortOrder", "Ascending"}});
  BOOST_TEST(r.response["PipelineExecutionSteps"].size() == 2u);
  BOOST_TEST(r.response["PipelineExecutionSteps"][0]["Metadata"]["TrainingJob"]["Arn"].is_string());
  BOOST_TEST(r.response["PipelineExecutionSteps"][1]["Metadata"].contains("ProcessingJob"));
  BOOST_TEST(r.response["PipelineExecutionSteps"][1]["StepStatus"] == "Succeeded");
  BOOST_TEST(r.response["PipelineExecutionSteps"][1].contains("EndTime"));
  r = w.call("ListPipelineExecutionSteps", {{"PipelineExecutionArn", arn},
                                            {"MaxResults", 2},
                                            {"SortOrder", "Ascending"},
                                            {"NextToken", r.response["NextToken"]}});
  BOOST_TEST(r.response["PipelineExecutionSteps"][0]["Metadata"].contains("TransformJob"));
  BOOST_TEST(!r.response.contains("NextToken"));
}

BOOST_AUTO_TEST_CASE(concurrent_execution_limit_gives_resource_limit_exceeded) {  // [DG-Quota]
  world w(json{{"execution.max_concurrent", 2}});
  w.svc.create_pipeline("p", definition(json::array({callback_step("CB")})));
  w.start("p");
  w.start("p");
  BOOST_TEST(error_code(w.call("StartPipelineExecution",
                               start_request({{"ClientRequestToken", token(50)}}))) ==
             "ResourceLimitExceeded");
}

BOOST_AUTO_TEST_CASE(retry_validates_and_checks_status) {
  world w;
  w.svc.create_pipeline("p", definition(json::array({callback_step("CB")})));
  const std::string arn = w.start("p");
  auto retry = [&](int t) {
    return w.call("RetryPipelineExecution",
                  {{"PipelineExecutionArn", arn}, {"ClientRequestToken", token(t)}});
  };
  BOOST_TEST(error_code(retry(10)) == "ValidationException");  // still Executing
  BOOST_TEST(error_code(w.call("RetryPipelineExecution", {{"PipelineExecutionArn", arn}})) ==
             "ValidationException");  // token is required
  w.run_for(k_s);
  w.stop(arn, token(11));
  w.succeed(w.step(arn, "CB").callback_token);
  w.run();
  BOOST_TEST(error_code(retry(12)) == "ValidationException");  // Stopped: knob execution.retry_from
}

BOOST_AUTO_TEST_CASE(every_api_call_and_status_change_is_traced) {
  world w;
  simple(w);
  const std::string arn = w.start("p");
  w.run();
  std::string all;
  for (const auto& l : w.sim.trace().lines()) all += l + "\n";
  BOOST_TEST(all.find("\"type\":\"pipeline.api_call\"") != std::string::npos);
  BOOST_TEST(all.find("\"type\":\"pipeline.execution_status\"") != std::string::npos);
  BOOST_TEST(all.find("\"type\":\"pipeline.step_status\"") != std::string::npos);
  BOOST_TEST(all.find("\"to\":\"Succeeded\"") != std::string::npos);
}

// api.server_error_probability: every call answered 5xx; a 500 after the effect did start the
// execution, and a retry with the same ClientRequestToken finds it (idempotency).
BOOST_AUTO_TEST_CASE(server_errors_may_come_after_the_effect) {
  world w(json{{"api.server_error_probability", 1.0}});
  simple(w);
  for (int i = 0; i < 40; ++i) {
    const models::api_result r =
        w.call("StartPipelineExecution", start_request({{"ClientRequestToken", token(i)}}));
    BOOST_TEST_REQUIRE(!r.ok());
    BOOST_TEST((r.error->code == "ServiceUnavailable" || r.error->code == "InternalFailure"));
    BOOST_TEST(r.error->http_status == (r.error->code == "ServiceUnavailable" ? 503 : 500));
    BOOST_TEST(models::pipelines::service::error_codes().count(r.error->code) == 1U);
  }
  std::size_t after_effect = 0;
  for (const sim::choice_record& c : w.sim.choices()) {
    if (c.label == "pipelines.api.server_error.kind") after_effect += c.pick == 2;
  }
  BOOST_TEST(after_effect > 0U);
  BOOST_TEST(after_effect < 40U);
  BOOST_TEST(w.svc.execution_arns().size() == after_effect);
}

BOOST_AUTO_TEST_SUITE_END()

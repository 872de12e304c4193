// Pipeline definitions as the Python SDK exports them, and the errors bad ones get.
#include "models/pipelines/definition.hpp"

#include "support.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace models::pipelines;
using nlohmann::json;

namespace {

// Shaped like sagemaker-python-sdk pipeline.definition() output (trimmed job arguments).
const char* k_sdk_definition = R"({
  "Version": "2020-12-01",
  "Metadata": {},
  "Parameters": [
    {"Name": "InputData", "Type": "String", "DefaultValue": "s3://bucket/input"},
    {"Name": "MseThreshold", "Type": "Float", "DefaultValue": 6.0},
    {"Name": "InstanceCount", "Type": "Integer", "DefaultValue": 1}
  ],
  "PipelineExperimentConfig": {
    "ExperimentName": {"Get": "Execution.PipelineName"},
    "TrialName": {"Get": "Execution.PipelineExecutionId"}
  },
  "Steps": [
    {"Name": "Preprocess", "Type": "Processing",
     "Arguments": {"ProcessingResources": {"ClusterConfig": {
        "InstanceType": "ml.m5.xlarge", "InstanceCount": {"Get": "Parameters.InstanceCount"}}},
        "ProcessingInputs": [{"InputName": "input-1", "S3Input": {"S3Uri": {"Get": "Parameters.InputData"}}}]},
     "RetryPolicies": [{"ExceptionType": ["SageMaker.JOB_INTERNAL_ERROR"], "IntervalSeconds": 2,
                        "BackoffRate": 2.0, "MaxAttempts": 3}]},
    {"Name": "Glue", "Type": "Callback",
     "Arguments": {"input_location": {"Std:Join": {"On": "/", "Values": [{"Get": "Parameters.InputData"}, "raw"]}},
                   "instances": {"Get": "Parameters.InstanceCount"}},
     "DependsOn": ["Preprocess"],
     "SqsQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/glue-queue",
     "OutputParameters": [{"OutputName": "output_location", "OutputType": "String"},
                          {"OutputName": "mse", "OutputType": "Float"}]},
    {"Name": "Train", "Type": "Training",
     "Arguments": {"InputDataConfig": [{"DataSource": {"S3DataSource": {
        "S3Uri": {"Get": "Steps.Glue.OutputParameters['output_location']"}}}}]}},
    {"Name": "CheckMse", "Type": "Condition",
     "Arguments": {
       "Conditions": [{"Type": "LessThanOrEqualTo",
                       "LeftValue": {"Get": "Steps.Glue.OutputParameters['mse']"},
                       "RightValue": {"Get": "Parameters.MseThreshold"}}],
       "IfSteps": [{"Name": "Register", "Type": "RegisterModel", "Arguments": {},
                    "DependsOn": ["Train"]}],
       "ElseSteps": [{"Name": "TooHigh", "Type": "Fail",
                      "Arguments": {"ErrorMessage": {"Std:Join": {"On": " ", "Values": ["MSE above", {"Get": "Parameters.MseThreshold"}]}}}}]}},
    {"Name": "Notify", "Type": "Lambda",
     "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:notify",
     "Arguments": {"model": "x"}, "DependsOn": ["Train"],
     "OutputParameters": [{"OutputName": "status", "OutputType": "String"}]}
  ]
})";

std::string error_of(const json& definition) {
  try {
    parse_definition(definition);
  } catch (const definition_error& e) {
    return e.what();
  }
  return "no error";
}

json minimal(const json& steps) { return {{"Version", "2020-12-01"}, {"Steps", steps}}; }

void expect_error(const json& definition, const std::string& pointer, const std::string& words) {
  const std::string what = error_of(definition);
  BOOST_TEST(what.rfind(pointer + ": ", 0) == 0, what << " (expected pointer " << pointer << ")");
  BOOST_TEST(what.find(words) != std::string::npos, what << " (expected: " << words << ")");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(definition_test)

BOOST_AUTO_TEST_CASE(sdk_shaped_definition_parses_with_dependencies) {
  const pipeline_definition d = parse_definition(json::parse(k_sdk_definition));
  BOOST_TEST(d.version == "2020-12-01");
  BOOST_TEST(d.parameters.size() == 3u);
  BOOST_TEST(d.steps.size() == 7u);  // 5 top-level + 2 branch steps
  const step_def& glue = *d.find("Glue");
  BOOST_TEST(glue.kind == step_kind::callback);
  BOOST_TEST(glue.output_parameters.size() == 2u);
  BOOST_TEST(glue.dependencies == std::vector<std::size_t>{d.index.at("Preprocess")});
  // Get: Steps.Glue... in Train's Arguments is a data dependency.
  BOOST_TEST(d.find("Train")->dependencies == std::vector<std::size_t>{d.index.at("Glue")});
  const step_def& cond = *d.find("CheckMse");
  BOOST_TEST(cond.conditions.size() == 1u);
  BOOST_TEST(cond.dependencies == std::vector<std::size_t>{d.index.at("Glue")});
  const step_def& reg = *d.find("Register");
  BOOST_TEST(reg.branch_of.value() == d.index.at("CheckMse"));
  BOOST_TEST(reg.in_if_branch);
  BOOST_TEST(!d.find("TooHigh")->in_if_branch);
  BOOST_TEST(d.find("Preprocess")->retry_policies.at(0).max_attempts.value() == 3);
  BOOST_TEST(d.find("Notify")->kind == step_kind::lambda);
}

BOOST_AUTO_TEST_CASE(definition_may_be_a_json_string) {
  BOOST_TEST(parse_definition(json(std::string(k_sdk_definition))).steps.size() == 7u);
  expect_error(json(std::string("{\"Version\": ")), "/", "not valid JSON");
  expect_error(json(std::string(1048577, ' ')), "/", "longer than 1048576");
}

BOOST_AUTO_TEST_CASE(retry_policy_defaults_are_documented_ones) {  // [DG-Retry]
  const auto d = parse_definition(minimal(
      json::array({{{"Name", "T"},
                    {"Type", "Training"},
                    {"RetryPolicies", json::array({{{"ExceptionType", {"Step.THROTTLING"}}}})}}})));
  const retry_policy& p = d.steps[0].retry_policies[0];
  BOOST_TEST(p.interval_s == 1);
  BOOST_TEST(p.backoff_rate == 2.0);
  BOOST_TEST(p.max_attempts.value() == 5);
  BOOST_TEST(!p.expire_after_min);
}

BOOST_AUTO_TEST_CASE(bad_definitions_name_the_json_pointer) {
  expect_error(json::array(), "/", "expected a pipeline definition object");
  expect_error({{"Version", "2019-01-01"}, {"Steps", json::array()}}, "/Version",
               "expected \"2020-12-01\"");
  expect_error({{"Steps", json::array()}}, "/Version", "missing");
  expect_error({{"Version", "2020-12-01"}}, "/Steps", "expected an array of steps");
  expect_error(minimal(json::array({{{"Type", "Training"}}})), "/Steps/0/Name", "missing");
  expect_error(minimal(json::array({{{"Name", "bad name!"}, {"Type", "Training"}}})),
               "/Steps/0/Name", "[A-Za-z0-9-_]");
  expect_error(minimal(json::array({{{"Name", "A"}, {"Type", "Quantum"}}})), "/Steps/0/Type",
               "expected a step type");
  expect_error(minimal(json::array(
                   {{{"Name", "A"}, {"Type", "Training"}}, {{"Name", "A"}, {"Type", "Training"}}})),
               "/Steps/1/Name", "duplicate step name");
  expect_error(
      minimal(json::array({{{"Name", "A"}, {"Type", "Training"}, {"DependsOn", {"Nope"}}}})),
      "/Steps/0/DependsOn/0", "unknown step \"Nope\"");
  expect_error(minimal(json::array({{{"Name", "A"},
                                     {"Type", "Training"},
                                     {"Arguments", {{"x", {{"Get", "Steps.Ghost.Prop"}}}}}}})),
               "/Steps/0/Arguments/x/Get", "unknown step \"Ghost\"");
  expect_error(minimal(json::array({{{"Name", "A"}, {"Type", "Training"}, {"DependsOn", {"B"}}},
                                    {{"Name", "B"}, {"Type", "Training"}, {"DependsOn", {"A"}}}})),
               "/Steps/1/DependsOn", "cyclic dependency: A -> B -> A");
  expect_error(minimal(json::array({{{"Name", "C"}, {"Type", "Callback"}}})),
               "/Steps/0/SqsQueueUrl", "missing");
  expect_error(
      minimal(json::array(
          {{{"Name", "C"}, {"Type", "Callback"}, {"SqsQueueUrl", std::string(257, 'q')}}})),
      "/Steps/0/SqsQueueUrl", "1-256");
  expect_error(minimal(json::array(
                   {{{"Name", "C"},
                     {"Type", "Callback"},
                     {"SqsQueueUrl", "u"},
                     {"OutputParameters", {{{"OutputName", "o"}, {"OutputType", "Map"}}}}}})),
               "/Steps/0/OutputParameters/0/OutputType", "String, Integer, Boolean or Float");
  expect_error(minimal(json::array({{{"Name", "C"},
                                     {"Type", "Callback"},
                                     {"SqsQueueUrl", "u"},
                                     {"RetryPolicies", json::array()}}})),
               "/Steps/0/RetryPolicies", "not allowed on a Callback step");
  expect_error(minimal(json::array({{{"Name", "L"},
                                     {"Type", "Lambda"},
                                     {"FunctionArn", "f"},
                                     {"RetryPolicies", json::array()}}})),
               "/Steps/0/RetryPolicies", "not allowed on a Lambda step");
  expect_error(minimal(json::array({{{"Name", "L"}, {"Type", "Lambda"}}})), "/Steps/0/FunctionArn",
               "missing");
  expect_error(minimal(json::array({{{"Name", "F"}, {"Type", "Fail"}},
                                    {{"Name", "A"}, {"Type", "Training"}, {"DependsOn", {"F"}}}})),
               "/Steps/1/DependsOn/0", "Fail step cannot be depended on");
  expect_error({{"Version", "2020-12-01"},
                {"Parameters", {{{"Name", "P"}, {"Type", "Map"}}}},
                {"Steps", json::array()}},
               "/Parameters/0/Type", "String, Integer, Float or Boolean");
}

BOOST_AUTO_TEST_CASE(bad_retry_policies_name_the_field) {  // limits from [DG-Retry]
  auto with = [](const json& policy) {
    return minimal(json::array(
        {{{"Name", "T"}, {"Type", "Processing"}, {"RetryPolicies", json::array({policy})}}}));
  };
  const json types = {"SageMaker.CAPACITY_ERROR"};
  expect_error(with({{"ExceptionType", types}, {"IntervalSeconds", 43201}}),
               "/Steps/0/RetryPolicies/0/IntervalSeconds", "[1, 43200]");
  expect_error(with({{"ExceptionType", types}, {"MaxAttempts", 21}}),
               "/Steps/0/RetryPolicies/0/MaxAttempts", "[0, 20]");
  expect_error(with({{"ExceptionType", types}, {"ExpireAfterMin", 14401}}),
               "/Steps/0/RetryPolicies/0/ExpireAfterMin", "[0, 14400]");
  expect_error(with({{"ExceptionType", types}, {"MaxAttempts", 2}, {"ExpireAfterMin", 5}}),
               "/Steps/0/RetryPolicies/0", "mutually exclusive");
  expect_error(with({{"ExceptionType", {"Step.OOPS"}}}), "/Steps/0/RetryPolicies/0/ExceptionType/0",
               "expected one of");
}

BOOST_AUTO_TEST_CASE(bad_conditions_name_the_field) {
  auto cond = [](const json& c) {
    return minimal(json::array({{{"Name", "C"},
                                 {"Type", "Condition"},
                                 {"Arguments", {{"Conditions", json::array({c})}}}}}));
  };
  expect_error(cond({{"Type", "Sort of"}}), "/Steps/0/Arguments/Conditions/0/Type",
               "expected Equals");
  expect_error(cond({{"Type", "Equals"}, {"LeftValue", 1}}),
               "/Steps/0/Arguments/Conditions/0/RightValue", "missing");
  expect_error(cond({{"Type", "Not"}}), "/Steps/0/Arguments/Conditions/0/Expression", "missing");
  // Nested Condition steps are not allowed [DG-Steps].
  expect_error(minimal(json::array({{{"Name", "C"},
                                     {"Type", "Condition"},
                                     {"Arguments",
                                      {{"Conditions", json::array()},
                                       {"IfSteps",
                                        {{{"Name", "D"},
                                          {"Type", "Condition"},
                                          {"Arguments", {{"Conditions", json::array()}}}}}}}}}})),
               "/Steps/0/Arguments/IfSteps/0", "cannot be nested");
}

BOOST_AUTO_TEST_CASE(conditions_evaluate_standard_types) {
  std::map<std::string, json> params{{"n", 5}, {"s", "abc"}, {"f", 0.5}};
  resolution_context ctx;
  ctx.parameters = &params;
  auto holds = [&](const json& c) {
    const auto d = parse_definition(
        minimal(json::array({{{"Name", "C"},
                              {"Type", "Condition"},
                              {"Arguments", {{"Conditions", json::array({c})}}}}})));
    return evaluate(d.steps[0].conditions, ctx);
  };
  const json n = {{"Get", "Parameters.n"}};
  BOOST_TEST(holds({{"Type", "Equals"}, {"LeftValue", n}, {"RightValue", 5}}));
  BOOST_TEST(holds({{"Type", "ConditionEquals"},
                    {"LeftValue", {{"Get", "Parameters.s"}}},
                    {"RightValue", "abc"}}));
  BOOST_TEST(holds({{"Type", "GreaterThan"}, {"LeftValue", n}, {"RightValue", 4}}));
  BOOST_TEST(!holds({{"Type", "GreaterThan"}, {"LeftValue", n}, {"RightValue", 5}}));
  BOOST_TEST(holds({{"Type", "GreaterThanOrEqualTo"}, {"LeftValue", n}, {"RightValue", 5}}));
  BOOST_TEST(
      holds({{"Type", "LessThan"}, {"LeftValue", {{"Get", "Parameters.f"}}}, {"RightValue", 1}}));
  BOOST_TEST(holds({{"Type", "LessThanOrEqualTo"}, {"LeftValue", n}, {"RightValue", "5"}}));
  BOOST_TEST(holds({{"Type", "In"}, {"QueryValue", n}, {"Values", {1, 5, 9}}}));
  BOOST_TEST(!holds({{"Type", "In"}, {"QueryValue", n}, {"Values", {1, 9}}}));
  BOOST_TEST(holds({{"Type", "Not"},
                    {"Expression", {{"Type", "Equals"}, {"LeftValue", n}, {"RightValue", 6}}}}));
  BOOST_TEST(holds({{"Type", "Or"},
                    {"Conditions",
                     {{{"Type", "Equals"}, {"LeftValue", n}, {"RightValue", 6}},
                      {{"Type", "Equals"}, {"LeftValue", n}, {"RightValue", 5}}}}}));
  BOOST_CHECK_THROW(
      holds(
          {{"Type", "GreaterThan"}, {"LeftValue", {{"Get", "Parameters.zz"}}}, {"RightValue", 1}}),
      definition_error);
}

BOOST_AUTO_TEST_CASE(expressions_resolve_or_pass_through) {
  std::map<std::string, json> params{{"P", "s3://b"}};
  std::map<std::string, std::map<std::string, json>> props{{"S", {{"OutputParameters['o']", "v"}}}};
  resolution_context ctx;
  ctx.parameters = &params;
  ctx.step_properties = &props;
  ctx.execution = {{"PipelineExecutionId", "abc"}};
  const json in = {
      {"a", {{"Get", "Parameters.P"}}},
      {"b", {{"Std:Join", {{"On", "/"}, {"Values", {{{"Get", "Parameters.P"}}, "k", 3}}}}}},
      {"c", {{"Get", "Steps.S.OutputParameters['o']"}}},
      {"d", {{"Get", "Steps.S.Unknown"}}},
      {"e", {{"Get", "Execution.PipelineExecutionId"}}},
      {"f", json::array({{{"Get", "Parameters.P"}}})}};
  const json out = resolve(in, ctx);
  BOOST_TEST(out["a"] == "s3://b");
  BOOST_TEST(out["b"] == "s3://b/k/3");
  BOOST_TEST(out["c"] == "v");
  BOOST_TEST(out["d"] == in["d"]);  // unresolvable: as written
  BOOST_TEST(out["e"] == "abc");
  BOOST_TEST(out["f"][0] == "s3://b");
}

BOOST_AUTO_TEST_CASE(json_get_reads_a_property_file_value_from_the_behaviour_map) {
  std::map<std::string, std::map<std::string, json>> props{
      {"Eval", {{"PropertyFiles.Report:metrics.mse.value", 4.5}}}};
  resolution_context ctx;
  ctx.step_properties = &props;
  const json get = {{"Std:JsonGet",
                     {{"PropertyFile", {{"Get", "Steps.Eval.PropertyFiles.Report"}}},
                      {"Path", "metrics.mse.value"}}}};
  BOOST_TEST(resolve(get, ctx) == 4.5);
  const json missing = {
      {"Std:JsonGet",
       {{"PropertyFile", {{"Get", "Steps.Eval.PropertyFiles.Other"}}}, {"Path", "x"}}}};
  BOOST_TEST(resolve(missing, ctx) == missing);  // passed through
}

BOOST_AUTO_TEST_CASE(behaviour_maps_parse_and_reject_bad_members) {
  const auto b = scenarios::parse_behaviour(
      {{"T",
        {{"duration", {{"min", "10s"}, {"max", "1m"}}},
         {"outcome", "Failed"},
         {"failure_reason", "OOM"},
         {"stop_latency", "20s"}}},
       {"L", {{"duration", "30s"}, {"lambda_timeout", "10m"}, {"outputs", {{"r", 1}}}}}});
  BOOST_TEST(b.at("T").duration_max_us == 60 * sim::k_second_us);
  BOOST_TEST(!b.at("T").succeeds);
  BOOST_TEST(b.at("L").lambda_timeout_us == 600 * sim::k_second_us);
  auto err = [](const json& j) {
    try {
      scenarios::parse_behaviour(j);
    } catch (const definition_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  BOOST_TEST(err({{"L", {{"lambda_timeout", "11m"}}}}).rfind("/L/lambda_timeout: ", 0) == 0);
  BOOST_TEST(err({{"T", {{"outcome", "Maybe"}}}}).rfind("/T/outcome: ", 0) == 0);
  BOOST_TEST(err({{"T", {{"duration", "5"}}}}).rfind("/T/duration: ", 0) == 0);
  BOOST_TEST(err({{"T", {{"colour", "red"}}}}).rfind("/T/colour: ", 0) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

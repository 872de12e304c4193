// How executions run their DAG: dependencies, parallelism, retry policies, conditions, Fail
// steps, failure propagation, property flow and RetryPipelineExecution.
#include "support.hpp"

#include <boost/test/unit_test.hpp>

using namespace pipelines_test;
using scenarios::parse_behaviour;

namespace {
const sim::time_us k_s = sim::k_second_us;
}

BOOST_AUTO_TEST_SUITE(scheduling_test)

// [DG-Steps] Steps without dependencies start at once; DependsOn orders without data.
BOOST_AUTO_TEST_CASE(dependencies_order_steps) {
  world w;
  w.svc.create_pipeline(
      "p",
      definition(json::array({job_step("A"), job_step("B", "Training", {"A"}), job_step("C")})),
      parse_behaviour({{"A", {{"duration", "10s"}}},
                       {"B", {{"duration", "5s"}}},
                       {"C", {{"duration", "1s"}}}}));
  const std::string arn = w.start("p");
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::succeeded);
  BOOST_TEST(w.sim.now() == 15 * k_s);
  BOOST_TEST(w.svc.observe(arn).max_running_steps == 2);
}

// [DG-Pipe] MaxParallelExecutionSteps is enforced per execution.
BOOST_AUTO_TEST_CASE(max_parallel_execution_steps_is_enforced) {
  world w;
  json steps = json::array();
  for (const char* n : {"A", "B", "C", "D"}) steps.push_back(job_step(n));
  w.svc.create_pipeline("p", definition(steps),
                        parse_behaviour({{"A", {{"duration", "10s"}}},
                                         {"B", {{"duration", "10s"}}},
                                         {"C", {{"duration", "10s"}}},
                                         {"D", {{"duration", "10s"}}}}));
  const std::string one =
      w.start("p", {{"ParallelismConfiguration", {{"MaxParallelExecutionSteps", 1}}}});
  const std::string two =
      w.start("p", {{"ParallelismConfiguration", {{"MaxParallelExecutionSteps", 2}}}});
  w.run();
  BOOST_TEST(w.svc.observe(one).max_running_steps == 1);
  BOOST_TEST(w.svc.observe(two).max_running_steps == 2);
  BOOST_TEST(w.sim.now() == 40 * k_s);
  // definition order breaks ties (knob parallelism.tie_break)
  BOOST_TEST(w.svc.observe(one).steps[0].name == "A");
  world byname(json{{"parallelism.tie_break", "name"}});
  json rev = json::array({job_step("Z"), job_step("Y")});
  byname.svc.create_pipeline("p", definition(rev), {}, 1);
  const std::string e = byname.start("p");
  byname.run();
  BOOST_TEST(byname.svc.observe(e).steps[0].name == "Y");
}

// [DG-Retry] Retry policies: failed attempts are retried after IntervalSeconds x BackoffRate^n.
BOOST_AUTO_TEST_CASE(retry_policy_retries_with_backoff) {
  world w;
  json step = job_step("T", "Processing");
  step["RetryPolicies"] = json::array({{{"ExceptionType", {"SageMaker.CAPACITY_ERROR"}},
                                        {"IntervalSeconds", 10},
                                        {"BackoffRate", 2.0},
                                        {"MaxAttempts", 3}}});
  w.svc.create_pipeline("p", definition(json::array({step})),
                        parse_behaviour({{"T",
                                          {{"duration", "1s"},
                                           {"failed_attempts", 2},
                                           {"failure_type", "SageMaker.CAPACITY_ERROR"}}}}));
  const std::string arn = w.start("p");
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::succeeded);
  BOOST_TEST(w.step(arn, "T").attempt_count == 3);
  BOOST_TEST(w.sim.now() == (1 + 10 + 1 + 20 + 1) * k_s);
  const auto steps = w.call("ListPipelineExecutionSteps", {{"PipelineExecutionArn", arn}});
  BOOST_TEST(steps.response["PipelineExecutionSteps"][0]["AttemptCount"] == 3);
}

BOOST_AUTO_TEST_CASE(retry_policy_gives_up_after_max_attempts_or_other_exception) {
  world w;
  json step = job_step("T", "Processing");
  step["RetryPolicies"] =
      json::array({{{"ExceptionType", {"SageMaker.CAPACITY_ERROR"}}, {"MaxAttempts", 1}}});
  w.svc.create_pipeline(
      "p", definition(json::array({step})),
      parse_behaviour(
          {{"T", {{"failed_attempts", 5}, {"failure_type", "SageMaker.CAPACITY_ERROR"}}}}));
  const std::string arn = w.start("p");
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::failed);
  BOOST_TEST(w.step(arn, "T").attempt_count == 2);
  w.svc.create_pipeline(
      "q", definition(json::array({step})),
      parse_behaviour(
          {{"T", {{"failed_attempts", 1}, {"failure_type", "SageMaker.JOB_INTERNAL_ERROR"}}}}));
  const std::string arn2 = w.start("q");
  w.run();
  BOOST_TEST(w.status(arn2) == execution_status::failed);
  BOOST_TEST(w.step(arn2, "T").attempt_count == 1);
}

// [DG-Retry] Service faults and throttling are retried by default; a policy naming them overrides.
BOOST_AUTO_TEST_CASE(service_faults_are_retried_by_default) {
  world w;
  w.svc.create_pipeline("p", definition(json::array({job_step("T")})),
                        parse_behaviour({{"T",
                                          {{"duration", "1s"},
                                           {"failed_attempts", 3},
                                           {"failure_type", "Step.SERVICE_FAULT"}}}}));
  const std::string arn = w.start("p");
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::succeeded);
  BOOST_TEST(w.step(arn, "T").attempt_count == 4);
  BOOST_TEST(w.sim.now() == (1 + 1 + 1 + 2 + 1 + 4 + 1) * k_s);
  world none(json{{"retry.default_service_fault_attempts", 0}});
  none.svc.create_pipeline(
      "p", definition(json::array({job_step("T")})),
      parse_behaviour({{"T", {{"failed_attempts", 1}, {"failure_type", "Step.THROTTLING"}}}}));
  const std::string arn2 = none.start("p");
  none.run();
  BOOST_TEST(none.status(arn2) == execution_status::failed);
}

BOOST_AUTO_TEST_CASE(max_attempts_counting_knob) {
  world w(json{{"retry.max_attempts_counts_first_try", true}});
  json step = job_step("T", "Processing");
  step["RetryPolicies"] =
      json::array({{{"ExceptionType", {"SageMaker.CAPACITY_ERROR"}}, {"MaxAttempts", 2}}});
  w.svc.create_pipeline(
      "p", definition(json::array({step})),
      parse_behaviour(
          {{"T", {{"failed_attempts", 5}, {"failure_type", "SageMaker.CAPACITY_ERROR"}}}}));
  const std::string arn = w.start("p");
  w.run();
  BOOST_TEST(w.step(arn, "T").attempt_count == 2);  // the first try and one retry
}

// [DG-Steps] Condition steps run IfSteps or ElseSteps; the other branch never starts.
BOOST_AUTO_TEST_CASE(condition_picks_a_branch) {
  auto run_with = [](int n) {
    world w;
    const json cond = {{"Name", "Check"},
                       {"Type", "Condition"},
                       {"Arguments",
                        {{"Conditions",
                          {{{"Type", "GreaterThanOrEqualTo"},
                            {"LeftValue", {{"Get", "Parameters.N"}}},
                            {"RightValue", 3}}}},
                         {"IfSteps", {job_step("Big")}},
                         {"ElseSteps", {job_step("Small")}}}}};
    w.svc.create_pipeline("p",
                          definition(json::array({cond, job_step("After", "Training", {"Big"})}),
                                     json::array({{{"Name", "N"}, {"Type", "Integer"}}})));
    const std::string arn =
        w.start("p", {{"PipelineParameters", {{{"Name", "N"}, {"Value", std::to_string(n)}}}}});
    w.run();
    std::vector<std::string> names;
    for (const auto& s : w.svc.observe(arn).steps) names.push_back(s.name);
    const auto steps = w.call("ListPipelineExecutionSteps",
                              {{"PipelineExecutionArn", arn}, {"SortOrder", "Ascending"}});
    return std::make_tuple(w.status(arn), names,
                           steps.response["PipelineExecutionSteps"][0]["Metadata"]);
  };
  auto [s1, n1, m1] = run_with(5);
  BOOST_TEST(s1 == execution_status::succeeded);
  BOOST_TEST(n1 == (std::vector<std::string>{"Check", "Big", "After"}));
  BOOST_TEST(m1["Condition"]["Outcome"] == "True");
  auto [s2, n2, m2] = run_with(1);
  BOOST_TEST(s2 == execution_status::succeeded);
  BOOST_TEST(n2 == (std::vector<std::string>{"Check", "Small"}));  // After depends on skipped Big
  BOOST_TEST(m2["Condition"]["Outcome"] == "False");
}

// [DG-Steps] A Fail step fails the execution after running siblings finish; no retry after it.
BOOST_AUTO_TEST_CASE(fail_step_fails_execution_after_siblings_and_blocks_retry) {
  world w;
  const json fail = {
      {"Name", "Stop"},
      {"Type", "Fail"},
      {"Arguments",
       {{"ErrorMessage",
         {{"Std:Join", {{"On", " "}, {"Values", {"bad", {{"Get", "Parameters.N"}}}}}}}}}}};
  w.svc.create_pipeline(
      "p",
      definition(json::array({fail, job_step("Slow")}),
                 json::array({{{"Name", "N"}, {"Type", "String"}, {"DefaultValue", "input"}}})),
      parse_behaviour({{"Slow", {{"duration", "1h"}}}}));
  const std::string arn = w.start("p");
  w.run_for(k_s);
  BOOST_TEST(w.status(arn) == execution_status::executing);  // waits for Slow
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::failed);
  BOOST_TEST(w.step(arn, "Slow").status == step_status::succeeded);
  const auto d = w.call("DescribePipelineExecution", {{"PipelineExecutionArn", arn}});
  BOOST_TEST(d.response["FailureReason"] == "bad input");
  const auto steps = w.call("ListPipelineExecutionSteps",
                            {{"PipelineExecutionArn", arn}, {"SortOrder", "Ascending"}});
  BOOST_TEST(steps.response["PipelineExecutionSteps"][0]["Metadata"]["Fail"]["ErrorMessage"] ==
             "bad input");
  const auto r = w.call("RetryPipelineExecution",
                        {{"PipelineExecutionArn", arn}, {"ClientRequestToken", token(99)}});
  BOOST_TEST(r.error->code == "ValidationException");
}

// Undocumented (knob): after a failure, steps not yet started are not launched (knob).
BOOST_AUTO_TEST_CASE(failure_stops_launching_new_steps) {
  world w;
  w.svc.create_pipeline(
      "p",
      definition(json::array(
          {job_step("Bad"), job_step("Slow"), job_step("Later", "Training", {"Slow"})})),
      parse_behaviour({{"Bad", {{"outcome", "Failed"}}}, {"Slow", {{"duration", "10s"}}}}));
  const std::string arn = w.start("p");
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::failed);
  BOOST_TEST(!w.started(arn, "Later"));
  world k(json{{"failure.launch_independent_steps", true}});
  k.svc.create_pipeline(
      "p",
      definition(json::array(
          {job_step("Bad"), job_step("Slow"), job_step("Later", "Training", {"Slow"})})),
      parse_behaviour({{"Bad", {{"outcome", "Failed"}}}, {"Slow", {{"duration", "10s"}}}}));
  const std::string arn2 = k.start("p");
  k.run();
  BOOST_TEST(k.status(arn2) == execution_status::failed);
  BOOST_TEST(k.started(arn2, "Later"));
}

// [GH-ACK] RetryPipelineExecution keeps the ARN, re-runs failed steps and keeps succeeded ones.
BOOST_AUTO_TEST_CASE(retry_reruns_failed_steps_with_the_same_arn) {
  world w;
  w.svc.create_pipeline("p", definition(json::array({job_step("Ok"), callback_step("CB", {"Ok"}),
                                                     job_step("Last", "Training", {"CB"})})));
  const std::string arn = w.start("p");
  w.run_for(k_s);
  const std::string first_token = w.step(arn, "CB").callback_token;
  w.fail(first_token);
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::failed);
  const auto r = w.call("RetryPipelineExecution",
                        {{"PipelineExecutionArn", arn}, {"ClientRequestToken", token(5)}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.response["PipelineExecutionArn"] == arn);
  BOOST_TEST(w.call("RetryPipelineExecution",
                    {{"PipelineExecutionArn", arn}, {"ClientRequestToken", token(5)}})
                 .response == r.response);  // idempotent
  BOOST_TEST(w.status(arn) == execution_status::executing);
  w.run_for(k_s);
  const std::string second_token = w.step(arn, "CB").callback_token;
  BOOST_TEST(second_token != first_token);
  BOOST_TEST(w.succeed(first_token).error->code == "ConflictException");  // stale token
  w.succeed(second_token);
  w.run();
  const auto o = w.svc.observe(arn);
  BOOST_TEST(o.status == execution_status::succeeded);
  BOOST_TEST(o.history == (std::vector<execution_status>{
                              execution_status::executing, execution_status::failed,
                              execution_status::executing, execution_status::succeeded}));
  BOOST_TEST(w.step(arn, "Ok").history.size() == 3u);  // Starting, Executing, Succeeded: not re-run
  world s(json{{"execution.retry_from", "Failed_or_Stopped"}});
  s.svc.create_pipeline("p", definition(json::array({job_step("J")})),
                        parse_behaviour({{"J", {{"duration", "1h"}}}}));
  const std::string e = s.start("p");
  s.run_for(k_s);
  s.stop(e, token(1));
  s.run();
  BOOST_TEST(s.status(e) == execution_status::stopped);
  BOOST_TEST(s.call("RetryPipelineExecution",
                    {{"PipelineExecutionArn", e}, {"ClientRequestToken", token(2)}})
                 .ok());
  s.run();
  BOOST_TEST(s.status(e) == execution_status::succeeded);
}

// Lambda outputs and job properties flow to downstream references.
BOOST_AUTO_TEST_CASE(lambda_outputs_and_job_properties_flow_downstream) {
  world w;
  w.svc.create_pipeline(
      "p",
      definition(
          json::array({lambda_step("L"), job_step("J"),
                       callback_step("CB", json::array(),
                                     {{"r", {{"Get", "Steps.L.OutputParameters['r']"}}},
                                      {"m", {{"Get", "Steps.J.ModelArtifacts.S3ModelArtifacts"}}},
                                      {"id", {{"Get", "Execution.PipelineExecutionId"}}}})})),
      parse_behaviour({{"L", {{"duration", "5s"}, {"outputs", {{"r", 42}}}}},
                       {"J", {{"properties", {{"ModelArtifacts.S3ModelArtifacts", "s3://m"}}}}}}));
  const std::string arn = w.start("p");
  w.run_for(10 * k_s);
  BOOST_REQUIRE(w.sqs.requests.size() == 1u);
  const json args = w.sqs.bodies()[0]["arguments"];
  BOOST_TEST(args["r"] == 42);
  BOOST_TEST(args["m"] == "s3://m");
  BOOST_TEST(args["id"] == arn.substr(arn.size() - 12));
  const auto steps = w.call("ListPipelineExecutionSteps",
                            {{"PipelineExecutionArn", arn}, {"SortOrder", "Ascending"}});
  BOOST_TEST(
      steps.response["PipelineExecutionSteps"][0]["Metadata"]["Lambda"]["OutputParameters"] ==
      json::array({{{"Name", "r"}, {"Value", "42"}}}));
}

// Step durations drawn from {min,max} go through a labelled choice point.
BOOST_AUTO_TEST_CASE(duration_ranges_use_choice_points) {
  world w;
  w.svc.create_pipeline("p", definition(json::array({job_step("J")})),
                        parse_behaviour({{"J", {{"duration", {{"min", "10s"}, {"max", "20s"}}}}}}));
  w.start("p");
  w.run();
  bool found = false;
  for (const auto& c : w.sim.choices()) found = found || c.label == "pipelines.p.J.duration_s";
  BOOST_TEST(found);
  BOOST_TEST(w.sim.now() >= 10 * k_s);
  BOOST_TEST(w.sim.now() <= 20 * k_s);
}

BOOST_AUTO_TEST_SUITE_END()

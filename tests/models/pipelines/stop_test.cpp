// StopPipelineExecution, one test per documented rule. Sources: [AR-Stop] API reference,
// [DG-Steps] developer guide, [AF] Airflow's handling of the error (sources and knobs:
// models/pipelines/README.md).
#include "support.hpp"

#include <boost/test/unit_test.hpp>

using namespace pipelines_test;
using scenarios::parse_behaviour;

namespace {

const sim::time_us k_s = sim::k_second_us;

// Callback "CB" and a 1-hour job "Job" run in parallel; "After" depends on both.
std::string callback_and_job(world& w) {
  w.svc.create_pipeline("p",
                        definition(json::array({callback_step("CB"), job_step("Job"),
                                                job_step("After", "Processing", {"CB", "Job"})})),
                        parse_behaviour({{"Job", {{"duration", "1h"}, {"stop_latency", "30s"}}}}));
  const std::string arn = w.start("p");
  w.run_for(k_s);
  return arn;
}

std::string cb_token(world& w, const std::string& arn, const std::string& step = "CB") {
  return w.step(arn, step).callback_token;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stop_test)

// [AR-Stop] Stop moves an Executing execution to Stopping and returns its ARN.
BOOST_AUTO_TEST_CASE(stop_on_executing_goes_stopping_and_returns_the_arn) {
  world w;
  const std::string arn = callback_and_job(w);
  const auto r = w.stop(arn, token(900));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.response == json({{"PipelineExecutionArn", arn}}));
  BOOST_TEST(w.status(arn) == execution_status::stopping);
  const auto d = w.call("DescribePipelineExecution", {{"PipelineExecutionArn", arn}});
  BOOST_TEST(d.response["PipelineExecutionStatus"] == "Stopping");
}

// [AR-Stop] Steps that have not started never start once the execution is stopping.
BOOST_AUTO_TEST_CASE(steps_not_yet_started_never_start) {
  world w;
  const std::string arn = callback_and_job(w);
  w.stop(arn, token(900));
  w.succeed(cb_token(w, arn));
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::stopped);
  BOOST_TEST(!w.started(arn, "After"));
  const auto steps = w.call("ListPipelineExecutionSteps", {{"PipelineExecutionArn", arn}});
  for (const json& s : steps.response["PipelineExecutionSteps"])
    BOOST_TEST(s["StepName"] != "After");
}

// [AR-Stop], [DG-Steps] A running callback step gets one additional message with status
// "Stopping" and the same token, on the same queue.
BOOST_AUTO_TEST_CASE(running_callback_step_gets_one_stopping_message_with_the_same_token) {
  world w;
  const std::string arn = callback_and_job(w);
  const std::string tok = cb_token(w, arn);
  BOOST_REQUIRE(w.sqs.requests.size() == 1u);
  w.stop(arn, token(900));
  BOOST_REQUIRE(w.sqs.requests.size() == 2u);
  const json body = w.sqs.bodies()[1];
  BOOST_TEST(body["status"] == "Stopping");
  BOOST_TEST(body["token"] == tok);
  BOOST_TEST(body["pipelineExecutionArn"] == arn);
  BOOST_TEST(body["arguments"] == json({{"x", 1}}));
  BOOST_TEST(w.sqs.requests[1]["QueueUrl"] == w.sqs.requests[0]["QueueUrl"]);
  BOOST_TEST(w.step(arn, "CB").stopping_messages_sent == 1);
  BOOST_TEST(w.step(arn, "CB").status == step_status::stopping);
}

// Spec §9.8 (undocumented timing): with stop.stopping_message_delay_max the Stopping message may
// lag the stop; it still goes out once, with the same token, and not at all if the step is
// answered first.
BOOST_AUTO_TEST_CASE(a_delayed_stopping_message_still_goes_out_once_unless_answered_first) {
  world w({{"stop.stopping_message_delay_max", "30s"}}, models::profile::aws_documented, 3);
  const std::string arn = callback_and_job(w);
  w.stop(arn, token(900));
  BOOST_TEST(w.step(arn, "CB").status == step_status::stopping);
  w.run_for(31 * k_s);
  BOOST_REQUIRE(w.sqs.requests.size() == 2u);
  BOOST_TEST(w.sqs.bodies()[1]["status"] == "Stopping");
  BOOST_TEST(w.sqs.bodies()[1]["token"] == cb_token(w, arn));
  BOOST_TEST(w.step(arn, "CB").stopping_messages_sent == 1);

  // Answered during the delay (drawn from up to an hour, so not zero for this seed): the Stopping
  // message is never sent and the stop completes.
  world fast({{"stop.stopping_message_delay_max", "1h"}}, models::profile::aws_documented, 3);
  const std::string arn2 = callback_and_job(fast);
  fast.stop(arn2, token(901));
  fast.succeed(cb_token(fast, arn2));
  fast.run_for(2 * 3600 * k_s);
  BOOST_TEST(fast.sqs.requests.size() == 1u);
  BOOST_TEST(fast.step(arn2, "CB").stopping_messages_sent == 0);
  BOOST_TEST(fast.status(arn2) == execution_status::stopped);
}

// Spec §9.19: throttling refuses a call before it has any effect.
BOOST_AUTO_TEST_CASE(a_throttled_call_has_no_effect) {
  world w(json{{"api.throttle_probability", 1.0}});
  w.svc.create_pipeline("p", definition(json::array({job_step("Job")})));
  const auto r =
      w.call("StartPipelineExecution", {{"PipelineName", "p"}, {"ClientRequestToken", token(1)}});
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error->code == "ThrottlingException");
  BOOST_TEST(w.svc.execution_arns().empty());
}

// [AR-Stop] The execution does not reach Stopped until the callback step is answered.
BOOST_AUTO_TEST_CASE(execution_waits_for_the_callback_answer) {
  world w;
  const std::string arn = callback_and_job(w);
  w.stop(arn, token(900));
  w.run_for(100 * sim::k_hour_us);  // the job stopped long ago
  BOOST_TEST(w.step(arn, "Job").status == step_status::stopped);
  BOOST_TEST(w.status(arn) == execution_status::stopping);
  BOOST_REQUIRE(w.succeed(cb_token(w, arn)).ok());
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::stopped);
  // Knob stop.answer_success_step_status, default Stopped.
  BOOST_TEST(w.step(arn, "CB").status == step_status::stopped);
}

// [AR-Stop] A Failure answer also lets the execution stop (knob default Stopped).
BOOST_AUTO_TEST_CASE(failure_answer_during_stop_ends_stopped) {
  world w;
  const std::string arn = callback_and_job(w);
  w.stop(arn, token(900));
  BOOST_REQUIRE(w.fail(cb_token(w, arn), "cleaned up").ok());
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::stopped);
  BOOST_TEST(w.step(arn, "CB").status == step_status::failed);
}

BOOST_AUTO_TEST_CASE(answer_knobs_select_the_other_readings) {
  world w(json{{"stop.answer_success_step_status", "Succeeded"},
               {"stop.answer_failure_execution_status", "Failed"}});
  const std::string arn = callback_and_job(w);
  w.stop(arn, token(900));
  w.succeed(cb_token(w, arn));
  w.run();
  BOOST_TEST(w.step(arn, "CB").status == step_status::succeeded);
  BOOST_TEST(w.status(arn) == execution_status::stopped);
  const std::string arn2 = w.start("p");
  w.run_for(k_s);
  w.stop(arn2, token(901));
  w.fail(cb_token(w, arn2));
  w.run();
  BOOST_TEST(w.status(arn2) == execution_status::failed);
}

// [AR-Stop], [DG-Steps] A running Lambda step is waited for: Stopped if it finishes first.
BOOST_AUTO_TEST_CASE(lambda_that_finishes_during_stop_ends_stopped) {
  world w;
  w.svc.create_pipeline("p", definition(json::array({lambda_step("L")})),
                        parse_behaviour({{"L", {{"duration", "60s"}, {"lambda_timeout", "2m"}}}}));
  const std::string arn = w.start("p");
  w.run_for(10 * k_s);
  w.stop(arn, token(900));
  w.run_for(10 * k_s);
  BOOST_TEST(w.status(arn) == execution_status::stopping);  // the function cannot be stopped
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::stopped);
  BOOST_TEST(w.sim.now() == 60 * k_s);
}

// [AR-Stop], [DG-Steps] ... and Failed if the Lambda step timeout hits first.
BOOST_AUTO_TEST_CASE(lambda_that_times_out_during_stop_ends_failed) {
  world w;
  w.svc.create_pipeline("p", definition(json::array({lambda_step("L")})),
                        parse_behaviour({{"L", {{"duration", "5m"}, {"lambda_timeout", "2m"}}}}));
  const std::string arn = w.start("p");
  w.run_for(10 * k_s);
  w.stop(arn, token(900));
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::failed);
  BOOST_TEST(w.step(arn, "L").status == step_status::failed);
  BOOST_TEST(w.sim.now() == 120 * k_s);
}

// Undocumented (knob stop.job_stop_latency): running job steps go Stopping -> Stopped after the
// stop latency.
BOOST_AUTO_TEST_CASE(job_steps_stop_after_the_stop_latency) {
  world w;
  w.svc.create_pipeline("p", definition(json::array({job_step("J")})),
                        parse_behaviour({{"J", {{"duration", "1h"}}}}));
  const std::string arn = w.start("p");
  w.run_for(k_s);
  w.stop(arn, token(900));
  BOOST_TEST(w.step(arn, "J").status == step_status::stopping);
  w.run_for(29 * k_s);
  BOOST_TEST(w.step(arn, "J").status == step_status::stopping);
  w.run_for(2 * k_s);  // knob stop.job_stop_latency: 30s in aws_documented
  BOOST_TEST(w.step(arn, "J").status == step_status::stopped);
  BOOST_TEST(w.status(arn) == execution_status::stopped);
}

// [AR-Stop] ClientRequestToken: the same token again returns the original response and has no
// further effect.
BOOST_AUTO_TEST_CASE(same_token_replays_the_original_response_without_effect) {
  world w;
  const std::string arn = callback_and_job(w);
  const auto first = w.stop(arn, token(900));
  for (int i = 0; i < 5; ++i) {
    const auto again = w.stop(arn, token(900));
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(again.response == first.response);
  }
  BOOST_TEST(w.sqs.requests.size() == 2u);  // initial + one Stopping message
  w.succeed(cb_token(w, arn));
  w.run();
  BOOST_TEST(w.stop(arn, token(900)).ok());  // still the original response after Stopped
  BOOST_TEST(w.status(arn) == execution_status::stopped);
}

// [AF] A different token on an execution that is not Executing gets ValidationException.
BOOST_AUTO_TEST_CASE(different_token_on_non_executing_gets_validation_exception) {
  world w;
  const std::string arn = callback_and_job(w);
  w.stop(arn, token(900));
  auto r = w.stop(arn, token(901));  // Stopping
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error->code == "ValidationException");
  BOOST_TEST(r.error->message == "Only pipelines with 'Executing' status can be stopped");
  w.succeed(cb_token(w, arn));
  w.run();
  r = w.stop(arn, token(902));  // Stopped
  BOOST_TEST(r.error->code == "ValidationException");
  w.svc.create_pipeline("quick", definition(json::array({job_step("J")})));
  const std::string done = w.start("quick");
  w.run();
  BOOST_TEST(w.status(done) == execution_status::succeeded);
  r = w.stop(done, token(903));  // Succeeded
  BOOST_TEST(r.error->message == "Only pipelines with 'Executing' status can be stopped");
  BOOST_TEST(w.sqs.requests.size() == 2u);
}

BOOST_AUTO_TEST_CASE(stop_knobs_for_stopping_and_replay) {
  world w(json{{"stop.on_stopping", "return_success"},
               {"stop.same_token_replay", "ValidationException"}});
  const std::string arn = callback_and_job(w);
  BOOST_TEST(w.stop(arn, token(900)).ok());
  BOOST_TEST(w.stop(arn, token(901)).ok());  // no-op on Stopping
  BOOST_TEST(w.sqs.requests.size() == 2u);
  BOOST_TEST(w.stop(arn, token(900)).error->code == "ValidationException");
}

// [M] An unknown ARN gets ResourceNotFound.
BOOST_AUTO_TEST_CASE(unknown_arn_gets_resource_not_found) {
  world w;
  const auto r =
      w.stop("arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/nope", token(1));
  BOOST_TEST(r.error->code == "ResourceNotFound");
}

// [M] Malformed ARN (pattern, 2048 max) and token (32-128) get validation errors.
BOOST_AUTO_TEST_CASE(malformed_arn_or_token_gets_validation_errors) {
  world w;
  const std::string good = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/x";
  auto r = w.stop("not-an-arn", token(1));
  BOOST_TEST(r.error->code == "ValidationException");
  BOOST_TEST(r.error->message.find("'pipelineExecutionArn' failed to satisfy constraint: Member "
                                   "must satisfy regular expression pattern") != std::string::npos);
  r = w.stop(good + std::string(2048, 'x'), token(1));
  BOOST_TEST(r.error->message.find("length less than or equal to 2048") != std::string::npos);
  r = w.stop(good, "short");
  BOOST_TEST(r.error->message.find("'clientRequestToken' failed to satisfy constraint: Member "
                                   "must have length greater than or equal to 32") !=
             std::string::npos);
  r = w.stop(good, std::string(129, 't'));
  BOOST_TEST(r.error->message.find("less than or equal to 128") != std::string::npos);
  r = w.call("StopPipelineExecution", {{"PipelineExecutionArn", good}});
  BOOST_TEST(r.error->message.find("Value null at 'clientRequestToken'") != std::string::npos);
  world old(json{{"api.arn_max_length", 256}});
  BOOST_TEST(old.stop(good + std::string(256, 'x'), token(1)).error->code == "ValidationException");
}

// [AR-Stop] With several running callback steps, one Stopping message per step.
BOOST_AUTO_TEST_CASE(one_stopping_message_per_running_callback_step) {
  world w;
  w.svc.create_pipeline(
      "p",
      definition(json::array({callback_step("A"), callback_step("B"), callback_step("C", {"A"})})));
  const std::string arn = w.start("p");
  w.run_for(k_s);
  w.stop(arn, token(900));
  w.stop(arn, token(900));
  const auto bodies = w.sqs.bodies();
  BOOST_REQUIRE(bodies.size() == 4u);
  BOOST_TEST(bodies[2]["status"] == "Stopping");
  BOOST_TEST(bodies[3]["status"] == "Stopping");
  BOOST_TEST(bodies[2]["token"] != bodies[3]["token"]);
  w.succeed(cb_token(w, arn, "A"));
  BOOST_TEST(w.status(arn) == execution_status::stopping);  // B still unanswered
  w.fail(cb_token(w, arn, "B"));
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::stopped);
  BOOST_TEST(!w.started(arn, "C"));
}

// A step stopped while Starting goes straight to Stopped (pipesim reading of the StepStatus values
// [M]).
BOOST_AUTO_TEST_CASE(step_stopped_while_starting_never_executes) {
  world w(json{{"step.start_latency", "10s"}});
  w.svc.create_pipeline("p", definition(json::array({callback_step("CB")})));
  const std::string arn = w.start("p");
  BOOST_TEST(w.step(arn, "CB").status == step_status::starting);
  w.stop(arn, token(900));
  w.run();
  BOOST_TEST(w.step(arn, "CB").status == step_status::stopped);
  BOOST_TEST(w.status(arn) == execution_status::stopped);
  BOOST_TEST(w.sqs.requests.empty());
}

BOOST_AUTO_TEST_SUITE_END()

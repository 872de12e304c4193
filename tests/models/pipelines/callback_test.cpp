// Callback steps, one test per documented rule ([DG-Steps], [AR-Succ], [AR-Fail], [AR-CB], [M])
// and per knob for what the documentation leaves open (knob table: models/pipelines/README.md).
#include "support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>

using namespace pipelines_test;
using scenarios::parse_behaviour;

namespace {
const sim::time_us k_s = sim::k_second_us;

bool all_of_class(const std::string& s, int (*cls)(int)) {
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return cls(static_cast<unsigned char>(c)) != 0; });
}
int lower_or_digit(int c) { return std::islower(c) || std::isdigit(c); }

std::string two_callbacks(world& w) {
  w.svc.create_pipeline(
      "p",
      definition(
          json::array(
              {callback_step("First", json::array(),
                             {{"n", 5}, {"uri", {{"Get", "Parameters.Uri"}}}}),
               callback_step("Second", json::array(),
                             {{"from_first", {{"Get", "Steps.First.OutputParameters['out']"}}}})}),
          json::array({{{"Name", "Uri"}, {"Type", "String"}, {"DefaultValue", "s3://b/k"}}})));
  const std::string arn = w.start("p");
  w.run_for(k_s);
  return arn;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(callback_test)

// [DG-Steps] The step's message carries a 10-character alphanumeric token, the execution ARN and
// the resolved arguments; status "Executing" by default (knob callback.initial_status).
BOOST_AUTO_TEST_CASE(callback_message_has_token_arn_resolved_arguments_and_status) {
  world w;
  const std::string arn = two_callbacks(w);
  BOOST_REQUIRE(w.sqs.requests.size() == 1u);  // Second waits for First (data dependency)
  BOOST_TEST(w.sqs.requests[0]["QueueUrl"] ==
             "https://sqs.us-east-1.amazonaws.com/123456789012/First");
  const json body = w.sqs.bodies()[0];
  const std::string tok = body["token"].get<std::string>();
  BOOST_TEST(tok.size() == 10u);
  BOOST_TEST(all_of_class(tok, std::isalnum));
  BOOST_TEST(body["pipelineExecutionArn"] == arn);
  BOOST_TEST(body["arguments"] == json({{"n", 5}, {"uri", "s3://b/k"}}));
  BOOST_TEST(body["status"] == "Executing");
  BOOST_TEST(w.step(arn, "First").status == step_status::executing);
}

// [M], [AR-CB] The token is listed as Metadata.Callback.CallbackToken with the queue URL.
BOOST_AUTO_TEST_CASE(token_is_listed_in_step_metadata) {
  world w;
  const std::string arn = two_callbacks(w);
  const auto r = w.call("ListPipelineExecutionSteps", {{"PipelineExecutionArn", arn}});
  const json step = r.response["PipelineExecutionSteps"][0];
  BOOST_TEST(step["StepName"] == "First");
  BOOST_TEST(step["StepStatus"] == "Executing");
  BOOST_TEST(step["AttemptCount"] == 1);
  BOOST_TEST(step["Metadata"]["Callback"]["CallbackToken"] == w.sqs.bodies()[0]["token"]);
  BOOST_TEST(step["Metadata"]["Callback"]["SqsQueueUrl"] == w.sqs.requests[0]["QueueUrl"]);
}

// [AR-Succ], [DG-Steps] Success resolves the step; outputs flow to downstream references.
BOOST_AUTO_TEST_CASE(success_outputs_flow_downstream) {
  world w;
  const std::string arn = two_callbacks(w);
  const std::string tok = w.step(arn, "First").callback_token;
  const auto r = w.succeed(tok, json::array({{{"Name", "out"}, {"Value", "s3://result"}}}));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.response == json({{"PipelineExecutionArn", arn}}));
  BOOST_TEST(w.step(arn, "First").status == step_status::succeeded);
  w.run_for(k_s);
  BOOST_REQUIRE(w.sqs.requests.size() == 2u);
  BOOST_TEST(w.sqs.bodies()[1]["arguments"]["from_first"] == "s3://result");
  const auto steps = w.call("ListPipelineExecutionSteps",
                            {{"PipelineExecutionArn", arn}, {"SortOrder", "Ascending"}});
  BOOST_TEST(
      steps.response["PipelineExecutionSteps"][0]["Metadata"]["Callback"]["OutputParameters"] ==
      json::array({{{"Name", "out"}, {"Value", "s3://result"}}}));
  w.succeed(w.step(arn, "Second").callback_token);
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::succeeded);
}

// [AR-Fail] Failure fails the step with the reason, and the execution fails.
BOOST_AUTO_TEST_CASE(failure_fails_step_and_execution) {
  world w;
  const std::string arn = two_callbacks(w);
  BOOST_REQUIRE(w.fail(w.step(arn, "First").callback_token, "Glue job failed").ok());
  w.run();
  BOOST_TEST(w.step(arn, "First").status == step_status::failed);
  BOOST_TEST(w.status(arn) == execution_status::failed);
  BOOST_TEST(!w.started(arn, "Second"));
  const auto steps = w.call("ListPipelineExecutionSteps", {{"PipelineExecutionArn", arn}});
  BOOST_TEST(steps.response["PipelineExecutionSteps"][0]["FailureReason"] == "Glue job failed");
  const auto d = w.call("DescribePipelineExecution", {{"PipelineExecutionArn", arn}});
  BOOST_TEST(d.response["FailureReason"].get<std::string>().find("Glue job failed") !=
             std::string::npos);
}

// Undocumented (knob callback.answer_after_resolution): a token is resolved at most once; later
// answers get the knob's error.
BOOST_AUTO_TEST_CASE(second_answer_is_rejected_and_resolves_nothing) {
  world w;
  const std::string arn = two_callbacks(w);
  const std::string tok = w.step(arn, "First").callback_token;
  BOOST_REQUIRE(w.succeed(tok).ok());
  BOOST_TEST(w.succeed(tok).error->code == "ConflictException");
  BOOST_TEST(w.fail(tok).error->code == "ConflictException");
  BOOST_TEST(w.step(arn, "First").token_resolutions == 1);
  BOOST_TEST(w.step(arn, "First").status == step_status::succeeded);
  world lenient(json{{"callback.answer_after_resolution", "return_success"}});
  const std::string arn2 = two_callbacks(lenient);
  const std::string tok2 = lenient.step(arn2, "First").callback_token;
  lenient.fail(tok2);
  BOOST_TEST(lenient.succeed(tok2).ok());
  BOOST_TEST(lenient.step(arn2, "First").status == step_status::failed);
  BOOST_TEST(lenient.step(arn2, "First").token_resolutions == 1);
}

// Undocumented (same knob): answers after the execution ended are rejected the same way.
BOOST_AUTO_TEST_CASE(answer_after_execution_ended_is_rejected) {
  world w(json{{"execution.timeout", "1h"}});
  const std::string arn = two_callbacks(w);
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::failed);
  BOOST_TEST(w.step(arn, "First").status == step_status::failed);
  BOOST_TEST(w.succeed(w.step(arn, "First").callback_token).error->code == "ConflictException");
}

// [M] Token must be exactly 10 of [a-zA-Z0-9]; unknown well-formed tokens: knob (ResourceNotFound).
BOOST_AUTO_TEST_CASE(malformed_and_unknown_tokens) {
  world w;
  auto r = w.succeed("short");
  BOOST_TEST(r.error->code == "ValidationException");
  BOOST_TEST(r.error->message.find("'callbackToken'") != std::string::npos);
  BOOST_TEST(w.succeed("abc-def-gh").error->code == "ValidationException");
  BOOST_TEST(w.succeed("AAAAAAAAAA").error->code == "ResourceNotFound");
  BOOST_TEST(w.fail("AAAAAAAAAA").error->code == "ResourceNotFound");
  world v(json{{"callback.unknown_token_error", "ValidationException"}});
  BOOST_TEST(v.succeed("AAAAAAAAAA").error->code == "ValidationException");
  BOOST_TEST(w.fail("AAAAAAAAAA", std::string(257, 'r')).error->code == "ValidationException");
  json many = json::array();
  for (int i = 0; i < 51; ++i) many.push_back({{"Name", "n"}, {"Value", "v"}});
  BOOST_TEST(w.succeed("AAAAAAAAAA", many).error->message.find("less than or equal to 50") !=
             std::string::npos);
}

// [AR-Succ] ClientRequestToken makes Send* idempotent: a replay returns the original response.
BOOST_AUTO_TEST_CASE(send_with_client_request_token_is_idempotent) {
  world w;
  const std::string arn = two_callbacks(w);
  const std::string tok = w.step(arn, "First").callback_token;
  const json req = {{"CallbackToken", tok}, {"ClientRequestToken", token(77)}};
  const auto a = w.call("SendPipelineExecutionStepSuccess", req);
  const auto b = w.call("SendPipelineExecutionStepSuccess", req);
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(a.response == b.response);
  BOOST_TEST(w.step(arn, "First").token_resolutions == 1);
  json other = req;
  other["OutputParameters"] = json::array({{{"Name", "out"}, {"Value", "x"}}});
  BOOST_TEST(w.call("SendPipelineExecutionStepSuccess", other).error->code == "ConflictException");
}

// Undocumented (knob callback.send_attempts): SQS send failure: the step fails with a FailureReason
// (knob: attempts).
BOOST_AUTO_TEST_CASE(send_failure_fails_the_step) {
  world w;
  w.sqs.fail_next = 1;
  const std::string arn = two_callbacks(w);
  w.run();
  BOOST_TEST(w.step(arn, "First").status == step_status::failed);
  BOOST_TEST(w.status(arn) == execution_status::failed);
  const auto steps = w.call("ListPipelineExecutionSteps", {{"PipelineExecutionArn", arn}});
  BOOST_TEST(steps.response["PipelineExecutionSteps"][0]["FailureReason"].get<std::string>().find(
                 "AccessDenied") != std::string::npos);
  world r(json{{"callback.send_attempts", 3}});
  r.sqs.fail_next = 2;
  const std::string arn2 = two_callbacks(r);
  r.run_for(10 * k_s);
  BOOST_TEST(r.step(arn2, "First").status == step_status::executing);
  BOOST_TEST(r.step(arn2, "First").callback_messages_sent == 1);
}

// Undocumented (knob callback.timeout): no callback timeout by default; the knob makes the step
// fail when it expires.
BOOST_AUTO_TEST_CASE(callback_timeout_knob) {
  world w;
  const std::string arn = two_callbacks(w);
  w.run_for(600 * sim::k_hour_us);
  BOOST_TEST(w.step(arn, "First").status == step_status::executing);
  world t(json{{"callback.timeout", "1h"}});
  const std::string arn2 = two_callbacks(t);
  t.run();
  BOOST_TEST(t.step(arn2, "First").status == step_status::failed);
  BOOST_TEST(t.status(arn2) == execution_status::failed);
}

// [DG-Quota] The 672-hour execution timeout fails an execution whose callback is never answered.
BOOST_AUTO_TEST_CASE(execution_timeout_fails_unanswered_callback) {
  world w;
  const std::string arn = two_callbacks(w);
  w.run();
  BOOST_TEST(w.status(arn) == execution_status::failed);
  BOOST_TEST(w.sim.now() == 672 * sim::k_hour_us);
}

// [DG-Steps] The status key's spelling and the initial status are knobs.
BOOST_AUTO_TEST_CASE(status_key_and_initial_status_knobs) {
  world w(json{{"callback.status_key", "Status"}, {"callback.initial_status", "absent"}});
  const std::string arn = two_callbacks(w);
  w.stop(arn, token(900));
  const auto bodies = w.sqs.bodies();
  BOOST_TEST(!bodies[0].contains("status"));
  BOOST_TEST(!bodies[0].contains("Status"));
  BOOST_TEST(bodies[1]["Status"] == "Stopping");
}

// pipesim choice: ARNs and tokens come from seeded streams: stable per seed, AWS-shaped.
BOOST_AUTO_TEST_CASE(ids_are_stable_per_seed) {
  world a, b, c(nullptr, models::profile::aws_documented, 8);
  const std::string x = two_callbacks(a), y = two_callbacks(b), z = two_callbacks(c);
  BOOST_TEST(x == y);
  BOOST_TEST(x != z);
  const std::string prefix = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/";
  BOOST_TEST(x.rfind(prefix, 0) == 0u);
  BOOST_TEST(x.size() == prefix.size() + 12);
  BOOST_TEST(all_of_class(x.substr(prefix.size()), lower_or_digit));
  BOOST_TEST(a.sqs.bodies()[0]["token"] == b.sqs.bodies()[0]["token"]);
  BOOST_TEST(a.sim.trace().digest() == b.sim.trace().digest());
}

// FIFO queues: no MessageGroupId unless the knob says so (callback.fifo_message_group).
BOOST_AUTO_TEST_CASE(fifo_message_group_knob) {
  world w(json{{"callback.fifo_message_group", true}});
  json step = callback_step("F");
  step["SqsQueueUrl"] = "https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo";
  w.svc.create_pipeline("p", definition(json::array({step})));
  const std::string arn = w.start("p");
  w.run_for(k_s);
  BOOST_TEST(w.sqs.requests[0].contains("MessageGroupId"));
}

BOOST_AUTO_TEST_SUITE_END()

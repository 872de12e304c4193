// The "lambda" consumer entry: Lambda's defaults, and errors at the JSON pointer of the bad field,
// including what CreateEventSourceMapping refuses
// (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html,
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

using nlohmann::json;

namespace {

json with_lambda(const json& lambda, const json& queue = json::object()) {
  json doc = json::parse(R"({
    "pipesim": 1, "name": "t",
    "pipelines": {"p": {"definition": {"Version": "2020-12-01", "Steps": [
      {"Name": "Wait", "Type": "Callback",
       "SqsQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/callbacks",
       "Arguments": {}, "OutputParameters": []}]}}},
    "actions": [{"at": "0s", "call": "StartPipelineExecution", "as": "run",
                 "params": {"PipelineName": "p", "ClientRequestToken": "0123456789abcdef0123456789abcdef"}}]
  })");
  doc["queues"]["callbacks"] = queue;
  doc["consumers"] = json::array({{{"name", "fn"}, {"queue", "callbacks"}, {"lambda", lambda}}});
  return doc;
}

// The pointer of the first problem, or "" if the document is valid.
std::string first_error(const json& doc) {
  try {
    scenarios::parse_scenario(doc, "t.json");
    return "";
  } catch (const scenarios::scenario_error& e) {
    return e.problems().front().pointer + ": " + e.problems().front().message;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lambda_scenario_test)

// Lambda's defaults for SQS: BatchSize 10, no window, no ReportBatchItemFailures, no
// MaximumConcurrency, a 3-second timeout.
BOOST_AUTO_TEST_CASE(defaults_are_lambdas) {
  const scenarios::scenario s =
      scenarios::parse_scenario(with_lambda({{"handler", "hand_off"}}), "t.json");
  BOOST_TEST_REQUIRE(s.consumers.size() == 1u);
  BOOST_TEST_REQUIRE(s.consumers[0].lambda.has_value());
  const scenarios::lambda_spec& l = *s.consumers[0].lambda;
  BOOST_TEST((l.handler == scenarios::lambda_handler::hand_off));
  BOOST_TEST(l.batch_size == 10);
  BOOST_TEST(l.batching_window_us == 0);
  BOOST_TEST(!l.report_batch_item_failures);
  BOOST_TEST(!l.maximum_concurrency.has_value());
  BOOST_TEST(l.timeout_us == 3 * sim::k_second_us);
  BOOST_TEST(l.environment.empty());
  BOOST_TEST(l.filter.is_null());
}

BOOST_AUTO_TEST_CASE(every_member_is_read) {
  const json lambda = {
      {"handler", "batch_answer"},
      {"batch_size", 50},
      {"batching_window", "3s"},
      {"report_batch_item_failures", true},
      {"maximum_concurrency", 4},
      {"timeout", "20s"},
      {"duration", {{"min", "1s"}, {"max", "5s"}}},
      {"environment", {{"JOB_DURATION", "5m"}}},
      {"filter",
       {{"Filters", json::array({{{"Pattern", R"({"body": {"token": [{"exists": true}]}})"}}})}}}};
  const scenarios::scenario s = scenarios::parse_scenario(with_lambda(lambda), "t.json");
  const scenarios::lambda_spec& l = *s.consumers[0].lambda;
  BOOST_TEST(l.batch_size == 50);
  BOOST_TEST(l.batching_window_us == 3 * sim::k_second_us);
  BOOST_TEST(l.report_batch_item_failures);
  BOOST_TEST(*l.maximum_concurrency == 4);
  BOOST_TEST(l.timeout_us == 20 * sim::k_second_us);
  BOOST_TEST(l.duration.max_us == 5 * sim::k_second_us);
  BOOST_TEST(l.environment.at("JOB_DURATION") == "5m");
  BOOST_TEST(l.filter.contains("Filters"));
}

// The function timeout may not exceed the queue's visibility timeout (30 s by default): the
// error is AWS's, at the timeout's pointer. Equal values pass.
BOOST_AUTO_TEST_CASE(timeout_above_visibility_timeout_is_refused_at_its_pointer) {
  const std::string e = first_error(with_lambda({{"handler", "hand_off"}, {"timeout", "31s"}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/timeout: ", 0) == 0, e);
  BOOST_TEST(e.find("Queue visibility timeout: 30 seconds is less than Function timeout: 31 "
                    "seconds") != std::string::npos,
             e);
  BOOST_TEST(first_error(with_lambda({{"handler", "hand_off"}, {"timeout", "30s"}})) == "");
}

BOOST_AUTO_TEST_CASE(fifo_and_batching_rules_are_checked) {
  const json fifo = {{"type", "fifo"}};
  json doc = with_lambda({{"handler", "hand_off"}, {"batch_size", 11}}, fifo);
  doc["queues"]["callbacks.fifo"] = doc["queues"]["callbacks"];
  doc["queues"].erase("callbacks");
  doc["consumers"][0]["queue"] = "callbacks.fifo";
  std::string e = first_error(doc);
  BOOST_TEST(e.rfind("/consumers/0/lambda/batch_size: ", 0) == 0, e);
  e = first_error(with_lambda({{"handler", "hand_off"}, {"batch_size", 11}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/batching_window: ", 0) == 0, e);
  e = first_error(with_lambda({{"handler", "hand_off"}, {"maximum_concurrency", 1}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/maximum_concurrency: ", 0) == 0, e);
  e = first_error(with_lambda({{"handler", "hand_off"}, {"batching_window", "1500ms"}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/batching_window: ", 0) == 0, e);
}

BOOST_AUTO_TEST_CASE(closed_objects_and_types) {
  // A user's handler ("runtime") needs its code folder; the code members need a runtime.
  std::string e = first_error(with_lambda({{"handler", "app.handler"}, {"runtime", "python3.12"}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda: missing \"code\"", 0) == 0, e);
  e = first_error(with_lambda({{"handler", "app.handler"}, {"runtime", "ruby3.3"}, {"code", "."}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/runtime: expected one of python, ", 0) == 0, e);
  e = first_error(with_lambda({{"handler", "hand_off"}, {"code", "."}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/code: applies only to a user's handler", 0) == 0, e);
  e = first_error(
      with_lambda({{"handler", "no_such_module.handler"}, {"runtime", "python"}, {"code", "/"}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/handler: Runtime.ImportModuleError: Unable to import "
                     "module 'no_such_module'",
                     0) == 0,
             e);
  e = first_error(with_lambda({{"handler", "nodots"}, {"runtime", "nodejs20.x"}, {"code", "/"}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/handler: Runtime.MalformedHandlerName", 0) == 0, e);
  e = first_error(with_lambda({{"handler", "x.h"}, {"runtime", "python"}, {"code", "/nope/x"}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/code: the code directory /nope/x does not exist", 0) == 0,
             e);
  e = first_error(with_lambda({{"handler", "hand_off"}, {"environment", {{"N", 1}}}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/environment/N: ", 0) == 0, e);
  e = first_error(with_lambda({{"batch_size", 1}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda: missing \"handler\"", 0) == 0, e);
  e = first_error(with_lambda(
      {{"handler", "hand_off"}, {"filter", {{"Filters", json::array({{{"Pattern", "x"}}})}}}}));
  BOOST_TEST(e.rfind("/consumers/0/lambda/filter: ", 0) == 0, e);
  json doc = with_lambda({{"handler", "hand_off"}});
  doc["consumers"][0]["work"] = "1m";
  e = first_error(doc);
  BOOST_TEST(e.rfind("/consumers/0/work: does not apply", 0) == 0, e);
}

// A plain run of a Lambda consumer: the hand-off answers through its job and the mapping deletes
// the message (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html: deleted on success).
BOOST_AUTO_TEST_CASE(a_hand_off_run_succeeds_and_the_message_is_deleted) {
  json doc = with_lambda({{"handler", "hand_off"}, {"environment", {{"JOB_DURATION", "2m"}}}});
  doc["expect"] = {{"executions", {{"run", {{"status", "Succeeded"}}}}},
                   {"queues", {{"callbacks", {{"sent", 1}, {"deleted", 1}}}}}};
  const scenarios::scenario s = scenarios::parse_scenario(doc, "t.json");
  const scenarios::run_report r = scenarios::run_scenario(s);
  for (const auto& c : r.expectations) BOOST_TEST(c.ok, c.name << ": " << c.detail);
  for (const auto& c : r.invariants) BOOST_TEST(c.ok, c.name << ": " << c.detail);
}

// A handler of one's own through run options: the context is Lambda's (request id, function ARN,
// memory as a string, remaining time from virtual time) and the handler object lives as long as
// its execution environment (module state survives warm invokes).
// https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
BOOST_AUTO_TEST_CASE(a_users_handler_sees_lambdas_context_and_keeps_module_state) {
  struct seen {
    std::vector<std::string> request_ids, arns, memory;
    std::vector<std::int64_t> remaining_ms, invokes_in_module;
    std::vector<bool> cold;
  };
  auto log = std::make_shared<seen>();
  class answering final : public pipesim::lambda::handler {
   public:
    explicit answering(std::shared_ptr<seen> s) : seen_(std::move(s)) {}
    json handle(const json& event, pipesim::lambda::context& ctx) override {
      ++invokes_;  // module-level state
      seen_->request_ids.push_back(ctx.aws_request_id());
      seen_->arns.push_back(ctx.invoked_function_arn());
      seen_->memory.push_back(ctx.memory_limit_in_mb());
      seen_->remaining_ms.push_back(ctx.remaining_time_in_millis());
      seen_->invokes_in_module.push_back(invokes_);
      seen_->cold.push_back(ctx.cold_start());
      for (const json& r : event["Records"]) {
        const json body = json::parse(r["body"].get<std::string>());
        ctx.sagemaker("SendPipelineExecutionStepSuccess",
                      {{"CallbackToken", body["token"]}, {"OutputParameters", json::array()}});
      }
      return nullptr;
    }

   private:
    std::shared_ptr<seen> seen_;
    std::int64_t invokes_ = 0;
  };
  json doc = with_lambda({{"handler", "hand_off"}, {"timeout", "20s"}});
  doc["actions"].push_back(
      {{"at", "1m"},
       {"call", "StartPipelineExecution"},
       {"as", "second"},
       {"params",
        {{"PipelineName", "p"}, {"ClientRequestToken", "0123456789abcdef0123456789abcdeY"}}}});
  const scenarios::scenario s = scenarios::parse_scenario(doc, "t.json");
  scenarios::run_options o;
  o.lambda_handlers["fn"] = [log] { return std::make_unique<answering>(log); };
  const scenarios::run_report r = scenarios::run_scenario(s, std::move(o));
  for (const auto& c : r.invariants) BOOST_TEST(c.ok, c.name << ": " << c.detail);
  BOOST_TEST_REQUIRE(log->request_ids.size() == 2u);
  BOOST_TEST(log->request_ids[0] != log->request_ids[1]);
  BOOST_TEST(log->request_ids[0].size() == 36u);
  BOOST_TEST(log->arns[0] == "arn:aws:lambda:us-east-1:123456789012:function:fn");
  BOOST_TEST(log->memory[0] == "128");
  BOOST_TEST(log->remaining_ms[0] == 20'000);  // the handler runs at the invoke's start
  BOOST_TEST(log->cold[0]);
  BOOST_TEST(!log->cold[1]);  // the second batch, a minute later, finds the environment warm
  BOOST_TEST(log->invokes_in_module[1] == 2);
}

BOOST_AUTO_TEST_SUITE_END()

// "mocks": each bad member is reported at its pointer; SQS is simulated, never mocked.
BOOST_AUTO_TEST_CASE(mocks_are_validated) {
  json doc = with_lambda({{"handler", "hand_off"}});
  doc["mocks"] = {{"glue", {{"StartJobRun", json::object()}}}};
  std::string e = first_error(doc);
  BOOST_TEST(e.rfind("/mocks/glue/StartJobRun: missing \"replies\"", 0) == 0, e);
  doc["mocks"] = {
      {"glue",
       {{"StartJobRun",
         {{"replies", {{{"response", json::object()}, {"error", {{"code", "X"}}}}}}}}}}};
  e = first_error(doc);
  BOOST_TEST(e.rfind("/mocks/glue/StartJobRun/replies/0: expected exactly one of", 0) == 0, e);
  doc["mocks"] = {
      {"glue",
       {{"StartJobRun", {{"replies", {{{"response", json::object()}}}}, {"creates", "JobName"}}}}}};
  e = first_error(doc);
  BOOST_TEST(e.rfind("/mocks/glue/StartJobRun/creates: expected a JSON pointer", 0) == 0, e);
  doc["mocks"] = {
      {"glue",
       {{"StartJobRun",
         {{"replies", {{{"response", json::object()}}}}, {"completes", {{"after", "1h"}}}}}}}};
  e = first_error(doc);
  BOOST_TEST(e.rfind("/mocks/glue/StartJobRun/completes: needs \"creates\"", 0) == 0, e);
  doc["mocks"] = {{"sqs", json::object()}};
  e = first_error(doc);
  BOOST_TEST(e.rfind("/mocks/sqs: SQS is simulated, not mocked", 0) == 0, e);
  doc["mocks"] = {
      {"sagemaker",
       {{"CreateTrainingJob",
         {{"replies",
           {{{"error", {{"code", "ResourceLimitExceeded"}, {"status", 400}}}, {"times", 2}},
            {{"response", json::object()}}}},
          {"choose", true}}}}}};
  BOOST_TEST(first_error(doc) == "");
}

// Properties over random sequences of API calls and consumer answers (random order, duplicates,
// stale tokens, replayed client tokens), checked after every call and over the whole trace.
#include "sim/error.hpp"
#include "support.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <map>
#include <set>

using namespace pipelines_test;
using models::pipelines::is_terminal;
using scenarios::parse_behaviour;

namespace {

const sim::time_us k_s = sim::k_second_us;

const std::vector<json>& knob_variants() {
  static const std::vector<json> v{
      json(nullptr),
      {{"stop.on_stopping", "return_success"}, {"stop.same_token_replay", "ValidationException"}},
      {{"stop.answer_success_step_status", "Succeeded"},
       {"stop.answer_failure_execution_status", "Failed"},
       {"execution.retry_from", "Failed_or_Stopped"}},
      {{"callback.answer_after_resolution", "return_success"},
       {"callback.timeout", "2m"},
       {"idempotency.parameter_mismatch", "return_original"}},
      {{"callback.status_key", "Status"},
       {"callback.initial_status", "absent"},
       {"failure.launch_independent_steps", true},
       {"step.start_latency", "5s"}},
  };
  return v;
}

void setup(world& w) {
  json cond = {{"Name", "Check"},
               {"Type", "Condition"},
               {"DependsOn", {"A"}},
               {"Arguments",
                {{"Conditions",
                  {{{"Type", "Equals"},
                    {"LeftValue", {{"Get", "Steps.A.OutputParameters['out']"}}},
                    {"RightValue", "yes"}}}},
                 {"IfSteps", {callback_step("C")}},
                 {"ElseSteps", {job_step("E")}}}}};
  w.svc.create_pipeline(
      "p",
      definition(json::array(
          {callback_step("A"), callback_step("B"), job_step("J"), lambda_step("L"), cond})),
      parse_behaviour(
          {{"J", {{"duration", {{"min", "10s"}, {"max", "40s"}}}, {"stop_latency", "15s"}}},
           {"L", {{"duration", {{"min", "20s"}, {"max", "90s"}}}, {"lambda_timeout", "1m"}}},
           {"E", {{"duration", "5s"}}}}));
}

struct checker {
  world& w;
  std::map<std::string, int> retries_ok;  // successful RetryPipelineExecution per execution

  std::string stopping_value(const json& body) const {
    if (body.contains("status")) return body["status"].get<std::string>();
    if (body.contains("Status")) return body["Status"].get<std::string>();
    return "";
  }

  void after_call(const models::api_result& r) {
    if (!r.ok()) RC_ASSERT(models::pipelines::service::error_codes().count(r.error->code) == 1u);
    check_state();
  }

  void check_state() {
    for (const std::string& arn : w.svc.execution_arns()) {
      const auto o = w.svc.observe(arn);
      // Never Stopped while a callback step is unanswered.
      if (o.status == execution_status::stopped) {
        for (const auto& s : o.steps) {
          if (!s.callback) continue;
          RC_ASSERT(*s.callback != models::pipelines::callback_state::waiting_for_answer);
          RC_ASSERT(*s.callback != models::pipelines::callback_state::stopping_message_sent);
        }
      }
      // Terminal statuses change only through RetryPipelineExecution.
      int reopened = 0;
      for (std::size_t i = 0; i + 1 < o.history.size(); ++i) {
        if (is_terminal(o.history[i])) {
          RC_ASSERT(o.history[i + 1] == execution_status::executing);
          ++reopened;
        }
      }
      RC_ASSERT(reopened <= retries_ok[arn]);
      // Parallelism never exceeded.
      if (o.max_parallel_steps) RC_ASSERT(o.max_running_steps <= *o.max_parallel_steps);
      for (const auto& s : o.steps) RC_ASSERT(s.stopping_messages_sent <= s.callback_messages_sent);
    }
    // At most one Stopping message per token (one per running callback step attempt).
    std::map<std::string, int> stopping;
    for (const json& b : w.sqs.bodies())
      if (stopping_value(b) == "Stopping")
        RC_ASSERT(++stopping[b["token"].get<std::string>()] == 1);
  }

  void check_trace() {
    std::map<std::string, int> resolved;
    for (const std::string& line : w.sim.trace().lines()) {
      const json j = json::parse(line);
      if (j["type"] == "pipeline.callback_resolved")
        RC_ASSERT(++resolved[j["token"].get<std::string>()] == 1);  // resolved at most once
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(service_prop)

RC_BOOST_PROP(random_api_sequences_keep_the_stop_and_callback_invariants,
              (std::vector<std::uint32_t> script, std::uint64_t seed)) {
  const json& knobs = knob_variants()[seed % knob_variants().size()];
  const auto profile =
      (seed / 7) % 4 == 0 ? models::profile::adversarial : models::profile::aws_documented;
  world w(knobs, profile, seed);
  setup(w);
  checker c{w, {}};
  std::vector<std::string> arns;
  std::vector<std::string> tokens;  // every callback token seen, stale ones included
  try {
    for (std::uint32_t op : script) {
      const std::uint32_t a = op >> 8, kind = op % 10;
      if (kind == 0 && arns.size() < 3) {
        auto r = w.call("StartPipelineExecution",
                        {{"PipelineName", "p"},
                         {"ClientRequestToken", token(1000 + static_cast<int>(a % 4))},
                         {"ParallelismConfiguration", {{"MaxParallelExecutionSteps", 1 + a % 4}}}});
        c.after_call(r);
        if (r.ok() &&
            std::find(arns.begin(), arns.end(), r.response["PipelineExecutionArn"]) == arns.end())
          arns.push_back(r.response["PipelineExecutionArn"]);
        continue;
      }
      if (kind == 1 && !arns.empty()) {
        c.after_call(
            w.stop(arns[a % arns.size()], token(static_cast<int>(a % 3))));  // few tokens: replays
        continue;
      }
      for (const json& b : w.sqs.bodies()) {
        const std::string t = b["token"].get<std::string>();
        if (std::find(tokens.begin(), tokens.end(), t) == tokens.end()) tokens.push_back(t);
      }
      if ((kind == 2 || kind == 3) && !tokens.empty()) {
        const std::string& t = tokens[a % tokens.size()];
        json req = {{"CallbackToken", t}};
        if (a % 5 == 0) req["ClientRequestToken"] = token(2000 + static_cast<int>(a % 2));
        if (kind == 2) {
          req["OutputParameters"] =
              json::array({{{"Name", "out"}, {"Value", a % 2 ? "yes" : "no"}}});
          c.after_call(w.call("SendPipelineExecutionStepSuccess", req));
        } else {
          req["FailureReason"] = "consumer failed";
          c.after_call(w.call("SendPipelineExecutionStepFailure", req));
        }
        continue;
      }
      if (kind == 4 || kind == 5) {
        w.run_for(static_cast<sim::time_us>(a % 120) * k_s);
        c.check_state();
        continue;
      }
      if (kind == 6 && !arns.empty()) {
        const std::string& arn = arns[a % arns.size()];
        auto r = w.call("RetryPipelineExecution",
                        {{"PipelineExecutionArn", arn},
                         {"ClientRequestToken", token(3000 + static_cast<int>(a % 3))}});
        if (r.ok() && w.svc.observe(arn).history.size() > 1) {
          // Count only retries that reopened (a replayed token returns the old response).
          const auto& h = w.svc.observe(arn).history;
          int reopen = 0;
          for (std::size_t i = 0; i + 1 < h.size(); ++i) reopen += is_terminal(h[i]) ? 1 : 0;
          c.retries_ok[arn] = reopen;
        }
        c.after_call(r);
        continue;
      }
      if (kind == 7) {
        c.after_call(w.succeed(a % 2 ? "bad-token!" : "ZZZZZZZZZZ"));
        c.after_call(
            w.stop("arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/none", token(1)));
        continue;
      }
      if (!arns.empty()) {
        c.after_call(
            w.call("DescribePipelineExecution", {{"PipelineExecutionArn", arns[a % arns.size()]}}));
        c.after_call(w.call("ListPipelineExecutionSteps",
                            {{"PipelineExecutionArn", arns[a % arns.size()]}}));
      }
    }
    w.run_for(2 * sim::k_hour_us);
    c.check_state();
    c.check_trace();
    // Coverage of the interesting paths (printed by RapidCheck when verbose).
    bool stopped = false, resolved_during_stop = false, retried = false;
    for (const std::string& arn : w.svc.execution_arns()) {
      const auto o = w.svc.observe(arn);
      for (auto st : o.history) stopped = stopped || st == execution_status::stopped;
      retried = retried || c.retries_ok[arn] > 0;
    }
    for (const std::string& line : w.sim.trace().lines())
      resolved_during_stop =
          resolved_during_stop || line.find("\"during_stop\":true") != std::string::npos;
    RC_CLASSIFY(stopped, "an execution stopped");
    RC_CLASSIFY(resolved_during_stop, "callback answered during stop");
    RC_CLASSIFY(retried, "retried");
  } catch (const sim::model_error& e) {
    RC_FAIL(std::string("model error: ") + e.what());
  }
}

// Stop is idempotent under any number of calls with one token: one Stopping message per running
// callback step, and every later call either replays the response or is rejected.
RC_BOOST_PROP(repeated_stops_send_at_most_one_stopping_message_per_step,
              (std::uint8_t repeats, std::uint8_t other_tokens)) {
  world w;
  setup(w);
  const std::string arn = w.start("p");
  w.run_for(k_s);
  RC_ASSERT(w.stop(arn, token(7)).ok());
  for (int i = 0; i < repeats % 20; ++i) {
    RC_ASSERT(w.stop(arn, token(7)).ok());
    if (i < other_tokens % 5) {
      const auto r = w.stop(arn, token(100 + i));
      RC_ASSERT(r.error->code == "ValidationException");
    }
  }
  int stopping = 0;
  for (const json& b : w.sqs.bodies()) stopping += b.value("status", "") == "Stopping" ? 1 : 0;
  RC_ASSERT(stopping == 2);  // A and B were running
  for (const auto& s : w.svc.observe(arn).steps)
    if (s.callback) RC_ASSERT(s.stopping_messages_sent == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// Scenario parsing: defaults, and an error naming the JSON pointer for every kind of bad field.
#include "scenarios/scenario.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using nlohmann::json;

BOOST_AUTO_TEST_SUITE(scenario_test)

json minimal() {
  return json::parse(R"({
    "pipesim": 1, "name": "t",
    "queues": {"callbacks": {}},
    "pipelines": {"p": {"definition": {"Version": "2020-12-01", "Steps": [
      {"Name": "Wait", "Type": "Callback",
       "SqsQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/callbacks",
       "Arguments": {}, "OutputParameters": []}]}}},
    "consumers": [{"name": "w", "queue": "callbacks", "behavior": "succeed"}],
    "actions": [{"at": "0s", "call": "StartPipelineExecution", "as": "run",
                 "params": {"PipelineName": "p", "ClientRequestToken": "0123456789abcdef0123456789abcdef"}},
                {"at": "1m", "call": "StopPipelineExecution",
                 "params": {"PipelineExecutionArn": "${run}", "ClientRequestToken": "0123456789abcdef0123456789abcdeX"}}],
    "expect": {"executions": {"run": {"status": "Stopped", "steps": {"Wait": "Failed"}}}}
  })");
}

BOOST_AUTO_TEST_CASE(defaults_follow_the_format_documentation) {
  const scenarios::scenario s = scenarios::parse_scenario(minimal(), "t.json");
  BOOST_TEST(s.seed == 1u);
  BOOST_TEST((s.selected_profile == models::profile::aws_documented));
  BOOST_TEST(s.until_us == 30 * sim::k_day_us);
  BOOST_TEST(s.region == "us-east-1");
  BOOST_TEST(s.account == "123456789012");
  BOOST_TEST(s.expect.invariants.size() == scenarios::invariant_names().size());
  BOOST_TEST(s.consumers.at(0).max_messages == 1);
  BOOST_TEST(s.actions.at(1).at_us == 60 * sim::k_second_us);
  BOOST_TEST(s.expect.executions.at("run").steps.at("Wait").value() == "Failed");
}

// Applies `edit` to the minimal scenario and expects exactly one problem at `pointer` whose
// message contains `fragment`.
void expect_problem(const std::function<void(json&)>& edit, const std::string& pointer,
                    const std::string& fragment) {
  json doc = minimal();
  edit(doc);
  try {
    scenarios::parse_scenario(doc, "bad.json");
    BOOST_ERROR("accepted a document with a bad " << pointer);
  } catch (const scenarios::scenario_error& e) {
    BOOST_TEST_REQUIRE(!e.problems().empty());
    bool found = false;
    for (const scenarios::problem& p : e.problems()) {
      found = found || (p.pointer == pointer && p.message.find(fragment) != std::string::npos);
    }
    BOOST_TEST(found, "wanted " << pointer << " / " << fragment << ", got:\n" << e.what());
    BOOST_TEST(std::string(e.what()).rfind("bad.json: ", 0) == 0u);
  }
}

BOOST_AUTO_TEST_CASE(top_level_errors_name_the_member) {
  expect_problem([](json& d) { d.erase("pipesim"); }, "/pipesim", "missing");
  expect_problem([](json& d) { d["pipesim"] = 2; }, "/pipesim", "expected 1");
  expect_problem([](json& d) { d.erase("name"); }, "/name", "missing");
  expect_problem([](json& d) { d["seed"] = -3; }, "/seed", "non-negative integer");
  expect_problem([](json& d) { d["profile"] = "chaos"; }, "/profile",
                 "one of ideal, aws_documented, adversarial");
  expect_problem([](json& d) { d["until"] = "5x"; }, "/until", "unknown unit");
  expect_problem([](json& d) { d["account"] = "12345"; }, "/account", "12-digit");
  expect_problem([](json& d) { d["sede"] = 3; }, "/sede", "unknown member \"sede\"");
  expect_problem(
      [](json& d) {
        d["knobs"] = {{"stop.no_such_knob", 1}};
      },
      "/knobs/stop.no_such_knob", "unknown knob");
  // A misspelt knob: its own pointer, and the closest known name.
  expect_problem(
      [](json& d) {
        d["knobs"] = {{"stop.answer_failure_step_statu", "Failed"}};
      },
      "/knobs/stop.answer_failure_step_statu", "did you mean \"stop.answer_failure_step_status\"");
  expect_problem(
      [](json& d) {
        d["knobs"] = {{"sqs.duplicate.probability", "high"}};
      },
      "/knobs/sqs.duplicate.probability", "expects a value like");
}

BOOST_AUTO_TEST_CASE(queue_errors_name_the_attribute_and_its_range) {
  expect_problem([](json& d) { d["queues"]["callbacks"]["visibility_timeout"] = "13h"; },
                 "/queues/callbacks/visibility_timeout", "whole seconds from 0s to 12h");
  expect_problem([](json& d) { d["queues"]["callbacks"]["delay"] = "1500ms"; },
                 "/queues/callbacks/delay", "whole seconds");
  expect_problem([](json& d) { d["queues"]["callbacks"]["retention"] = "30s"; },
                 "/queues/callbacks/retention", "from 1m to 14d");
  expect_problem([](json& d) { d["queues"]["callbacks"]["receive_wait"] = 5; },
                 "/queues/callbacks/receive_wait", "duration string");
  expect_problem([](json& d) { d["queues"]["callbacks"]["type"] = "fifo"; }, "/queues/callbacks",
                 "ending in \".fifo\"");
  expect_problem(
      [](json& d) {
        d["queues"]["callbacks"]["redrive"] = {{"dead_letter_queue", "nope"}};
      },
      "/queues/callbacks/redrive/dead_letter_queue", "another queue");
  expect_problem(
      [](json& d) {
        d["queues"]["callbacks"]["adversity"] = {{"sqs.nope", 1}};
      },
      "/queues/callbacks/adversity/sqs.nope", "unknown knob");
}

BOOST_AUTO_TEST_CASE(pipeline_errors_point_into_the_definition) {
  expect_problem(
      [](json& d) { d["pipelines"]["p"]["definition"]["Steps"][0]["DependsOn"] = {"Ghost"}; },
      "/pipelines/p/definition/Steps/0/DependsOn/0", "Ghost");
  expect_problem([](json& d) { d["pipelines"]["p"]["definition"]["Version"] = "2019-01-01"; },
                 "/pipelines/p/definition/Version", "2020-12-01");
  expect_problem(
      [](json& d) {
        d["pipelines"]["p"]["steps"] = {{"Ghost", {{"duration", "1m"}}}};
      },
      "/pipelines/p/steps/Ghost", "no step \"Ghost\"");
  expect_problem(
      [](json& d) {
        d["pipelines"]["p"]["steps"] = {{"Wait", {{"duration", 5}}}};
      },
      "/pipelines/p/steps/Wait/duration", "duration");
  expect_problem([](json& d) { d["pipelines"]["p"]["definition_file"] = "x.json"; }, "/pipelines/p",
                 "exactly one of");
  expect_problem(
      [](json& d) {
        d["pipelines"]["p"].erase("definition");
        d["pipelines"]["p"]["definition_file"] = "does/not/exist.json";
      },
      "/pipelines/p/definition_file", "cannot read file");
  expect_problem([](json& d) { d["pipelines"]["p"]["parallelism"] = 0; },
                 "/pipelines/p/parallelism", "integer from 1");
}

BOOST_AUTO_TEST_CASE(consumer_errors_name_the_parameter) {
  expect_problem([](json& d) { d["consumers"][0]["behavior"] = "panic"; }, "/consumers/0/behavior",
                 "one of succeed, fail, ignore_stopping");
  expect_problem([](json& d) { d["consumers"][0]["queue"] = "elsewhere"; }, "/consumers/0/queue",
                 "a queue in /queues");
  expect_problem([](json& d) { d["consumers"][0]["max_messages"] = 11; },
                 "/consumers/0/max_messages", "from 1 to 10");
  expect_problem([](json& d) { d["consumers"][0]["poll_wait"] = "21s"; }, "/consumers/0/poll_wait",
                 "from 0s to 20s");
  expect_problem(
      [](json& d) {
        d["consumers"][0]["work"] = {{"min", "2m"}, {"max", "1m"}};
      },
      "/consumers/0/work/max", "max >= min");
  expect_problem([](json& d) { d["consumers"][0]["crash_probability"] = 1.5; },
                 "/consumers/0/crash_probability", "from 0 to 1");
  expect_problem([](json& d) { d["consumers"].push_back(d["consumers"][0]); }, "/consumers/1/name",
                 "duplicate consumer name");
}

BOOST_AUTO_TEST_CASE(action_errors_name_the_field) {
  expect_problem([](json& d) { d["actions"][1]["call"] = "StopEverything"; }, "/actions/1/call",
                 "one of StartPipelineExecution");
  expect_problem([](json& d) { d["actions"][1]["at"] = "-1s"; }, "/actions/1/at", "sign");
  expect_problem(
      [](json& d) {
        d["actions"][1]["at"] = "0s";
        d["actions"][0]["at"] = "1m";
      },
      "/actions/1/at", "time order");
  expect_problem([](json& d) { d["actions"][1]["params"]["PipelineExecutionArn"] = "${later}"; },
                 "/actions/1/params/PipelineExecutionArn", "names no earlier action");
  expect_problem(
      [](json& d) {
        d["actions"][1]["expect"] = {{"error", 5}};
      },
      "/actions/1/expect", "{\"error\": \"<Code>\"} or {\"ok\": true}");
  expect_problem([](json& d) { d["actions"][1]["as"] = "run"; }, "/actions/1/as", "already bound");
}

BOOST_AUTO_TEST_CASE(expectation_errors_name_the_field) {
  expect_problem([](json& d) { d["expect"]["executions"]["run"]["status"] = "Done"; },
                 "/expect/executions/run/status", "one of Executing, Stopping");
  expect_problem([](json& d) { d["expect"]["executions"]["run"]["steps"]["Wait"] = "Waiting"; },
                 "/expect/executions/run/steps/Wait", "one of Starting");
  expect_problem([](json& d) { d["expect"]["executions"]["other"] = json::object(); },
                 "/expect/executions/other", "names no action");
  expect_problem([](json& d) { d["expect"]["executions"]["run"]["by"] = "soon"; },
                 "/expect/executions/run/by", "soon");
  expect_problem(
      [](json& d) {
        d["expect"]["executions"]["run"].erase("status");
        d["expect"]["executions"]["run"]["by"] = "30m";
      },
      "/expect/executions/run/by", "expected \"status\" beside \"by\"");
  expect_problem(
      [](json& d) {
        d["expect"]["queues"] = {{"callbacks", {{"sent", -1}}}};
      },
      "/expect/queues/callbacks/sent", "integer from 0");
  expect_problem(
      [](json& d) {
        d["expect"]["invariants"] = {"liveness", "sanity"};
      },
      "/expect/invariants/1", "one of stop_waits_for_callback");
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_not_only_the_first) {
  json doc = minimal();
  doc["seed"] = "one";
  doc["consumers"][0]["max_messages"] = 0;
  try {
    scenarios::parse_scenario(doc, "bad.json");
    BOOST_ERROR("accepted");
  } catch (const scenarios::scenario_error& e) {
    BOOST_TEST(e.problems().size() == 2u);
  }
}

BOOST_AUTO_TEST_CASE(a_syntax_error_gives_line_and_column) {
  try {
    scenarios::load_scenario(PIPESIM_TEST_DATA "/malformed/syntax_error.json");
    BOOST_ERROR("accepted");
  } catch (const scenarios::scenario_error& e) {
    BOOST_TEST(std::string(e.what()).find("invalid JSON at line 3, column") != std::string::npos,
               e.what());
  }
}

// The schema and the validator accept exactly the same members: every closed object of
// scenario.schema.json (properties with additionalProperties false) lists the same names as the
// validator's table, and the table has no object the schema lacks.
namespace {
void closed_in_schema(const json& node, const std::string& pointer,
                      std::map<std::string, std::vector<std::string>>& out) {
  if (node.is_object()) {
    if (node.contains("properties") && node.value("additionalProperties", true) == false) {
      std::vector<std::string> names;
      for (const auto& [name, value] : node["properties"].items()) names.push_back(name);
      out[pointer] = names;
    }
    for (const auto& [key, value] : node.items()) {
      std::string token;
      for (const char c : key) token += c == '/' ? std::string("~1") : std::string(1, c);
      closed_in_schema(value, pointer + "/" + token, out);
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      closed_in_schema(node[i], pointer + "/" + std::to_string(i), out);
    }
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE(schema_and_validator_accept_the_same_members) {
  std::ifstream in(std::string(PIPESIM_SOURCE_DIR) + "/scenarios/scenario.schema.json");
  BOOST_REQUIRE(in);
  std::map<std::string, std::vector<std::string>> schema;
  closed_in_schema(json::parse(in), "", schema);
  std::map<std::string, std::vector<std::string>> validator = scenarios::closed_objects();
  for (auto* m : {&schema, &validator}) {
    for (auto& [pointer, names] : *m) std::sort(names.begin(), names.end());
  }
  for (const auto& [pointer, names] : schema) {
    BOOST_TEST_CONTEXT("schema object " << pointer) {
      BOOST_REQUIRE(validator.count(pointer) == 1);
      BOOST_TEST(validator.at(pointer) == names, boost::test_tools::per_element());
    }
  }
  for (const auto& [pointer, names] : validator) {
    BOOST_TEST_CONTEXT("validator object " << pointer) { BOOST_TEST(schema.count(pointer) == 1); }
  }
}

// The model's name for a Lambda step's limit is not a scenario member, for the validator as for
// the schema.
BOOST_AUTO_TEST_CASE(lambda_timeout_is_not_a_scenario_member) {
  json doc = minimal();
  doc["pipelines"]["p"]["steps"] = {{"Wait", {{"lambda_timeout", "1m"}}}};
  try {
    scenarios::parse_scenario(doc, "t.json");
    BOOST_FAIL("accepted lambda_timeout");
  } catch (const scenarios::scenario_error& e) {
    BOOST_TEST(e.problems().front().pointer == "/pipelines/p/steps/Wait/lambda_timeout");
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Scenario parsing and validation: the document, its queues, pipelines and knobs, and the member
// table the schema test compares. A little over 500 lines because the queue checks (FIFO,
// redrive, adversity knobs) read best as one function; consumers, Lambda and the script have
// their own files.
#include "scenario.hpp"

#include "models/lambda/mapping.hpp"
#include "models/pipelines/definition.hpp"
#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "scenarios/behaviour_parse.hpp"
#include "scenarios/detail/checker.hpp"
#include "scenarios/detail/consumer_parse.hpp"
#include "scenarios/detail/lambda_parse.hpp"
#include "scenarios/detail/script_parse.hpp"
#include "scenarios/public_api.hpp"
#include "sim/simulation.hpp"
#include "sim/strategy.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace scenarios {

using nlohmann::json;

// Not in the anonymous namespace: pipesim::scenario_error's constructor uses it.
std::string join_problems(const std::string& file, const std::vector<problem>& problems) {
  std::string out;
  for (const problem& p : problems) {
    if (!out.empty()) out += '\n';
    out += file + ": " + (p.pointer.empty() ? "(document)" : p.pointer) + ": " + p.message;
  }
  return out;
}

namespace {

using detail::checker;
using detail::child;
using detail::cross_checks;
using detail::describe;
using detail::members;
using detail::parse_actions;
using detail::parse_consumers;
using detail::parse_expect;

bool valid_queue_name(const std::string& name, bool fifo) {
  std::string base = name;
  if (fifo) {
    if (name.size() < 6 || name.compare(name.size() - 5, 5, ".fifo") != 0) return false;
    base = name.substr(0, name.size() - 5);
  }
  if (name.empty() || name.size() > 80) return false;
  return std::all_of(base.begin(), base.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// Checks knob overrides one by one, so each problem gets the knob's own pointer; an unknown name
// gets the closest known one. `pipeline_knobs`: SageMaker knobs allowed too (not in a queue's
// adversity). Returns whether all were valid.
bool check_knobs(checker& c, const json& knobs, const std::string& pointer, models::profile profile,
                 bool pipeline_knobs) {
  bool ok = true;
  for (const auto& [name, value] : knobs.items()) {
    const bool sqs = name.rfind("sqs.", 0) == 0;
    const bool lambda = name.rfind("lambda.", 0) == 0;
    const std::vector<models::knob_spec>& specs = sqs || !pipeline_knobs ? models::sqs::knobs()
                                                  : lambda               ? models::lambda::knobs()
                                                           : models::pipelines::knobs();
    const bool known =
        std::any_of(specs.begin(), specs.end(),
                    [&wanted = name](const models::knob_spec& k) { return k.name == wanted; });
    if (!known) {
      std::string best;
      std::size_t best_distance = std::numeric_limits<std::size_t>::max();
      for (const auto* list :
           {&models::sqs::knobs(), &models::pipelines::knobs(), &models::lambda::knobs()}) {
        if (list != &models::sqs::knobs() && !pipeline_knobs) continue;
        for (const models::knob_spec& k : *list) {
          const std::size_t d = detail::edit_distance(name, k.name);
          if (d < best_distance) {
            best_distance = d;
            best = k.name;
          }
        }
      }
      c.fail(
          child(pointer, name),
          "unknown knob \"" + name + "\"" +
              (best_distance <= std::max<std::size_t>(3, name.size() / 3)
                   ? " (did you mean \"" + best + "\"?)"
                   : std::string()) +
              (pipeline_knobs ? "; the knobs are listed in models/sqs/README.md, "
                                "models/pipelines/README.md and models/lambda/README.md"
                              : "; a queue's adversity takes sqs.* knobs (models/sqs/README.md)"));
      ok = false;
      continue;
    }
    try {
      models::knob_values(specs, profile, json{{name, value}});
    } catch (const models::knob_error& e) {
      c.fail(child(pointer, name), e.what());
      ok = false;
    }
  }
  return ok;
}

json read_json_file(const std::string& path, const std::string& reported_file) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw scenario_error(reported_file, {problem{"", "cannot read file " + path}});
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return json::parse(buffer.str());
  } catch (const json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line and column for people.
    const std::string text = buffer.str();
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw scenario_error(reported_file,
                         {problem{"", "invalid JSON at line " + std::to_string(line) + ", column " +
                                          std::to_string(column) + " of " + path}});
  } catch (const json::out_of_range& e) {
    // A number no double holds (1e999): JSON's grammar allows it, the file is still unusable.
    throw scenario_error(reported_file,
                         {problem{"", std::string("invalid JSON in ") + path + ": " + e.what()}});
  }
}

std::string directory_of(const std::string& file) {
  const std::size_t slash = file.find_last_of('/');
  return slash == std::string::npos ? std::string() : file.substr(0, slash + 1);
}

void parse_queues(checker& c, const json& queues, scenario& out) {
  const std::string base = "/queues";
  if (!c.object(queues, base)) return;
  for (const auto& [name, q] : queues.items()) {
    const std::string p = child(base, name);
    if (!c.object(q, p)) continue;
    c.only(q, p, members("/$defs/queue"));
    queue_spec spec;
    spec.name = name;
    if (q.contains("type")) {
      spec.fifo = c.one_of<bool>(q["type"], child(p, "type"), {{"standard", false}, {"fifo", true}})
                      .value_or(false);
    }
    if (!valid_queue_name(name, spec.fifo)) {
      c.fail(p, spec.fifo ? "a FIFO queue name must be 1-80 characters of A-Z, a-z, 0-9, - and _ "
                            "ending in \".fifo\""
                          : "a queue name must be 1-80 characters of A-Z, a-z, 0-9, - and _");
    }
    // Ranges from the CreateQueue reference
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html).
    if (q.contains("visibility_timeout")) {
      spec.visibility_timeout_us =
          c.seconds(q["visibility_timeout"], child(p, "visibility_timeout"), 0, 43'200);
    }
    if (q.contains("delay")) spec.delay_us = c.seconds(q["delay"], child(p, "delay"), 0, 900);
    if (q.contains("retention")) {
      spec.retention_us = c.seconds(q["retention"], child(p, "retention"), 60, 1'209'600);
    }
    if (q.contains("receive_wait")) {
      spec.receive_wait_us = c.seconds(q["receive_wait"], child(p, "receive_wait"), 0, 20);
    }
    if (q.contains("content_based_deduplication")) {
      spec.content_based_deduplication =
          c.boolean(q["content_based_deduplication"], child(p, "content_based_deduplication"));
      if (!spec.fifo) {
        c.fail(child(p, "content_based_deduplication"), "only FIFO queues deduplicate by content");
      }
    }
    if (q.contains("redrive")) {
      const json& r = q["redrive"];
      const std::string rp = child(p, "redrive");
      if (c.object(r, rp)) {
        c.only(r, rp, members("/$defs/queue/properties/redrive"));
        redrive_spec redrive;
        if (!r.contains("dead_letter_queue")) {
          c.fail(rp, "missing \"dead_letter_queue\" (the name of another queue)");
        } else if (auto dlq = c.text(r["dead_letter_queue"], child(rp, "dead_letter_queue"))) {
          redrive.dead_letter_queue = *dlq;
          if (!queues.contains(*dlq) || *dlq == name) {
            c.fail(child(rp, "dead_letter_queue"),
                   "expected the name of another queue in /queues, got \"" + *dlq + "\"");
          } else if (queues[*dlq].is_object() &&
                     (queues[*dlq].value("type", "standard") == "fifo") != spec.fifo) {
            c.fail(child(rp, "dead_letter_queue"),
                   "a dead-letter queue must be of the same type as its source queue");
          }
        }
        if (r.contains("max_receive_count")) {
          redrive.max_receive_count =
              c.integer(r["max_receive_count"], child(rp, "max_receive_count"), 1, 1000)
                  .value_or(10);
        }
        spec.redrive = redrive;
      }
    }
    if (q.contains("adversity")) {
      const std::string ap = child(p, "adversity");
      if (c.object(q["adversity"], ap)) {
        if (check_knobs(c, q["adversity"], ap, models::profile::aws_documented, false)) {
          spec.adversity = q["adversity"];
        }
      }
    }
    out.queues.push_back(std::move(spec));
  }
}

void parse_pipelines(checker& c, const json& pipelines, const std::string& file, scenario& out,
                     json& document) {
  const std::string base = "/pipelines";
  if (!c.object(pipelines, base)) return;
  for (const auto& [name, pl] : pipelines.items()) {
    const std::string p = child(base, name);
    if (!c.object(pl, p)) continue;
    c.only(pl, p, members("/$defs/pipeline"));
    pipeline_spec spec;
    spec.name = name;
    std::string definition_pointer = child(p, "definition");
    if (pl.contains("definition") == pl.contains("definition_file")) {
      c.fail(p,
             "expected exactly one of \"definition\" (an object) and \"definition_file\" (a path)");
      continue;
    }
    if (pl.contains("definition")) {
      spec.definition = pl["definition"];
    } else if (auto path = c.text(pl["definition_file"], child(p, "definition_file"))) {
      definition_pointer = child(p, "definition_file");
      const std::string full = path->front() == '/' ? *path : directory_of(file) + *path;
      try {
        spec.definition = read_json_file(full, file);
      } catch (const scenario_error& e) {
        c.fail(definition_pointer, e.problems().front().message);
        continue;
      }
      // The document keeps the definition inline, so a trace carries everything a replay needs.
      document["pipelines"][name].erase("definition_file");
      document["pipelines"][name]["definition"] = spec.definition;
    } else {
      continue;
    }
    std::optional<models::pipelines::pipeline_definition> definition;
    try {
      definition = models::pipelines::parse_definition(spec.definition);
    } catch (const models::pipelines::definition_error& e) {
      const bool from_file = pl.contains("definition_file");
      c.fail(from_file ? definition_pointer
                       : definition_pointer + (e.pointer() == "/" ? "" : e.pointer()),
             (from_file ? "in the definition file at " + e.pointer() + ": " : "") + e.message());
    }
    if (pl.contains("steps")) {
      const std::string sp = child(p, "steps");
      if (c.object(pl["steps"], sp)) {
        // The scenario format says "timeout" for a Lambda step's limit; the model calls it
        // lambda_timeout.
        json behaviour = pl["steps"];
        for (auto& [step, b] : behaviour.items()) {
          if (definition && !definition->find(step)) {
            c.fail(child(sp, step), "no step \"" + step + "\" in this pipeline's definition");
          }
          if (b.is_object()) {
            c.only(b, child(sp, step), members("/$defs/step_behaviour"));
            // The model's name for "timeout", reported above: not passed on to the model, which
            // would take it.
            b.erase("lambda_timeout");
          }
          if (b.is_object() && b.contains("timeout")) {
            b["lambda_timeout"] = b["timeout"];
            b.erase("timeout");
          }
        }
        try {
          spec.behaviour = parse_behaviour(behaviour);
          spec.steps = behaviour;
        } catch (const models::pipelines::definition_error& e) {
          std::string pointer = e.pointer();
          const std::string renamed = "/lambda_timeout";
          const std::size_t at = pointer.find(renamed);
          if (at != std::string::npos) pointer.replace(at, renamed.size(), "/timeout");
          c.fail(sp + (pointer == "/" ? "" : pointer), e.message());
        }
      }
    }
    if (pl.contains("parallelism")) {
      spec.parallelism = c.integer(pl["parallelism"], child(p, "parallelism"), 1,
                                   std::numeric_limits<std::int32_t>::max());
    }
    if (definition) {
      spec.parsed_definition =
          std::make_shared<const models::pipelines::pipeline_definition>(std::move(*definition));
    }
    out.pipelines.push_back(std::move(spec));
  }
}

}  // namespace

const std::map<std::string, std::vector<std::string>>& closed_objects() {
  static const std::map<std::string, std::vector<std::string>> table{
      {"",
       {"pipesim", "name", "description", "seed", "profile", "knobs", "until", "max_events",
        "region", "account", "queues", "pipelines", "consumers", "actions", "mocks", "expect"}},
      {"/$defs/count/oneOf/1", {"min", "max"}},
      {"/$defs/duration_range/oneOf/1", {"min", "max"}},
      {"/$defs/queue",
       {"type", "visibility_timeout", "delay", "retention", "receive_wait", "redrive",
        "content_based_deduplication", "adversity"}},
      {"/$defs/queue/properties/redrive", {"dead_letter_queue", "max_receive_count"}},
      {"/$defs/pipeline", {"definition", "definition_file", "steps", "parallelism"}},
      {"/$defs/step_behaviour",
       {"duration", "outcome", "failure_reason", "failed_attempts", "failure_type", "timeout",
        "stop_latency", "outputs", "properties"}},
      {"/$defs/consumer",
       {"name", "queue", "behavior", "work", "cleanup", "poll_wait", "max_messages",
        "extend_visibility", "use_client_request_token", "outputs", "crash_probability",
        "failure_reason", "lambda", "process"}},
      {"/$defs/lambda",
       {"handler", "batch_size", "batching_window", "report_batch_item_failures",
        "maximum_concurrency", "timeout", "duration", "environment", "filter", "runtime", "code",
        "interpreter", "wall_clock_guard"}},
      {"/$defs/process", {"command", "queue", "cwd", "environment", "wall_clock_guard"}},
      {"/$defs/mock_operation",
       {"replies", "choose", "creates", "deletes", "token", "completes", "when_exists"}},
      {"/$defs/mock_reply", {"response", "error", "times"}},
      {"/$defs/mock_reply/properties/error", {"code", "message", "status"}},
      {"/$defs/mock_operation/properties/completes",
       {"after", "answer", "outputs", "failure_reason"}},
      {"/$defs/action", {"at", "call", "params", "as", "expect"}},
      {"/$defs/action/properties/expect/oneOf/0", {"error"}},
      {"/$defs/action/properties/expect/oneOf/1", {"ok"}},
      {"/$defs/expect", {"executions", "queues", "invariants", "reached"}},
      {"/$defs/expect/properties/executions/additionalProperties", {"status", "by", "steps"}},
      {"/$defs/expect/properties/queues/additionalProperties",
       {"sent", "received", "deleted", "in_dlq"}}};
  return table;
}

std::string count_range::to_string() const {
  if (min == max) return std::to_string(min);
  if (max == std::numeric_limits<std::int64_t>::max()) return "at least " + std::to_string(min);
  if (min == 0) return "at most " + std::to_string(max);
  return "between " + std::to_string(min) + " and " + std::to_string(max);
}

std::string_view to_string(consumer_behavior b) noexcept {
  switch (b) {
    case consumer_behavior::succeed:
      return "succeed";
    case consumer_behavior::fail:
      return "fail";
    case consumer_behavior::ignore_stopping:
      return "ignore_stopping";
    case consumer_behavior::never_answer:
      return "never_answer";
    case consumer_behavior::crash_before_delete:
      return "crash_before_delete";
    case consumer_behavior::slow:
      return "slow";
    case consumer_behavior::not_idempotent:
      return "not_idempotent";
    case consumer_behavior::delete_before_answer:
      return "delete_before_answer";
  }
  return "succeed";
}

std::string_view to_string(lambda_handler h) noexcept {
  for (const auto& [name, value] : detail::lambda_handler_names()) {
    if (value == h) return name;
  }
  return "hand_off";
}

bool claims_correctness(consumer_behavior b) noexcept {
  return b == consumer_behavior::succeed || b == consumer_behavior::not_idempotent ||
         b == consumer_behavior::delete_before_answer;
}

const std::vector<std::string>& invariant_names() {
  static const std::vector<std::string> names{
      "stop_waits_for_callback", "one_stopping_message_per_step",
      "token_resolved_once",     "terminal_status_final",
      "message_conservation",    "liveness",
      "resource_created_once",   "stop_cleans_up",
      "no_leaked_resources",     "no_lost_callback",
      "handler_calls_simulated", "worker_exits_cleanly"};
  return names;
}

const std::vector<std::string>& action_operations() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> all = models::pipelines::service::operations();
    for (const char* op :
         {"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage",
          "DeleteMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
          "GetQueueAttributes", "SetQueueAttributes", "PurgeQueue", "CreateQueue", "GetQueueUrl"}) {
      all.emplace_back(op);
    }
    return all;
  }();
  return ops;
}

scenario parse_scenario(const json& document, const std::string& file) {
  checker c;
  scenario out;
  out.file = file;
  out.document = document;
  if (!document.is_object()) {
    c.expected("", "a JSON object", document);
    throw scenario_error(file, c.problems);
  }
  c.only(document, "", members(""));
  if (!document.contains("pipesim")) {
    c.fail("/pipesim", "missing: a scenario file starts with \"pipesim\": 1");
  } else if (document["pipesim"] != 1) {
    c.expected("/pipesim", "1 (the only format version)", document["pipesim"]);
  }
  if (!document.contains("name")) {
    c.fail("/name", "missing: every scenario has a name");
  } else {
    out.name = c.text(document["name"], "/name").value_or("");
  }
  if (document.contains("description")) {
    out.description = c.text(document["description"], "/description", false).value_or("");
  }
  if (document.contains("seed")) {
    if (!document["seed"].is_number_unsigned() &&
        !(document["seed"].is_number_integer() && document["seed"].get<std::int64_t>() >= 0)) {
      c.expected("/seed", "a non-negative integer", document["seed"]);
    } else {
      out.seed = document["seed"].get<std::uint64_t>();
    }
  }
  if (document.contains("profile")) {
    out.selected_profile =
        c.one_of<models::profile>(document["profile"], "/profile",
                                  {{"ideal", models::profile::ideal},
                                   {"aws_documented", models::profile::aws_documented},
                                   {"adversarial", models::profile::adversarial}})
            .value_or(models::profile::aws_documented);
  }
  if (document.contains("knobs") && c.object(document["knobs"], "/knobs")) {
    json sqs_knobs = json::object();
    json pipeline_knobs = json::object();
    for (const auto& [name, value] : document["knobs"].items()) {
      (name.rfind("sqs.", 0) == 0 ? sqs_knobs : pipeline_knobs)[name] = value;
    }
    (void)sqs_knobs;
    (void)pipeline_knobs;
    if (check_knobs(c, document["knobs"], "/knobs", out.selected_profile, true)) {
      out.knobs = document["knobs"];
    }
  }
  if (document.contains("until"))
    out.until_us = c.duration(document["until"], "/until").value_or(out.until_us);
  if (document.contains("max_events")) {
    out.max_events = static_cast<std::uint64_t>(c.integer(document["max_events"], "/max_events", 1,
                                                          std::numeric_limits<std::int64_t>::max())
                                                    .value_or(1));
  }
  if (document.contains("region")) {
    out.region = c.text(document["region"], "/region").value_or(out.region);
  }
  if (document.contains("account")) {
    const json& a = document["account"];
    if (!a.is_string() || a.get<std::string>().size() != 12 ||
        !std::all_of(a.get<std::string>().begin(), a.get<std::string>().end(),
                     [](char ch) { return ch >= '0' && ch <= '9'; })) {
      c.expected("/account", "a 12-digit AWS account id as a string", a);
    } else {
      out.account = a.get<std::string>();
    }
  }
  if (document.contains("queues")) parse_queues(c, document["queues"], out);
  if (document.contains("pipelines"))
    parse_pipelines(c, document["pipelines"], file, out, out.document);
  if (document.contains("consumers")) parse_consumers(c, document["consumers"], out);
  if (document.contains("actions")) parse_actions(c, document["actions"], out);
  if (document.contains("mocks")) detail::parse_mocks(c, document["mocks"], out);
  if (document.contains("expect")) {
    parse_expect(c, document["expect"], out);
  } else {
    out.expect.invariants = invariant_names();
  }
  if (c.problems.empty()) cross_checks(c, out);
  if (!c.problems.empty()) throw scenario_error(file, c.problems);
  return out;
}

scenario load_scenario(const std::string& path) {
  return parse_scenario(read_json_file(path, path), path);
}

}  // namespace scenarios

namespace pipesim {

scenario_error::scenario_error(std::string file, std::vector<problem> problems)
    : std::runtime_error(scenarios::join_problems(file, problems)),
      file_(std::move(file)),
      problems_(std::move(problems)) {}

scenario scenario::load(const std::string& path) {
  return detail::scenario_access::wrap(scenarios::load_scenario(path));
}

scenario scenario::parse(const nlohmann::json& document, const std::string& file) {
  return detail::scenario_access::wrap(scenarios::parse_scenario(document, file));
}

const std::string& scenario::name() const { return impl_->parsed.name; }
const std::string& scenario::file() const { return impl_->parsed.file; }
const std::vector<problem>& scenario::warnings() const { return impl_->parsed.warnings; }

}  // namespace pipesim

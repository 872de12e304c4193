// Scenario parsing and validation.
#include "scenario.hpp"

#include "models/lambda/mapping.hpp"
#include "models/pipelines/definition.hpp"
#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "scenarios/behaviour_parse.hpp"
#include "scenarios/detail/checker.hpp"
#include "scenarios/detail/lambda_parse.hpp"
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
using detail::describe;
using detail::members;

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

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
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
          const std::size_t d = edit_distance(name, k.name);
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

bool valid_binding_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// Every "${name}" inside a JSON value, with the pointer where it appears.
void references(const json& v, const std::string& pointer,
                std::vector<std::pair<std::string, std::string>>& out) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    for (std::size_t at = s.find("${"); at != std::string::npos; at = s.find("${", at + 2)) {
      const std::size_t end = s.find('}', at);
      // "${name}" or "${name.Member[0].Member}": the bound name is what precedes the path.
      std::string ref =
          s.substr(at + 2, end == std::string::npos ? std::string::npos : end - at - 2);
      out.emplace_back(ref.substr(0, ref.find_first_of(".[")), pointer);
    }
  } else if (v.is_object()) {
    for (const auto& [key, value] : v.items()) references(value, child(pointer, key), out);
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) references(v[i], child(pointer, i), out);
  }
}

const std::vector<std::string>& execution_statuses() {
  static const std::vector<std::string> s{"Executing", "Stopping", "Stopped", "Failed",
                                          "Succeeded"};
  return s;
}
const std::vector<std::string>& step_statuses() {
  static const std::vector<std::string> s{"Starting", "Executing", "Stopping",
                                          "Stopped",  "Failed",    "Succeeded"};
  return s;
}

void check_status(checker& c, const json& v, const std::string& pointer,
                  const std::vector<std::string>& allowed, std::optional<std::string>& out) {
  if (v.is_string() &&
      std::find(allowed.begin(), allowed.end(), v.get<std::string>()) != allowed.end()) {
    out = v.get<std::string>();
    return;
  }
  std::string list;
  for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
  c.expected(pointer, "one of " + list, v);
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

void parse_consumers(checker& c, const json& consumers, scenario& out) {
  const std::string base = "/consumers";
  if (!consumers.is_array()) {
    c.expected(base, "an array of consumers", consumers);
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    const json& k = consumers[i];
    const std::string p = child(base, i);
    if (!c.object(k, p)) continue;
    c.only(k, p, members("/$defs/consumer"));
    consumer_spec spec;
    if (!k.contains("name")) {
      c.fail(p, "missing \"name\"");
    } else if (auto n = c.text(k["name"], child(p, "name"))) {
      spec.name = *n;
      if (!names.insert(*n).second)
        c.fail(child(p, "name"), "duplicate consumer name \"" + *n + "\"");
    }
    if (!k.contains("queue")) {
      c.fail(p, "missing \"queue\" (the name of a queue in /queues)");
    } else if (auto q = c.text(k["queue"], child(p, "queue"))) {
      spec.queue = *q;
      if (std::none_of(out.queues.begin(), out.queues.end(),
                       [&](const queue_spec& qs) { return qs.name == *q; })) {
        c.fail(child(p, "queue"), "expected the name of a queue in /queues, got \"" + *q + "\"");
      }
    }
    if (k.contains("lambda")) {
      // A Lambda function behind an event source mapping: its own settings.
      detail::parse_lambda(c, k, p, out.queues, spec);
      out.consumers.push_back(std::move(spec));
      continue;
    }
    if (!k.contains("behavior")) {
      c.fail(p, "missing \"behavior\" (or \"lambda\" for a Lambda function)");
    } else {
      spec.behavior = c.one_of<consumer_behavior>(
                           k["behavior"], child(p, "behavior"),
                           {{"succeed", consumer_behavior::succeed},
                            {"fail", consumer_behavior::fail},
                            {"ignore_stopping", consumer_behavior::ignore_stopping},
                            {"never_answer", consumer_behavior::never_answer},
                            {"crash_before_delete", consumer_behavior::crash_before_delete},
                            {"slow", consumer_behavior::slow},
                            {"not_idempotent", consumer_behavior::not_idempotent},
                            {"delete_before_answer", consumer_behavior::delete_before_answer}})
                          .value_or(consumer_behavior::succeed);
    }
    if (k.contains("work")) spec.work = c.range(k["work"], child(p, "work")).value_or(spec.work);
    if (k.contains("cleanup")) {
      spec.cleanup = c.range(k["cleanup"], child(p, "cleanup")).value_or(spec.cleanup);
    }
    if (k.contains("poll_wait")) {
      spec.poll_wait_us = c.seconds(k["poll_wait"], child(p, "poll_wait"), 0, 20).value_or(0);
    }
    if (k.contains("max_messages")) {
      spec.max_messages = c.integer(k["max_messages"], child(p, "max_messages"), 1, 10).value_or(1);
    }
    if (k.contains("extend_visibility")) {
      spec.extend_visibility =
          c.boolean(k["extend_visibility"], child(p, "extend_visibility")).value_or(false);
      if (spec.extend_visibility && spec.behavior == consumer_behavior::slow) {
        c.fail(child(p, "extend_visibility"),
               "contradicts \"behavior\": \"slow\", which is the consumer that never extends "
               "the visibility timeout (use \"succeed\" with extend_visibility, or drop it)");
      }
    }
    if (k.contains("use_client_request_token")) {
      spec.use_client_request_token =
          c.boolean(k["use_client_request_token"], child(p, "use_client_request_token"))
              .value_or(true);
    }
    if (k.contains("outputs")) {
      const std::string op = child(p, "outputs");
      if (c.object(k["outputs"], op)) {
        for (const auto& [oname, value] : k["outputs"].items()) {
          if (!value.is_string())
            c.expected(child(op, oname), "a string (output values are strings)", value);
        }
        spec.outputs = k["outputs"];
      }
    }
    if (k.contains("crash_probability")) {
      const json& v = k["crash_probability"];
      if (!v.is_number() || v.get<double>() < 0.0 || v.get<double>() > 1.0) {
        c.expected(child(p, "crash_probability"), "a number from 0 to 1", v);
      } else {
        spec.crash_probability = v.get<double>();
      }
    }
    if (k.contains("failure_reason")) {
      spec.failure_reason =
          c.text(k["failure_reason"], child(p, "failure_reason"), false).value_or("");
    }
    out.consumers.push_back(std::move(spec));
  }
}

void parse_actions(checker& c, const json& actions, scenario& out) {
  const std::string base = "/actions";
  if (!actions.is_array()) {
    c.expected(base, "an array of actions", actions);
    return;
  }
  std::set<std::string> bound;
  sim::time_us previous_at = 0;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const json& a = actions[i];
    const std::string p = child(base, i);
    if (!c.object(a, p)) continue;
    c.only(a, p, members("/$defs/action"));
    action_spec spec;
    if (!a.contains("at")) {
      c.fail(p, "missing \"at\" (a duration such as \"30s\")");
    } else if (auto at = c.duration(a["at"], child(p, "at"))) {
      spec.at_us = *at;
      if (*at < previous_at) c.fail(child(p, "at"), "actions must be in time order");
      previous_at = *at;
    }
    const std::vector<std::string>& ops = action_operations();
    if (!a.contains("call")) {
      c.fail(p, "missing \"call\" (an API operation name)");
    } else if (!a["call"].is_string() ||
               std::find(ops.begin(), ops.end(), a["call"].get<std::string>()) == ops.end()) {
      std::string list;
      for (const std::string& o : ops) list += (list.empty() ? "" : ", ") + o;
      c.expected(child(p, "call"), "one of " + list, a["call"]);
    } else {
      spec.call = a["call"].get<std::string>();
    }
    if (a.contains("params")) {
      if (c.object(a["params"], child(p, "params"))) spec.params = a["params"];
      std::vector<std::pair<std::string, std::string>> refs;
      references(a["params"], child(p, "params"), refs);
      for (const auto& [name, where] : refs) {
        if (!bound.count(name)) {
          c.fail(where, "\"${" + name + "}\" names no earlier action's \"as\"");
        }
      }
    }
    if (a.contains("as")) {
      if (auto name = c.text(a["as"], child(p, "as"))) {
        if (!valid_binding_name(*name)) {
          c.fail(child(p, "as"), "expected a name of letters, digits, _ and -");
        } else if (!bound.insert(*name).second) {
          c.fail(child(p, "as"), "\"" + *name + "\" is already bound by an earlier action");
        }
        spec.bind_as = *name;
      }
    }
    if (a.contains("expect")) {
      const json& e = a["expect"];
      const std::string ep = child(p, "expect");
      if (e.is_object() && e.size() == 1 && e.contains("error") && e["error"].is_string() &&
          !e["error"].get<std::string>().empty()) {
        spec.expect_error = e["error"].get<std::string>();
      } else if (e.is_object() && e.size() == 1 && e.contains("ok") && e["ok"] == true) {
        spec.expect_ok = true;
      } else {
        c.expected(ep, "{\"error\": \"<Code>\"} or {\"ok\": true}", e);
      }
    }
    out.actions.push_back(std::move(spec));
  }
}

void parse_expect(checker& c, const json& expect, scenario& out) {
  const std::string base = "/expect";
  if (!c.object(expect, base)) return;
  c.only(expect, base, members("/$defs/expect"));
  std::set<std::string> bound;
  for (const action_spec& a : out.actions) {
    if (a.bind_as) bound.insert(*a.bind_as);
  }
  if (expect.contains("executions")) {
    const std::string p = child(base, "executions");
    if (c.object(expect["executions"], p)) {
      for (const auto& [name, e] : expect["executions"].items()) {
        const std::string ep = child(p, name);
        if (!bound.count(name)) c.fail(ep, "\"" + name + "\" names no action's \"as\"");
        if (!c.object(e, ep)) continue;
        c.only(e, ep, members("/$defs/expect/properties/executions/additionalProperties"));
        execution_expectation x;
        if (e.contains("status"))
          check_status(c, e["status"], child(ep, "status"), execution_statuses(), x.status);
        if (e.contains("by")) {
          x.by_us = c.duration(e["by"], child(ep, "by"));
          if (!e.contains("status")) {
            c.fail(child(ep, "by"), "expected \"status\" beside \"by\" (by when it is reached)");
          }
        }
        if (e.contains("steps") && c.object(e["steps"], child(ep, "steps"))) {
          for (const auto& [step, status] : e["steps"].items()) {
            std::optional<std::string> s;
            if (!status.is_null()) {
              check_status(c, status, child(child(ep, "steps"), step), step_statuses(), s);
            }
            x.steps[step] = s;
          }
        }
        out.expect.executions[name] = std::move(x);
      }
    }
  }
  if (expect.contains("queues")) {
    const std::string p = child(base, "queues");
    if (c.object(expect["queues"], p)) {
      for (const auto& [name, counts] : expect["queues"].items()) {
        const std::string qp = child(p, name);
        if (std::none_of(out.queues.begin(), out.queues.end(),
                         [&wanted = name](const queue_spec& q) { return q.name == wanted; })) {
          c.fail(qp, "expected the name of a queue in /queues");
        }
        if (!c.object(counts, qp)) continue;
        c.only(counts, qp, members("/$defs/expect/properties/queues/additionalProperties"));
        queue_expectation q;
        const std::pair<const char*, std::optional<count_range>*> members[] = {
            {"sent", &q.sent},
            {"received", &q.received},
            {"deleted", &q.deleted},
            {"in_dlq", &q.in_dlq}};
        for (const auto& [member, target] : members) {
          if (counts.contains(member)) *target = c.count(counts[member], child(qp, member));
        }
        out.expect.queues[name] = q;
      }
    }
  }
  out.expect.invariants = invariant_names();
  if (expect.contains("invariants")) {
    const json& inv = expect["invariants"];
    const std::string p = child(base, "invariants");
    if (inv == "all") return;
    if (!inv.is_array()) {
      c.expected(p, "\"all\" or an array of invariant names", inv);
      return;
    }
    out.expect.invariants.clear();
    const std::vector<std::string>& known = invariant_names();
    for (std::size_t i = 0; i < inv.size(); ++i) {
      if (!inv[i].is_string() ||
          std::find(known.begin(), known.end(), inv[i].get<std::string>()) == known.end()) {
        std::string list;
        for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
        c.expected(child(p, i), "one of " + list, inv[i]);
      } else {
        out.expect.invariants.push_back(inv[i].get<std::string>());
      }
    }
  }
}

// What a "${...}" member stands for when a request is checked before the run: a value AWS
// accepts for that member, so only the literal values are judged.
json placeholder_for(const std::string& member, const scenario& sc) {
  if (member == "PipelineExecutionArn") {
    return "arn:aws:sagemaker:" + sc.region + ":" + sc.account +
           ":pipeline/p/execution/placeholder0";
  }
  if (member == "CallbackToken") return "Placeholdr";
  if (member == "QueueUrl") {
    return "https://sqs." + sc.region + ".amazonaws.com/" + sc.account + "/" +
           (sc.queues.empty() ? std::string("placeholder") : sc.queues.front().name);
  }
  return "00000000-0000-4000-8000-000000000000";  // a UUID: within every string limit that matters
}

json with_placeholders(const json& v, const std::string& member, const scenario& sc) {
  if (v.is_string() && v.get_ref<const std::string&>().find("${") != std::string::npos) {
    return placeholder_for(member, sc);
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : v.items()) out[key] = with_placeholders(value, key, sc);
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const json& item : v) out.push_back(with_placeholders(item, member, sc));
    return out;
  }
  return v;
}

// Errors that a request earns from its parameters alone, whatever the service's state: these an
// action's params can be checked for before the run.
bool static_error(const std::string& code) {
  static const std::set<std::string> codes{"ValidationException",
                                           "InvalidParameterValue",
                                           "MissingParameter",
                                           "InvalidAttributeName",
                                           "InvalidAttributeValue",
                                           "InvalidBatchEntryId",
                                           "TooManyEntriesInBatchRequest",
                                           "EmptyBatchRequest",
                                           "BatchEntryIdsNotDistinct",
                                           "InvalidMessageContents",
                                           "InvalidParameterCombination",
                                           "MissingAction",
                                           "InvalidAddress"};
  return codes.count(code) > 0;
}

// The checks that need the whole scenario: expectations naming steps, callback queues, and each
// action's parameters against the operation's AWS constraints (sent to an empty simulated
// service: a parameter error comes back before any state is looked at).
void cross_checks(checker& c, scenario& out) {
  std::map<std::string, models::pipelines::pipeline_definition> definitions;
  for (const pipeline_spec& p : out.pipelines) {
    try {
      definitions.emplace(p.name, models::pipelines::parse_definition(p.definition));
    } catch (const models::pipelines::definition_error&) {
      // reported already
    }
  }
  // Expectations on the steps of an execution whose pipeline is known.
  for (const auto& [name, x] : out.expect.executions) {
    const auto a =
        std::find_if(out.actions.begin(), out.actions.end(),
                     [&wanted = name](const action_spec& s) { return s.bind_as == wanted; });
    if (a == out.actions.end() || a->call != "StartPipelineExecution" ||
        !a->params.contains("PipelineName") || !a->params["PipelineName"].is_string()) {
      continue;
    }
    const auto d = definitions.find(a->params["PipelineName"].get<std::string>());
    if (d == definitions.end()) continue;
    for (const auto& [step, status] : x.steps) {
      if (!d->second.find(step)) {
        c.fail(child(child(child(child("/expect", "executions"), name), "steps"), step),
               "pipeline \"" + d->first + "\" (started by the action bound to \"" + name +
                   "\") has no step \"" + step + "\"");
      }
    }
  }
  // Callback steps whose queue the scenario does not declare: AWS takes the definition, and the
  // step fails at run time with QueueDoesNotExist.
  for (const pipeline_spec& p : out.pipelines) {
    const auto steps = p.definition.find("Steps");
    if (steps == p.definition.end() || !steps->is_array()) continue;
    for (std::size_t i = 0; i < steps->size(); ++i) {
      const json& st = (*steps)[i];
      if (!st.is_object() || st.value("Type", "") != "Callback" || !st.contains("SqsQueueUrl") ||
          !st["SqsQueueUrl"].is_string()) {
        continue;
      }
      const std::string url = st["SqsQueueUrl"].get<std::string>();
      const std::string prefix =
          "https://sqs." + out.region + ".amazonaws.com/" + out.account + "/";
      const bool declared =
          std::any_of(out.queues.begin(), out.queues.end(),
                      [&](const queue_spec& q) { return url == prefix + q.name; });
      if (!declared) {
        out.warnings.push_back(
            {child(child(child(child(child("/pipelines", p.name), "definition"), "Steps"), i),
                   "SqsQueueUrl"),
             "\"" + url + "\" is no queue of this scenario (queue URLs here are " + prefix +
                 "<name>): AWS accepts the definition, and the step fails with QueueDoesNotExist"});
      }
    }
  }
  // Each action's parameters, against an empty service of the right kind.
  sim::simulation s(0, std::make_unique<sim::nominal_strategy>());
  models::pipelines::service sagemaker(
      s, models::knob_values(models::pipelines::knobs(), out.selected_profile), nullptr);
  models::sqs::service sqs(s, models::knob_values(models::sqs::knobs(), out.selected_profile));
  const std::vector<std::string>& sagemaker_ops = models::pipelines::service::operations();
  for (std::size_t i = 0; i < out.actions.size(); ++i) {
    const action_spec& a = out.actions[i];
    if (a.call.empty()) continue;
    const json request = with_placeholders(a.params, "", out);
    const bool to_sagemaker =
        std::find(sagemaker_ops.begin(), sagemaker_ops.end(), a.call) != sagemaker_ops.end();
    const models::api_result r =
        to_sagemaker ? sagemaker.call(a.call, request) : sqs.call(a.call, request);
    if (!r.ok() && static_error(r.error->code) && a.expect_error != r.error->code) {
      // AWS names the member in lowerCamelCase ("at 'clientRequestToken'"); point at it if the
      // request has it.
      std::string pointer = child(child("/actions", i), "params");
      const std::size_t at = r.error->message.find("at '");
      if (at != std::string::npos && a.params.is_object()) {
        const std::string member =
            r.error->message.substr(at + 4, r.error->message.find('\'', at + 4) - at - 4);
        for (const auto& [key, value] : a.params.items()) {
          if (!key.empty() && !member.empty() && key.substr(1) == member.substr(1) &&
              std::tolower(static_cast<unsigned char>(key[0])) == member[0]) {
            pointer = child(pointer, key);
          }
        }
      }
      c.fail(pointer,
             "AWS would answer " + a.call + " with " + r.error->code + ": " + r.error->message);
    }
  }
}

}  // namespace

const std::map<std::string, std::vector<std::string>>& closed_objects() {
  static const std::map<std::string, std::vector<std::string>> table{
      {"",
       {"pipesim", "name", "description", "seed", "profile", "knobs", "until", "max_events",
        "region", "account", "queues", "pipelines", "consumers", "actions", "expect"}},
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
        "failure_reason", "lambda"}},
      {"/$defs/lambda",
       {"handler", "batch_size", "batching_window", "report_batch_item_failures",
        "maximum_concurrency", "timeout", "duration", "environment", "filter"}},
      {"/$defs/action", {"at", "call", "params", "as", "expect"}},
      {"/$defs/action/properties/expect/oneOf/0", {"error"}},
      {"/$defs/action/properties/expect/oneOf/1", {"ok"}},
      {"/$defs/expect", {"executions", "queues", "invariants"}},
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
      "no_leaked_resources",     "no_lost_callback"};
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

// Parsing and checking a scenario's "actions" and "expect" (see detail/script_parse.hpp).
#include "scenarios/detail/script_parse.hpp"

#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "scenarios/public_api.hpp"
#include "sim/simulation.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace scenarios::detail {
namespace {

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

}  // namespace

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
  if (expect.contains("reached")) {
    const json& list = expect["reached"];
    const std::string p = child(base, "reached");
    if (!list.is_array()) {
      c.expected(p, "an array of situation ids", list);
    } else {
      const std::vector<sim::situation> known = all_situations();
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::optional<std::string> id = c.text(list[i], child(p, i));
        if (!id) continue;
        const auto same = [&](const sim::situation& s) { return s.id == *id; };
        if (std::any_of(known.begin(), known.end(), same)) {
          out.expect.reached.push_back(*id);
          continue;
        }
        std::string best;
        std::size_t best_distance = std::numeric_limits<std::size_t>::max();
        for (const sim::situation& s : known) {
          const std::size_t d = edit_distance(*id, s.id);
          if (d < best_distance) {
            best_distance = d;
            best = s.id;
          }
        }
        c.fail(child(p, i), "unknown situation \"" + *id + "\"" +
                                (best_distance <= std::max<std::size_t>(3, id->size() / 3)
                                     ? " (did you mean \"" + best + "\"?)"
                                     : std::string()) +
                                "; `pipesim explore --json` lists every situation with its "
                                "description");
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

}  // namespace scenarios::detail

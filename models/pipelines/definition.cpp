// Parsing and validation of SageMaker pipeline definitions, expression resolution, conditions.
// Slightly over 500 lines on purpose: parsing, Get/Join/Std:JsonGet resolution and condition
// evaluation share one expression grammar and its error pointers; split it if it grows further.
#include "models/pipelines/definition.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

namespace models::pipelines {
namespace {

using nlohmann::json;

// JSON pointer escaping (RFC 6901) for member names used in messages.
std::string ptr(const std::string& base, const std::string& member) {
  std::string out = base + "/";
  for (char c : member) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}
std::string ptr(const std::string& base, std::size_t i) { return base + "/" + std::to_string(i); }

[[noreturn]] void fail(const std::string& pointer, const std::string& problem) {
  throw definition_error(pointer.empty() ? "/" : pointer, problem);
}

const json* member(const json& obj, const std::string& name) {
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

std::string require_string(const json& obj, const std::string& base, const std::string& name) {
  const json* v = member(obj, name);
  if (v == nullptr) fail(ptr(base, name), "missing (expected a string)");
  if (!v->is_string()) fail(ptr(base, name), "expected a string, got " + v->dump());
  return v->get<std::string>();
}

std::string optional_string(const json& obj, const std::string& base, const std::string& name) {
  const json* v = member(obj, name);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_string()) fail(ptr(base, name), "expected a string, got " + v->dump());
  return v->get<std::string>();
}

bool valid_step_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

const std::set<std::string>& job_types() {
  static const std::set<std::string> t{
      "Processing",    "Training",     "Transform",    "Tuning", "AutoML", "CreateModel",
      "RegisterModel", "QualityCheck", "ClarifyCheck", "EMR",    "Model"};
  return t;
}

std::int64_t integer_in(const json& v, const std::string& pointer, std::int64_t lo,
                        std::int64_t hi) {
  if (!v.is_number_integer()) fail(pointer, "expected an integer, got " + v.dump());
  const auto x = v.get<std::int64_t>();
  if (x < lo || x > hi)
    fail(pointer, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                      "], got " + std::to_string(x));
  return x;
}

retry_policy parse_retry(const json& j, const std::string& base) {
  if (!j.is_object()) fail(base, "expected a RetryPolicy object");
  static const std::set<std::string> known_exceptions{
      "Step.SERVICE_FAULT",       "Step.THROTTLING",          "SageMaker.JOB_INTERNAL_ERROR",
      "SageMaker.CAPACITY_ERROR", "SageMaker.RESOURCE_LIMIT", "Emr.RESOURCE_LIMIT"};
  retry_policy p;
  const json* types = member(j, "ExceptionType");
  if (types == nullptr || !types->is_array() || types->empty())
    fail(ptr(base, "ExceptionType"), "expected a non-empty array of exception types");
  for (std::size_t i = 0; i < types->size(); ++i) {
    const json& t = (*types)[i];
    if (!t.is_string() || known_exceptions.count(t.get<std::string>()) == 0)
      fail(ptr(ptr(base, "ExceptionType"), i),
           "expected one of Step.SERVICE_FAULT, Step.THROTTLING, SageMaker.JOB_INTERNAL_ERROR, "
           "SageMaker.CAPACITY_ERROR, SageMaker.RESOURCE_LIMIT, Emr.RESOURCE_LIMIT");
    p.exception_types.push_back(t.get<std::string>());
  }
  if (const json* v = member(j, "IntervalSeconds"))
    p.interval_s = integer_in(*v, ptr(base, "IntervalSeconds"), 1, 43200);
  if (const json* v = member(j, "BackoffRate")) {
    if (!v->is_number() || v->get<double>() < 0.0)
      fail(ptr(base, "BackoffRate"), "expected a non-negative number");
    p.backoff_rate = v->get<double>();
  }
  if (const json* v = member(j, "MaxAttempts"))
    p.max_attempts = integer_in(*v, ptr(base, "MaxAttempts"), 0, 20);
  if (const json* v = member(j, "ExpireAfterMin"))
    p.expire_after_min = integer_in(*v, ptr(base, "ExpireAfterMin"), 0, 14400);
  if (p.max_attempts && p.expire_after_min)
    fail(base, "MaxAttempts and ExpireAfterMin are mutually exclusive (give at most one)");
  if (!p.max_attempts && !p.expire_after_min) p.max_attempts = 5;
  return p;
}

condition_def parse_condition(const json& j, const std::string& base) {
  if (!j.is_object()) fail(base, "expected a condition object");
  condition_def c;
  std::string type = require_string(j, base, "Type");
  if (type.rfind("Condition", 0) == 0) type = type.substr(9);  // "ConditionEquals" -> "Equals"
  static const std::set<std::string> comparisons{"Equals", "GreaterThan", "GreaterThanOrEqualTo",
                                                 "LessThan", "LessThanOrEqualTo"};
  c.type = type;
  if (comparisons.count(type) != 0) {
    for (const char* side : {"LeftValue", "RightValue"})
      if (member(j, side) == nullptr) fail(ptr(base, side), "missing (expected a value)");
    c.left = j.at("LeftValue");
    c.right = j.at("RightValue");
  } else if (type == "In") {
    if (member(j, "QueryValue") == nullptr) fail(ptr(base, "QueryValue"), "missing");
    const json* values = member(j, "Values");
    if (values == nullptr || !values->is_array())
      fail(ptr(base, "Values"), "expected an array of values");
    c.left = j.at("QueryValue");
    c.right = *values;
  } else if (type == "Not") {
    const json* e = member(j, "Expression");
    if (e == nullptr) fail(ptr(base, "Expression"), "missing (expected a condition)");
    c.nested.push_back(parse_condition(*e, ptr(base, "Expression")));
  } else if (type == "Or") {
    const json* cs = member(j, "Conditions");
    if (cs == nullptr || !cs->is_array() || cs->empty())
      fail(ptr(base, "Conditions"), "expected a non-empty array of conditions");
    for (std::size_t i = 0; i < cs->size(); ++i)
      c.nested.push_back(parse_condition((*cs)[i], ptr(ptr(base, "Conditions"), i)));
  } else {
    fail(ptr(base, "Type"),
         "expected Equals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, In, "
         "Not or Or (optionally prefixed \"Condition\"), got \"" +
             type + "\"");
  }
  return c;
}

// Gets the Get references of a value with their pointers, to report unknown steps precisely.
void collect_refs(const json& v, const std::string& base,
                  std::vector<std::pair<std::string, std::string>>& out) {
  if (v.is_object()) {
    auto g = v.find("Get");
    if (g != v.end() && g->is_string()) {
      const std::string& path = g->get_ref<const std::string&>();
      if (path.rfind("Steps.", 0) == 0) {
        const auto end = path.find_first_of(".[", 6);
        out.emplace_back(path.substr(6, end == std::string::npos ? std::string::npos : end - 6),
                         ptr(base, "Get"));
      }
    }
    for (auto it = v.begin(); it != v.end(); ++it) collect_refs(*it, ptr(base, it.key()), out);
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) collect_refs(v[i], ptr(base, i), out);
  }
}

void parse_outputs(const json& j, const std::string& base, step_def& s) {
  const json* outs = member(j, "OutputParameters");
  if (outs == nullptr) return;
  if (!outs->is_array()) fail(ptr(base, "OutputParameters"), "expected an array");
  static const std::set<std::string> types{"String", "Integer", "Boolean", "Float"};
  for (std::size_t i = 0; i < outs->size(); ++i) {
    const std::string p = ptr(ptr(base, "OutputParameters"), i);
    const json& o = (*outs)[i];
    if (!o.is_object()) fail(p, "expected {OutputName, OutputType}");
    std::string name = require_string(o, p, "OutputName");
    std::string type = optional_string(o, p, "OutputType");
    if (type.empty()) type = "String";
    if (types.count(type) == 0)
      fail(ptr(p, "OutputType"), "expected String, Integer, Boolean or Float");
    s.output_parameters.emplace_back(std::move(name), std::move(type));
  }
}

struct parser {
  pipeline_definition def;
  // Raw Get references per step, checked once every name is known.
  std::vector<std::vector<std::pair<std::string, std::string>>> refs;

  void parse_step(const json& j, const std::string& base, std::optional<std::size_t> branch_of,
                  bool in_if) {
    if (!j.is_object()) fail(base, "expected a step object");
    step_def s;
    s.pointer = base;
    s.name = require_string(j, base, "Name");
    if (!valid_step_name(s.name))
      fail(ptr(base, "Name"), "expected 1-64 characters of [A-Za-z0-9-_], got \"" + s.name + "\"");
    if (def.index.count(s.name) != 0)
      fail(ptr(base, "Name"), "duplicate step name \"" + s.name + "\" (first at " +
                                  def.steps[def.index[s.name]].pointer + ")");
    s.type = require_string(j, base, "Type");
    if (job_types().count(s.type) != 0)
      s.kind = step_kind::job;
    else if (s.type == "Lambda")
      s.kind = step_kind::lambda;
    else if (s.type == "Callback")
      s.kind = step_kind::callback;
    else if (s.type == "Condition")
      s.kind = step_kind::condition;
    else if (s.type == "Fail")
      s.kind = step_kind::fail;
    else
      fail(ptr(base, "Type"),
           "expected a step type (Processing, Training, Transform, Tuning, AutoML, CreateModel, "
           "RegisterModel, QualityCheck, ClarifyCheck, EMR, Model, Lambda, Callback, Condition, "
           "Fail), got \"" +
               s.type + "\"");
    s.display_name = optional_string(j, base, "DisplayName");
    s.description = optional_string(j, base, "Description");
    s.branch_of = branch_of;
    s.in_if_branch = in_if;
    if (const json* a = member(j, "Arguments")) {
      if (!a->is_object()) fail(ptr(base, "Arguments"), "expected an object");
      s.arguments = *a;
    }
    if (const json* d = member(j, "DependsOn")) {
      if (!d->is_array()) fail(ptr(base, "DependsOn"), "expected an array of step names");
      for (std::size_t i = 0; i < d->size(); ++i) {
        if (!(*d)[i].is_string()) fail(ptr(ptr(base, "DependsOn"), i), "expected a step name");
        s.depends_on.push_back((*d)[i].get<std::string>());
      }
    }
    if (const json* r = member(j, "RetryPolicies")) {
      if (s.kind != step_kind::job)
        fail(ptr(base, "RetryPolicies"),
             "not allowed on a " + s.type + " step (only job steps take RetryPolicies)");
      if (!r->is_array()) fail(ptr(base, "RetryPolicies"), "expected an array");
      for (std::size_t i = 0; i < r->size(); ++i)
        s.retry_policies.push_back(parse_retry((*r)[i], ptr(ptr(base, "RetryPolicies"), i)));
    }
    std::vector<std::pair<std::string, std::string>> step_refs;
    const std::size_t self = def.steps.size();
    switch (s.kind) {
      case step_kind::callback:
        s.sqs_queue_url = require_string(j, base, "SqsQueueUrl");
        if (s.sqs_queue_url.empty() || s.sqs_queue_url.size() > 256)
          fail(ptr(base, "SqsQueueUrl"), "expected a queue URL of 1-256 characters");
        parse_outputs(j, base, s);
        collect_refs(s.arguments, ptr(base, "Arguments"), step_refs);
        break;
      case step_kind::lambda:
        s.lambda_arn = require_string(j, base, "FunctionArn");
        parse_outputs(j, base, s);
        collect_refs(s.arguments, ptr(base, "Arguments"), step_refs);
        break;
      case step_kind::fail:
        if (const json* m = member(s.arguments, "ErrorMessage")) s.error_message = *m;
        collect_refs(s.arguments, ptr(base, "Arguments"), step_refs);
        break;
      case step_kind::job:
        collect_refs(s.arguments, ptr(base, "Arguments"), step_refs);
        break;
      case step_kind::condition: {
        if (branch_of) fail(base, "Condition steps cannot be nested in another Condition's branch");
        const std::string args = ptr(base, "Arguments");
        const json* cs = member(s.arguments, "Conditions");
        if (cs == nullptr || !cs->is_array())
          fail(ptr(args, "Conditions"), "expected an array of conditions");
        for (std::size_t i = 0; i < cs->size(); ++i)
          s.conditions.push_back(parse_condition((*cs)[i], ptr(ptr(args, "Conditions"), i)));
        collect_refs(*cs, ptr(args, "Conditions"), step_refs);
        break;
      }
    }
    def.index[s.name] = self;
    def.steps.push_back(std::move(s));
    refs.push_back(std::move(step_refs));
  }

  void parse_branches(std::size_t cond) {
    const std::string args = ptr(def.steps[cond].pointer, "Arguments");
    for (const char* branch : {"IfSteps", "ElseSteps"}) {
      const json* b = member(def.steps[cond].arguments, branch);
      if (b == nullptr) continue;
      if (!b->is_array()) fail(ptr(args, branch), "expected an array of steps");
      const json list = *b;  // parse_step may reallocate def.steps
      for (std::size_t i = 0; i < list.size(); ++i) {
        parse_step(list[i], ptr(ptr(args, branch), i), cond, std::string(branch) == "IfSteps");
        const std::size_t child = def.steps.size() - 1;
        (std::string(branch) == "IfSteps" ? def.steps[cond].if_steps : def.steps[cond].else_steps)
            .push_back(child);
      }
    }
  }

  void link() {
    for (std::size_t i = 0; i < def.steps.size(); ++i) {
      step_def& s = def.steps[i];
      std::set<std::size_t> deps;
      for (std::size_t d = 0; d < s.depends_on.size(); ++d) {
        auto it = def.index.find(s.depends_on[d]);
        const std::string p = ptr(ptr(s.pointer, "DependsOn"), d);
        if (it == def.index.end())
          fail(p, "unknown step \"" + s.depends_on[d] + "\" (expected the Name of a step)");
        if (def.steps[it->second].kind == step_kind::fail)
          fail(p, "a Fail step cannot be depended on");
        if (it->second == i) fail(p, "a step cannot depend on itself");
        deps.insert(it->second);
      }
      for (const auto& [name, p] : refs[i]) {
        auto it = def.index.find(name);
        if (it == def.index.end()) fail(p, "unknown step \"" + name + "\" in property reference");
        if (def.steps[it->second].kind == step_kind::fail)
          fail(p, "a Fail step cannot be referenced");
        if (it->second == i) fail(p, "a step cannot reference itself");
        deps.insert(it->second);
      }
      if (s.branch_of) deps.insert(*s.branch_of);
      s.dependencies.assign(deps.begin(), deps.end());
    }
    // Cycle check: depth-first with colours; report the cycle by names.
    std::vector<int> colour(def.steps.size(), 0);
    std::vector<std::size_t> path;
    std::function<void(std::size_t)> visit = [&](std::size_t v) {
      colour[v] = 1;
      path.push_back(v);
      for (std::size_t d : def.steps[v].dependencies) {
        if (colour[d] == 1) {
          std::string cycle;
          auto start = std::find(path.begin(), path.end(), d);
          for (auto it = start; it != path.end(); ++it) cycle += def.steps[*it].name + " -> ";
          cycle += def.steps[d].name;
          fail(ptr(def.steps[v].pointer, "DependsOn"), "cyclic dependency: " + cycle);
        }
        if (colour[d] == 0) visit(d);
      }
      path.pop_back();
      colour[v] = 2;
    };
    for (std::size_t i = 0; i < def.steps.size(); ++i)
      if (colour[i] == 0) visit(i);
  }
};

double as_number(const json& v, bool& ok) {
  ok = true;
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    try {
      std::size_t used = 0;
      double d = std::stod(s, &used);
      if (used == s.size() && !s.empty()) return d;
    } catch (const std::logic_error&) {  // std::stod/stoll: not a number, or out of range
    }
  }
  ok = false;
  return 0.0;
}

std::string as_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool equal_values(const json& a, const json& b) {
  bool na = false, nb = false;
  const double x = as_number(a, na), y = as_number(b, nb);
  if (na && nb && (a.is_number() || b.is_number())) return x == y;
  return as_text(a) == as_text(b);
}

bool unresolved(const json& v) {
  return v.is_object() &&
         (v.contains("Get") || v.contains("Std:Join") || v.contains("Std:JsonGet"));
}

bool eval_one(const condition_def& c, const resolution_context& ctx) {
  if (c.type == "Not") return !eval_one(c.nested.front(), ctx);
  if (c.type == "Or")
    return std::any_of(c.nested.begin(), c.nested.end(),
                       [&](const condition_def& n) { return eval_one(n, ctx); });
  const json left = resolve(c.left, ctx);
  const json right = resolve(c.right, ctx);
  if (unresolved(left) || unresolved(right))
    throw definition_error("/Conditions", "cannot evaluate " + c.type + " on unresolved value " +
                                              (unresolved(left) ? left : right).dump());
  if (c.type == "Equals") return equal_values(left, right);
  if (c.type == "In")
    return std::any_of(right.begin(), right.end(),
                       [&](const json& v) { return equal_values(left, v); });
  bool nl = false, nr = false;
  const double x = as_number(left, nl), y = as_number(right, nr);
  if (!nl || !nr)
    throw definition_error("/Conditions",
                           c.type + " needs numbers, got " + left.dump() + " and " + right.dump());
  if (c.type == "GreaterThan") return x > y;
  if (c.type == "GreaterThanOrEqualTo") return x >= y;
  if (c.type == "LessThan") return x < y;
  return x <= y;  // LessThanOrEqualTo
}

}  // namespace

const step_def* pipeline_definition::find(const std::string& name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &steps[it->second];
}

pipeline_definition parse_definition(const json& input) {
  json root;
  if (input.is_string()) {
    if (input.get_ref<const std::string&>().size() > 1048576)  // PipelineDefinition max [M]
      fail("", "definition longer than 1048576 characters");
    try {
      root = json::parse(input.get<std::string>());
    } catch (const json::parse_error& e) {
      fail("", std::string("not valid JSON: ") + e.what());
    } catch (const json::out_of_range& e) {  // a number no double holds, such as 1e999
      fail("", std::string("not valid JSON: ") + e.what());
    }
  } else {
    root = input;
  }
  if (!root.is_object()) fail("", "expected a pipeline definition object");
  parser p;
  p.def.version = require_string(root, "", "Version");
  if (p.def.version != "2020-12-01")
    fail("/Version", "expected \"2020-12-01\", got \"" + p.def.version + "\"");
  if (const json* params = member(root, "Parameters")) {
    if (!params->is_array()) fail("/Parameters", "expected an array");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < params->size(); ++i) {
      const std::string base = ptr("/Parameters", i);
      const json& pj = (*params)[i];
      if (!pj.is_object()) fail(base, "expected {Name, Type, DefaultValue}");
      parameter_def pd;
      pd.name = require_string(pj, base, "Name");
      if (!seen.insert(pd.name).second) fail(ptr(base, "Name"), "duplicate parameter name");
      pd.type = optional_string(pj, base, "Type");
      if (pd.type.empty()) pd.type = "String";
      if (pd.type != "String" && pd.type != "Integer" && pd.type != "Float" && pd.type != "Boolean")
        fail(ptr(base, "Type"), "expected String, Integer, Float or Boolean");
      if (const json* d = member(pj, "DefaultValue")) pd.default_value = *d;
      p.def.parameters.push_back(std::move(pd));
    }
  }
  const json* steps = member(root, "Steps");
  if (steps == nullptr || !steps->is_array()) fail("/Steps", "expected an array of steps");
  for (std::size_t i = 0; i < steps->size(); ++i)
    p.parse_step((*steps)[i], ptr("/Steps", i), std::nullopt, false);
  const std::size_t top = p.def.steps.size();
  for (std::size_t i = 0; i < top; ++i)
    if (p.def.steps[i].kind == step_kind::condition) p.parse_branches(i);
  p.link();
  // PipelineExperimentConfig, Metadata and anything else at the top level are accepted and
  // ignored: they do not change how an execution runs.
  return std::move(p.def);
}

void collect_step_references(const json& value, std::vector<std::string>& out) {
  std::vector<std::pair<std::string, std::string>> refs;
  collect_refs(value, "", refs);
  for (auto& r : refs) out.push_back(std::move(r.first));
}

json resolve(const json& value, const resolution_context& ctx) {
  if (value.is_array()) {
    json out = json::array();
    for (const json& v : value) out.push_back(resolve(v, ctx));
    return out;
  }
  if (!value.is_object()) return value;
  if (value.size() == 1) {
    if (auto g = value.find("Get"); g != value.end() && g->is_string()) {
      const std::string& path = g->get_ref<const std::string&>();
      if (path.rfind("Parameters.", 0) == 0 && ctx.parameters != nullptr) {
        auto it = ctx.parameters->find(path.substr(11));
        if (it != ctx.parameters->end()) return it->second;
      } else if (path.rfind("Execution.", 0) == 0) {
        auto it = ctx.execution.find(path.substr(10));
        if (it != ctx.execution.end()) return it->second;
      } else if (path.rfind("Steps.", 0) == 0 && ctx.step_properties != nullptr) {
        const auto dot = path.find('.', 6);
        if (dot != std::string::npos) {
          auto s = ctx.step_properties->find(path.substr(6, dot - 6));
          if (s != ctx.step_properties->end()) {
            auto p = s->second.find(path.substr(dot + 1));
            if (p != s->second.end()) return p->second;
          }
        }
      }
      return value;  // Unresolvable: passed through as written.
    }
    if (auto j = value.find("Std:Join"); j != value.end() && j->is_object()) {
      const json on = resolve(j->value("On", json("")), ctx);
      const json values = resolve(j->value("Values", json::array()), ctx);
      if (!on.is_string() || !values.is_array()) return value;
      std::string out;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (unresolved(values[i])) return json{{"Std:Join", {{"On", on}, {"Values", values}}}};
        if (i != 0) out += on.get<std::string>();
        out += as_text(values[i]);
      }
      return out;
    }
    if (auto j = value.find("Std:JsonGet"); j != value.end() && j->is_object()) {
      // Property files are not simulated; a behaviour map may provide the value under the step
      // property "PropertyFiles.<file>:<Path>".
      const json file = j->value("PropertyFile", json());
      const json path = resolve(j->value("Path", json("")), ctx);
      if (file.is_object() && file.contains("Get") && file["Get"].is_string() && path.is_string()) {
        const std::string fget = file["Get"].get<std::string>();
        json lookup = {{"Get", fget + ":" + path.get<std::string>()}};
        json r = resolve(lookup, ctx);
        if (r != lookup) return r;
      }
      return json{{"Std:JsonGet", {{"PropertyFile", file}, {"Path", path}}}};
    }
  }
  json out = json::object();
  for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = resolve(*it, ctx);
  return out;
}

bool evaluate(const std::vector<condition_def>& conditions, const resolution_context& ctx) {
  return std::all_of(conditions.begin(), conditions.end(),
                     [&](const condition_def& c) { return eval_one(c, ctx); });
}

}  // namespace models::pipelines

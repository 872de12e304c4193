// The simulated SageMaker Pipelines service.
#include "models/pipelines/service.hpp"

#include "models/pipelines/callback_machine.hpp"
#include "models/pipelines/execution_machine.hpp"
#include "models/pipelines/step_machine.hpp"
#include "sim/error.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace models::pipelines {

using models::api_result;
using nlohmann::json;

namespace {

constexpr const char* k_validation = "ValidationException";
constexpr const char* k_not_found = "ResourceNotFound";
constexpr const char* k_conflict = "ConflictException";
constexpr const char* k_limit = "ResourceLimitExceeded";

// AWS's JSON-protocol validation message, e.g.
// "1 validation error detected: Value 'x' at 'clientRequestToken' failed to satisfy constraint:
//  Member must have length greater than or equal to 32".
api_result invalid(const std::string& member, const json& value, const std::string& constraint) {
  std::string shown = value.is_null()     ? "null"
                      : value.is_string() ? "'" + value.get<std::string>() + "'"
                                          : "'" + value.dump() + "'";
  return api_result::failure(k_validation, "1 validation error detected: Value " + shown + " at '" +
                                               member +
                                               "' failed to satisfy constraint: " + constraint);
}

std::string lower_camel(const std::string& name) {
  std::string out = name;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

// Checks an optional/required string member; returns an error or nothing.
std::optional<api_result> check_string(const json& req, const std::string& name, bool required,
                                       std::size_t min_len, std::size_t max_len,
                                       bool (*pattern)(const std::string&) = nullptr,
                                       const char* pattern_text = nullptr) {
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) {
    if (required) return invalid(lower_camel(name), nullptr, "Member must not be null");
    return std::nullopt;
  }
  if (!it->is_string()) return invalid(lower_camel(name), *it, "Member must be a string");
  const std::string& v = it->get_ref<const std::string&>();
  if (v.size() < min_len)
    return invalid(lower_camel(name), *it,
                   "Member must have length greater than or equal to " + std::to_string(min_len));
  if (v.size() > max_len)
    return invalid(lower_camel(name), *it,
                   "Member must have length less than or equal to " + std::to_string(max_len));
  if (pattern != nullptr && !pattern(v))
    return invalid(lower_camel(name), *it,
                   std::string("Member must satisfy regular expression pattern: ") + pattern_text);
  return std::nullopt;
}

const char* k_exec_arn_pattern =
    R"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:pipeline\/.*\/execution\/.*)";
const char* k_pipeline_name_pattern =
    R"((arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:pipeline\/.*)?([a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}))";
const char* k_display_name_pattern = R"([a-zA-Z0-9](-*[a-zA-Z0-9]){0,81})";
const char* k_parameter_name_pattern = R"([A-Za-z0-9\-_]*)";
const char* k_token_pattern = R"([a-zA-Z0-9]+)";

// Hand-written matchers for the model's patterns (std::regex backtracks recursively, which is
// slow and deep on 2048-character ARNs).
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// [a-zA-Z0-9](-*[a-zA-Z0-9]){0,max_more}
bool hyphenated_name(const std::string& v, std::size_t max_more) {
  if (v.empty() || !is_alnum(v.front()) || !is_alnum(v.back())) return false;
  std::size_t alnums = 0;
  for (char c : v) {
    if (is_alnum(c))
      ++alnums;
    else if (c != '-')
      return false;
  }
  return alnums <= max_more + 1;
}

// Consumes "arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:pipeline/"; returns the position
// after it, or npos.
std::size_t pipeline_arn_prefix(const std::string& v) {
  if (v.rfind("arn:aws", 0) != 0) return std::string::npos;
  std::size_t i = 7;
  while (i < v.size() && ((v[i] >= 'a' && v[i] <= 'z') || v[i] == '-')) ++i;
  const std::string service = ":sagemaker:";
  if (v.compare(i, service.size(), service) != 0) return std::string::npos;
  i += service.size();
  while (i < v.size() &&
         ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
    ++i;
  if (i >= v.size() || v[i] != ':') return std::string::npos;
  ++i;
  for (int d = 0; d < 12; ++d, ++i)
    if (i >= v.size() || v[i] < '0' || v[i] > '9') return std::string::npos;
  const std::string rest = ":pipeline/";
  if (v.compare(i, rest.size(), rest) != 0) return std::string::npos;
  return i + rest.size();
}

bool execution_arn_pattern(const std::string& v) {
  const std::size_t i = pipeline_arn_prefix(v);
  return i != std::string::npos && v.find("/execution/", i) != std::string::npos;
}
bool pipeline_name_pattern(const std::string& v) {
  const std::size_t i = pipeline_arn_prefix(v);
  if (i == std::string::npos) return hyphenated_name(v, 255);
  const std::size_t slash = v.rfind('/');
  return slash + 1 < v.size() && hyphenated_name(v.substr(slash + 1), 255);
}
bool display_name_pattern(const std::string& v) { return hyphenated_name(v, 81); }
bool parameter_name_pattern(const std::string& v) {
  return std::all_of(v.begin(), v.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_'; });
}
bool token_pattern(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), is_alnum);
}

std::string metadata_key(const std::string& type) {
  static const std::map<std::string, std::string> keys{{"Training", "TrainingJob"},
                                                       {"Processing", "ProcessingJob"},
                                                       {"Transform", "TransformJob"},
                                                       {"Tuning", "TuningJob"},
                                                       {"AutoML", "AutoMLJob"},
                                                       {"CreateModel", "Model"},
                                                       {"Model", "Model"},
                                                       {"RegisterModel", "RegisterModel"},
                                                       {"QualityCheck", "QualityCheck"},
                                                       {"ClarifyCheck", "ClarifyCheck"},
                                                       {"EMR", "EMR"}};
  auto it = keys.find(type);
  return it == keys.end() ? "Job" : it->second;
}

std::string resource_kind(const std::string& type) {
  static const std::map<std::string, std::string> kinds{{"Training", "training-job"},
                                                        {"Processing", "processing-job"},
                                                        {"Transform", "transform-job"},
                                                        {"Tuning", "hyper-parameter-tuning-job"},
                                                        {"AutoML", "automl-job"},
                                                        {"CreateModel", "model"},
                                                        {"Model", "model"},
                                                        {"RegisterModel", "model-package"},
                                                        {"QualityCheck", "processing-job"},
                                                        {"ClarifyCheck", "processing-job"},
                                                        {"EMR", "cluster"}};
  auto it = kinds.find(type);
  return it == kinds.end() ? "job" : it->second;
}

json typed_output(const std::string& type, const std::string& value) {
  try {
    std::size_t used = 0;
    if (type == "Integer") {
      long long v = std::stoll(value, &used);
      if (used == value.size()) return v;
    } else if (type == "Float") {
      double v = std::stod(value, &used);
      if (used == value.size()) return v;
    } else if (type == "Boolean") {
      if (value == "true" || value == "True") return true;
      if (value == "false" || value == "False") return false;
    }
  } catch (const std::exception&) {
  }
  return value;
}

std::string as_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Behaviour maps

behaviour_map parse_behaviour(const json& j) {
  behaviour_map out;
  if (j.is_null()) return out;
  if (!j.is_object()) throw definition_error("/", "expected an object of step behaviours");
  auto dur = [](const json& v, const std::string& p) {
    if (!v.is_string()) throw definition_error(p, "expected a duration string such as \"30s\"");
    try {
      return sim::parse_duration(v.get<std::string>());
    } catch (const std::exception& e) {
      throw definition_error(p, e.what());
    }
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string base = "/" + it.key();
    const json& b = *it;
    if (!b.is_object()) throw definition_error(base, "expected a behaviour object");
    step_behaviour sb;
    for (auto m = b.begin(); m != b.end(); ++m) {
      const std::string p = base + "/" + m.key();
      const json& v = *m;
      if (m.key() == "duration") {
        if (v.is_object()) {
          if (!v.contains("min") || !v.contains("max"))
            throw definition_error(p, "expected {\"min\": duration, \"max\": duration}");
          sb.duration_min_us = dur(v["min"], p + "/min");
          sb.duration_max_us = dur(v["max"], p + "/max");
          if (sb.duration_max_us < sb.duration_min_us)
            throw definition_error(p + "/max", "must not be less than min");
        } else {
          sb.duration_min_us = sb.duration_max_us = dur(v, p);
        }
      } else if (m.key() == "outcome") {
        if (v != "Succeeded" && v != "Failed")
          throw definition_error(p, "expected \"Succeeded\" or \"Failed\"");
        sb.succeeds = v == "Succeeded";
      } else if (m.key() == "failure_reason" && v.is_string()) {
        sb.failure_reason = v.get<std::string>();
      } else if (m.key() == "failure_type" && v.is_string()) {
        sb.failure_type = v.get<std::string>();
      } else if (m.key() == "failed_attempts") {
        if (!v.is_number_integer() || v.get<int>() < 0)
          throw definition_error(p, "expected a non-negative integer");
        sb.failed_attempts = v.get<int>();
      } else if (m.key() == "lambda_timeout") {
        sb.lambda_timeout_us = dur(v, p);
        if (sb.lambda_timeout_us <= 0 || sb.lambda_timeout_us > 10 * sim::k_minute_us)
          throw definition_error(p, "expected a Lambda step timeout in (0s, 10m] [DG-Steps]");
      } else if (m.key() == "stop_latency") {
        sb.stop_latency_us = dur(v, p);
      } else if (m.key() == "outputs" && v.is_object()) {
        sb.outputs = v;
      } else if (m.key() == "properties" && v.is_object()) {
        sb.properties = v;
      } else {
        throw definition_error(p,
                               "unknown or ill-typed member (expected duration, outcome, "
                               "failure_reason, failure_type, failed_attempts, lambda_timeout, "
                               "stop_latency, outputs or properties)");
      }
    }
    out.emplace(it.key(), std::move(sb));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// State

namespace {

struct pipeline_record {
  std::string name;
  std::string arn;
  pipeline_definition definition;
  behaviour_map behaviour;
  std::optional<std::int64_t> max_parallel;
};

struct step_run {
  std::unique_ptr<step_machine> machine;  // null until the step starts
  std::unique_ptr<callback_machine> callback;
  bool skipped = false;  // branch not taken, or an upstream step skipped
  int attempt = 0;
  std::uint64_t start_seq = 0;
  sim::time_us start_time = 0;
  sim::time_us end_time = -1;
  sim::time_us first_executing_at = 0;
  std::string failure_reason;
  std::string token;
  std::uint64_t generation = 0;  // callback attempts; tokens of older ones are stale
  json output_parameters = json::array();
  std::optional<bool> outcome;
  json fail_message;
  sim::event_id start_event, work_event, timer_event;
  int callback_messages = 0, stopping_messages = 0, resolutions = 0, send_attempts = 0;
  std::vector<step_status> history;
};

struct execution {
  std::string arn, id, pipeline_name, display_name, description;
  std::size_t pipeline = 0;
  sim::time_us created = 0, last_modified = 0;
  std::unique_ptr<execution_machine> machine;
  std::vector<execution_status> history;
  std::vector<step_run> steps;
  std::map<std::string, json> parameters;
  json parameters_request = json::array();
  std::optional<std::int64_t> max_parallel;
  bool parallelism_requested = false;
  std::map<std::string, std::map<std::string, json>> properties;
  std::string failure_reason;
  bool failure_seen = false;
  bool fail_step_reached = false;
  bool stop_failure = false;
  sim::lane_id lane = 0;
  sim::event_id timeout_event;
  std::uint64_t start_counter = 0;
  // Indices of the steps that have a machine, in ascending start_seq (start order), kept so
  // observations need not sort.
  std::vector<std::size_t> start_order;
  int max_running = 0;
};

struct token_record {
  std::size_t execution;
  std::size_t step;
  std::uint64_t generation;
};

struct stored_result {
  std::string operation;
  json request;
  api_result result;
  sim::time_us at = 0;
};

}  // namespace

struct service::impl {
  sim::simulation& sim;
  models::knob_values knobs;
  send_message_fn send;
  service_options options;
  sim::rng ids;
  sim::rng tokens;
  std::vector<pipeline_record> pipelines;
  std::map<std::string, std::size_t> pipeline_index;
  std::vector<std::unique_ptr<execution>> executions;
  std::map<std::string, std::size_t> execution_index;
  std::map<std::string, token_record> token_index;
  std::map<std::string, stored_result> idempotency;  // by idempotency_key()

  impl(sim::simulation& s, const models::knob_values& k, send_message_fn fn, service_options o)
      : sim(s),
        knobs(k),
        send(std::move(fn)),
        options(std::move(o)),
        ids(s.stream("sagemaker.ids")),
        tokens(s.stream("sagemaker.callback_tokens")) {}

  // --- helpers -------------------------------------------------------------------------------

  double timestamp(sim::time_us t) const {
    return static_cast<double>(options.epoch_unix_ms) / 1000.0 + static_cast<double>(t) / 1e6;
  }

  std::string random_chars(sim::rng& r, std::size_t n, const std::string& alphabet) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += alphabet[r.below(alphabet.size())];
    return out;
  }

  const pipeline_definition& def(const execution& e) const {
    return pipelines[e.pipeline].definition;
  }
  const step_behaviour& behaviour(const execution& e, std::size_t i) const {
    static const step_behaviour k_default{};
    const auto& map = pipelines[e.pipeline].behaviour;
    auto it = map.find(def(e).steps[i].name);
    return it == map.end() ? k_default : it->second;
  }
  std::string step_label(const execution& e, std::size_t i) const {
    return e.arn + "/" + def(e).steps[i].name;
  }

  // `fields` builds the record's fields. It runs only when the trace is on: building them
  // allocates, and state machines trace every transition.
  template <class Fields>
  void trace(std::string_view type, const Fields& fields) {
    if (sim.trace().enabled()) sim.record(type, fields());
  }

  resolution_context context(const execution& e) const {
    resolution_context ctx;
    ctx.parameters = &e.parameters;
    ctx.execution = {{"PipelineExecutionArn", e.arn},
                     {"PipelineExecutionId", e.id},
                     {"StartDateTime", timestamp(e.created)},
                     {"CurrentDateTime", timestamp(sim.now())}};
    ctx.step_properties = &e.properties;
    return ctx;
  }

  // --- status changes ------------------------------------------------------------------------

  template <class Event>
  void execution_event(execution& e, const Event& ev) {
    const execution_status from = e.machine->status();
    e.machine->process(ev);
    const execution_status to = e.machine->status();
    e.history.push_back(to);
    e.last_modified = sim.now();
    trace("pipeline.execution_status", [&] {
      return json{{"execution", e.arn},
                  {"from", to_string(from)},
                  {"to", to_string(to)},
                  {"event", Event::name}};
    });
    if (is_terminal(to) && e.timeout_event.valid()) {
      sim.cancel(e.timeout_event);
      e.timeout_event = sim::event_id{};
    }
  }

  template <class Event>
  void step_event(execution& e, std::size_t i, const Event& ev) {
    step_run& r = e.steps[i];
    const step_status from = r.machine->status();
    r.machine->process(ev);
    const step_status to = r.machine->status();
    r.history.push_back(to);
    if (is_terminal(to)) {
      r.end_time = sim.now();
      for (sim::event_id* id : {&r.start_event, &r.work_event, &r.timer_event}) {
        if (id->valid()) sim.cancel(*id);
        *id = sim::event_id{};
      }
    }
    trace("pipeline.step_status", [&] {
      return json{{"execution", e.arn},  {"step", def(e).steps[i].name}, {"from", to_string(from)},
                  {"to", to_string(to)}, {"event", Event::name},         {"attempt", r.attempt}};
    });
  }

  template <class Event>
  void callback_event(execution& e, std::size_t i, const Event& ev) {
    step_run& r = e.steps[i];
    const callback_state from = r.callback->state();
    r.callback->process(ev);
    trace("pipeline.callback_state", [&] {
      return json{{"execution", e.arn},
                  {"step", def(e).steps[i].name},
                  {"token", r.token},
                  {"from", to_string(from)},
                  {"to", to_string(r.callback->state())},
                  {"event", Event::name}};
    });
  }

  // Marks a step failed during Executing: the execution will fail once running steps end.
  void step_failed(execution& e, std::size_t i, const std::string& reason) {
    step_run& r = e.steps[i];
    r.failure_reason = reason.substr(0, 1024);
    step_event(e, i, events::work_failed{});
    if (e.machine->status() == execution_status::executing && !e.failure_seen) {
      e.failure_seen = true;
      e.failure_reason =
          "Step failure: One or multiple steps failed. Failed step: " + def(e).steps[i].name +
          ". Reason: " + reason;
    }
  }

  // --- scheduling ----------------------------------------------------------------------------

  bool succeeded(const execution& e, std::size_t i) const {
    const step_run& r = e.steps[i];
    return r.machine && r.machine->status() == step_status::succeeded;
  }
  bool running(const step_run& r) const { return r.machine && !is_terminal(r.machine->status()); }
  int running_count(const execution& e) const {
    return static_cast<int>(std::count_if(e.steps.begin(), e.steps.end(),
                                          [&](const step_run& r) { return running(r); }));
  }

  std::vector<std::size_t> launch_order(const execution& e) const {
    std::vector<std::size_t> order(e.steps.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (knobs.text("parallelism.tie_break") == "name") {
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return def(e).steps[a].name < def(e).steps[b].name;
      });
    }
    return order;
  }

  // Starts what can start, then decides whether the execution has ended.
  void advance(execution& e) {
    const execution_status status = e.machine->status();
    if (is_terminal(status)) return;
    if (status == execution_status::executing &&
        (!e.failure_seen || knobs.flag("failure.launch_independent_steps"))) {
      const pipeline_definition& d = def(e);
      // Skips propagate: a branch not taken, and everything downstream of a skipped step.
      for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t i = 0; i < e.steps.size(); ++i) {
          step_run& r = e.steps[i];
          if (r.machine || r.skipped) continue;
          const step_def& s = d.steps[i];
          bool skip = false;
          if (s.branch_of && succeeded(e, *s.branch_of)) {
            const auto& outcome = e.steps[*s.branch_of].outcome;
            skip = outcome && *outcome != s.in_if_branch;
          }
          for (std::size_t dep : s.dependencies) skip = skip || e.steps[dep].skipped;
          if (skip) {
            r.skipped = true;
            changed = true;
            trace("pipeline.step_skipped", [&] {
              return json{{"execution", e.arn}, {"step", s.name}};
            });
          }
        }
      }
      for (std::size_t i : launch_order(e)) {
        step_run& r = e.steps[i];
        if (r.machine || r.skipped) continue;
        const step_def& s = d.steps[i];
        if (!std::all_of(s.dependencies.begin(), s.dependencies.end(),
                         [&](std::size_t dep) { return succeeded(e, dep); }))
          continue;
        if (e.max_parallel && running_count(e) >= *e.max_parallel) break;
        launch(e, i);
      }
    }
    const int now_running = running_count(e);
    e.max_running = std::max(e.max_running, now_running);
    if (now_running != 0) return;
    if (status == execution_status::stopping) {
      if (e.stop_failure)
        execution_event(e, events::stop_ended_in_failure{});
      else
        execution_event(e, events::running_steps_stopped{});
    } else if (e.failure_seen) {
      execution_event(e, events::execution_failed{});
    } else {
      execution_event(e, events::all_steps_succeeded{});
    }
  }

  void launch(execution& e, std::size_t i) {
    step_run& r = e.steps[i];
    if (!r.machine) {
      r.machine = std::make_unique<step_machine>(sim, step_label(e, i));
      r.history = {step_status::starting};
      r.start_seq = ++e.start_counter;
      e.start_order.push_back(i);
      trace("pipeline.step_status", [&] {
        return json{{"execution", e.arn}, {"step", def(e).steps[i].name}, {"from", nullptr},
                    {"to", "Starting"},   {"event", "step_launched"},     {"attempt", 1}};
      });
    } else {
      step_event(e, i, events::retry_requested{});
    }
    r.attempt = 1;  // AttemptCount restarts for a step re-run by RetryPipelineExecution
    r.start_time = sim.now();
    r.end_time = -1;
    r.failure_reason.clear();
    r.output_parameters = json::array();
    r.outcome.reset();
    const std::size_t ex = execution_index.at(e.arn);
    r.start_event = sim.schedule_after(
        knobs.duration("step.start_latency"), [this, ex, i] { begin_executing(ex, i); }, e.lane);
  }

  sim::time_us draw_duration(const execution& e, std::size_t i) {
    const step_behaviour& b = behaviour(e, i);
    if (b.duration_max_us <= b.duration_min_us) return b.duration_min_us;
    const std::int64_t lo = b.duration_min_us / sim::k_second_us;
    const std::int64_t hi = b.duration_max_us / sim::k_second_us;
    if (hi <= lo) return b.duration_min_us;
    const std::string label =
        "pipelines." + pipelines[e.pipeline].name + "." + def(e).steps[i].name + ".duration_s";
    return sim.choose_between(label, lo, hi) * sim::k_second_us;
  }

  void begin_executing(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    step_run& r = e.steps[i];
    r.start_event = sim::event_id{};
    if (!r.machine || r.machine->status() != step_status::starting) return;
    step_event(e, i, events::step_started{});
    r.first_executing_at = sim.now();
    const step_def& s = def(e).steps[i];
    switch (s.kind) {
      case step_kind::job:
        start_job_attempt(ex, i);
        break;
      case step_kind::lambda: {
        const step_behaviour& b = behaviour(e, i);
        const sim::time_us d = draw_duration(e, i);
        if (d <= b.lambda_timeout_us) {
          r.work_event = sim.schedule_after(
              d, [this, ex, i] { lambda_finished(ex, i); }, e.lane);
        } else {
          r.work_event = sim.schedule_after(
              b.lambda_timeout_us, [this, ex, i] { lambda_timed_out(ex, i); }, e.lane);
        }
        break;
      }
      case step_kind::callback:
        start_callback(e, i);
        break;
      case step_kind::condition: {
        try {
          const bool outcome = evaluate(s.conditions, context(e));
          r.outcome = outcome;
          step_event(e, i, events::work_succeeded{});
        } catch (const definition_error& err) {
          step_failed(e, i, err.what());
        }
        break;
      }
      case step_kind::fail: {
        const json msg = resolve(s.error_message, context(e));
        r.fail_message = msg.is_null() ? json("") : json(as_text(msg));
        e.fail_step_reached = true;
        step_failed(e, i, r.fail_message.get<std::string>());
        e.failure_reason = r.fail_message.get<std::string>();
        break;
      }
    }
    advance(e);
  }

  void start_job_attempt(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    const sim::time_us d = draw_duration(e, i);
    e.steps[i].work_event = sim.schedule_after(
        d, [this, ex, i] { job_attempt_finished(ex, i); }, e.lane);
  }

  void job_attempt_finished(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    step_run& r = e.steps[i];
    r.work_event = sim::event_id{};
    const step_behaviour& b = behaviour(e, i);
    // The first failed_attempts attempts fail; the attempts after them end with the outcome.
    if (r.attempt > b.failed_attempts && b.succeeds) {
      for (auto it = b.properties.begin(); it != b.properties.end(); ++it)
        e.properties[def(e).steps[i].name][it.key()] = *it;
      step_event(e, i, events::work_succeeded{});
      advance(e);
      return;
    }
    if (auto delay = retry_delay(e, i, b.failure_type)) {
      step_event(e, i, events::attempt_failed_will_retry{});
      trace("pipeline.step_retry", [&] {
        return json{{"execution", e.arn},
                    {"step", def(e).steps[i].name},
                    {"failed_attempt", r.attempt},
                    {"exception_type", b.failure_type},
                    {"delay_us", *delay}};
      });
      ++r.attempt;
      r.work_event = sim.schedule_after(
          *delay, [this, ex, i] { start_job_attempt(ex, i); }, e.lane);
      return;
    }
    step_failed(e, i, b.failure_type + ": " + b.failure_reason);
    advance(e);
  }

  // The delay before the next attempt, or nothing if no RetryPolicy allows one [DG-Retry].
  std::optional<sim::time_us> retry_delay(const execution& e, std::size_t i,
                                          const std::string& exception_type) const {
    const step_run& r = e.steps[i];
    for (const retry_policy& p : def(e).steps[i].retry_policies) {
      if (std::find(p.exception_types.begin(), p.exception_types.end(), exception_type) ==
          p.exception_types.end())
        continue;
      const int retries_done = r.attempt - 1;
      const bool first_counts = knobs.flag("retry.max_attempts_counts_first_try");
      if (p.max_attempts && retries_done + (first_counts ? 1 : 0) >= *p.max_attempts)
        return std::nullopt;
      if (p.expire_after_min &&
          sim.now() - r.first_executing_at >= *p.expire_after_min * sim::k_minute_us)
        return std::nullopt;
      double factor = 1.0;
      if (knobs.text("retry.delay_formula") == "exponential")
        factor = std::pow(p.backoff_rate, retries_done);
      return static_cast<sim::time_us>(static_cast<double>(p.interval_s) * factor *
                                       static_cast<double>(sim::k_second_us));
    }
    // [DG-Retry]: Step.SERVICE_FAULT and Step.THROTTLING are retried by default when no policy
    // names them; the count is a knob, the delay 1 s doubling.
    if (exception_type == "Step.SERVICE_FAULT" || exception_type == "Step.THROTTLING") {
      const int retries_done = r.attempt - 1;
      if (retries_done < knobs.integer("retry.default_service_fault_attempts"))
        return sim::k_second_us << std::min(retries_done, 20);
    }
    return std::nullopt;
  }

  void lambda_finished(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    step_run& r = e.steps[i];
    r.work_event = sim::event_id{};
    const step_behaviour& b = behaviour(e, i);
    // [AR-Stop]: a Lambda step cannot be stopped; when it finishes during a stop the execution
    // still ends Stopped, whatever the function returned.
    if (b.succeeds) {
      for (auto it = b.outputs.begin(); it != b.outputs.end(); ++it) {
        r.output_parameters.push_back({{"Name", it.key()}, {"Value", as_text(*it)}});
        e.properties[def(e).steps[i].name]["OutputParameters['" + it.key() + "']"] = *it;
      }
      step_event(e, i, events::work_succeeded{});
    } else {
      step_failed(e, i, b.failure_reason);
    }
    advance(e);
  }

  void lambda_timed_out(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    e.steps[i].work_event = sim::event_id{};
    // [AR-Stop], [DG-Steps]: a Lambda timeout during a stop ends the execution Failed.
    if (e.machine->status() == execution_status::stopping) {
      e.stop_failure = true;
      e.failure_reason = "Lambda step " + def(e).steps[i].name + " timed out while stopping";
    }
    step_failed(e, i,
                "Lambda function timed out after " +
                    sim::format_duration(behaviour(e, i).lambda_timeout_us));
    advance(e);
  }

  // --- callback steps ------------------------------------------------------------------------

  json message_body(const execution& e, std::size_t i, const char* status) const {
    json body = {{"token", e.steps[i].token},
                 {"pipelineExecutionArn", e.arn},
                 {"arguments", resolve(def(e).steps[i].arguments, context(e))}};
    if (status != nullptr) body[knobs.text("callback.status_key")] = status;
    return body;
  }

  api_result send_to_queue(const execution& e, std::size_t i, const json& body,
                           const std::string& kind) {
    const std::string& url = def(e).steps[i].sqs_queue_url;
    json request = {{"QueueUrl", url}, {"MessageBody", body.dump()}};
    const bool fifo = url.size() >= 5 && url.compare(url.size() - 5, 5, ".fifo") == 0;
    if (fifo && knobs.flag("callback.fifo_message_group")) request["MessageGroupId"] = e.id;
    api_result res =
        send ? send(request) : api_result::failure("QueueDoesNotExist", "no SQS sender configured");
    trace("pipeline.callback_message", [&] {
      json fields = {{"execution", e.arn},
                     {"step", def(e).steps[i].name},
                     {"token", e.steps[i].token},
                     {"queue", url},
                     {"kind", kind},
                     {"body", body}};
      if (res.ok())
        fields["message_id"] = res.response.value("MessageId", "");
      else
        fields["error"] = res.error->code;
      return fields;
    });
    return res;
  }

  void start_callback(execution& e, std::size_t i) {
    step_run& r = e.steps[i];
    r.token =
        random_chars(tokens, 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    ++r.generation;
    r.send_attempts = 0;
    r.callback = std::make_unique<callback_machine>(sim, step_label(e, i) + "#" + r.token);
    token_index[r.token] = {execution_index.at(e.arn), i, r.generation};
    send_callback_message(execution_index.at(e.arn), i);
  }

  void send_callback_message(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    step_run& r = e.steps[i];
    r.work_event = sim::event_id{};
    ++r.send_attempts;
    const std::string initial = knobs.text("callback.initial_status");
    const api_result res = send_to_queue(
        e, i, message_body(e, i, initial == "absent" ? nullptr : initial.c_str()), "initial");
    if (res.ok()) {
      ++r.callback_messages;
      callback_event(e, i, events::callback_message_sent{});
      const sim::time_us timeout = knobs.duration("callback.timeout");
      if (timeout > 0) {
        r.timer_event = sim.schedule_after(
            timeout, [this, ex, i] { callback_timed_out(ex, i); }, e.lane);
      }
      return;
    }
    if (r.send_attempts < knobs.integer("callback.send_attempts") &&
        e.machine->status() == execution_status::executing) {
      const sim::time_us delay = sim::k_second_us << std::min(r.send_attempts - 1, 20);
      r.work_event = sim.schedule_after(
          delay, [this, ex, i] { send_callback_message(ex, i); }, e.lane);
      return;
    }
    callback_event(e, i, events::callback_message_send_failed{});
    step_failed(e, i,
                "Failed to send the callback message to " + def(e).steps[i].sqs_queue_url + ": " +
                    res.error->code + ": " + res.error->message);
    advance(e);
  }

  void callback_timed_out(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    step_run& r = e.steps[i];
    r.timer_event = sim::event_id{};
    callback_event(e, i, events::callback_timed_out{});
    if (e.machine->status() == execution_status::stopping) {
      e.stop_failure = true;
      e.failure_reason = "Callback step " + def(e).steps[i].name + " timed out while stopping";
    }
    step_failed(e, i,
                "Callback step timed out after " +
                    sim::format_duration(knobs.duration("callback.timeout")) +
                    " without SendPipelineExecutionStepSuccess or Failure");
    advance(e);
  }

  // --- stop, timeout, retry ------------------------------------------------------------------

  void stop_execution(execution& e) {
    execution_event(e, events::stop_requested{});
    const std::size_t ex = execution_index.at(e.arn);
    for (std::size_t i = 0; i < e.steps.size(); ++i) {
      step_run& r = e.steps[i];
      if (!running(r)) continue;
      const step_def& s = def(e).steps[i];
      if (r.machine->status() == step_status::starting) {
        step_event(e, i, events::stop_requested{});  // -> Stopped, never executes
        continue;
      }
      if (r.machine->status() != step_status::executing) continue;
      switch (s.kind) {
        case step_kind::job: {
          if (r.work_event.valid()) sim.cancel(r.work_event);
          r.work_event = sim::event_id{};
          step_event(e, i, events::stop_requested{});
          const step_behaviour& b = behaviour(e, i);
          const sim::time_us latency =
              b.stop_latency_us ? *b.stop_latency_us : knobs.duration("stop.job_stop_latency");
          r.work_event = sim.schedule_after(
              latency, [this, ex, i] { job_stopped(ex, i); }, e.lane);
          break;
        }
        case step_kind::lambda:
          // [AR-Stop]: the function cannot be stopped; its completion or timeout stays scheduled.
          step_event(e, i, events::stop_requested{});
          break;
        case step_kind::callback:
          if (r.callback && r.callback->state() == callback_state::token_issued) {
            // Still trying to send the initial message: give up on it, nothing to wait for.
            if (r.work_event.valid()) sim.cancel(r.work_event);
            r.work_event = sim::event_id{};
            callback_event(e, i, events::callback_message_send_failed{});
            step_event(e, i, events::stop_requested{});
            step_event(e, i, events::stop_confirmed{});
          } else if (r.callback && r.callback->state() == callback_state::waiting_for_answer) {
            // [AR-Stop], [DG-Steps]: one additional message, status Stopping, same token.
            step_event(e, i, events::stop_requested{});
            const sim::time_us delay_max_ms =
                knobs.duration("stop.stopping_message_delay_max") / sim::k_millisecond_us;
            const sim::time_us delay =
                sim.choose_between("pipelines.stopping_message_delay_ms", 0, delay_max_ms) *
                sim::k_millisecond_us;
            if (delay == 0) {
              send_stopping_message(ex, i);
            } else {
              sim.schedule_after(
                  delay, [this, ex, i] { send_stopping_message(ex, i); }, e.lane);
            }
          }
          break;
        case step_kind::condition:
        case step_kind::fail:
          break;  // They finish in the instant they start.
      }
    }
    advance(e);
  }

  // Sends the Stopping message unless the step was answered while it was delayed.
  void send_stopping_message(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    step_run& r = e.steps[i];
    if (!r.callback || r.callback->state() != callback_state::waiting_for_answer) return;
    const api_result res = send_to_queue(e, i, message_body(e, i, "Stopping"), "stopping");
    if (res.ok()) {
      ++r.stopping_messages;
      callback_event(e, i, events::stopping_message_sent{});
    } else {
      callback_event(e, i, events::stopping_message_send_failed{});
    }
  }

  void job_stopped(std::size_t ex, std::size_t i) {
    execution& e = *executions[ex];
    e.steps[i].work_event = sim::event_id{};
    step_event(e, i, events::stop_confirmed{});
    advance(e);
  }

  void execution_timed_out(std::size_t ex) {
    execution& e = *executions[ex];
    e.timeout_event = sim::event_id{};
    if (is_terminal(e.machine->status())) return;
    const std::string reason = "Pipeline execution exceeded the maximum duration of " +
                               sim::format_duration(knobs.duration("execution.timeout"));
    for (std::size_t i = 0; i < e.steps.size(); ++i) {
      step_run& r = e.steps[i];
      if (!running(r)) continue;
      if (r.machine->status() == step_status::starting) {
        step_event(e, i, events::stop_requested{});
        continue;
      }
      if (r.callback && (r.callback->state() == callback_state::waiting_for_answer ||
                         r.callback->state() == callback_state::stopping_message_sent))
        callback_event(e, i, events::callback_timed_out{});
      else if (r.callback && r.callback->state() == callback_state::token_issued)
        callback_event(e, i, events::callback_message_send_failed{});
      r.failure_reason = reason;
      step_event(e, i, events::work_failed{});
    }
    e.failure_reason = reason;
    execution_event(e, events::execution_timed_out{});
  }

  void arm_timeout(execution& e) {
    const std::size_t ex = execution_index.at(e.arn);
    e.timeout_event = sim.schedule_after(
        knobs.duration("execution.timeout"), [this, ex] { execution_timed_out(ex); }, e.lane);
  }

  // --- API plumbing --------------------------------------------------------------------------

  // Idempotency keys: per operation or account-wide (knob idempotency.scope).
  std::string idempotency_key(const std::string& op, const std::string& token) const {
    return knobs.text("idempotency.scope") == "account" ? token : op + "\n" + token;
  }

  // Idempotency: returns the stored result for a replay, or an error for a mismatch. Tokens
  // older than idempotency.token_lifetime (if not 0s) are forgotten.
  std::optional<api_result> replay(const std::string& op, const json& request) {
    auto t = request.find("ClientRequestToken");
    if (t == request.end() || !t->is_string()) return std::nullopt;
    auto it = idempotency.find(idempotency_key(op, t->get<std::string>()));
    if (it == idempotency.end()) return std::nullopt;
    const sim::time_us lifetime = knobs.duration("idempotency.token_lifetime");
    if (lifetime > 0 && sim.now() - it->second.at >= lifetime) {
      idempotency.erase(it);
      return std::nullopt;
    }
    if (it->second.operation == op && it->second.request == request) return it->second.result;
    const std::string& mode = knobs.text("idempotency.parameter_mismatch");
    if (mode == "return_original") return it->second.result;
    return api_result::failure(mode, "The ClientRequestToken " + t->get<std::string>() +
                                         " was already used with different parameters");
  }
  void remember(const std::string& op, const json& request, const api_result& result) {
    auto t = request.find("ClientRequestToken");
    if (result.ok() && t != request.end() && t->is_string())
      idempotency[idempotency_key(op, t->get<std::string>())] = {op, request, result, sim.now()};
  }

  std::optional<api_result> check_execution_arn(const json& req, const std::string& member,
                                                bool required) {
    const auto max = static_cast<std::size_t>(knobs.integer("api.arn_max_length"));
    return check_string(req, member, required, 0, max, execution_arn_pattern, k_exec_arn_pattern);
  }
  std::optional<api_result> check_token(const json& req, bool required) {
    return check_string(req, "ClientRequestToken", required, 32, 128);
  }
  std::optional<api_result> check_parallelism(const json& req) {
    auto it = req.find("ParallelismConfiguration");
    if (it == req.end() || it->is_null()) return std::nullopt;
    if (!it->is_object())
      return invalid("parallelismConfiguration", *it, "Member must be a structure");
    auto m = it->find("MaxParallelExecutionSteps");
    if (m == it->end() || m->is_null())
      return invalid("parallelismConfiguration.maxParallelExecutionSteps", nullptr,
                     "Member must not be null");
    if (!m->is_number_integer() || m->get<std::int64_t>() < 1)
      return invalid("parallelismConfiguration.maxParallelExecutionSteps", *m,
                     "Member must have value greater than or equal to 1");
    return std::nullopt;
  }

  execution* find_execution(const std::string& arn) {
    auto it = execution_index.find(arn);
    return it == execution_index.end() ? nullptr : executions[it->second].get();
  }
  static api_result execution_not_found(const std::string& arn) {
    return api_result::failure(k_not_found, "Pipeline execution '" + arn + "' does not exist.");
  }

  std::optional<std::size_t> find_pipeline(const std::string& name_or_arn) const {
    std::string name = name_or_arn;
    const auto slash = name_or_arn.rfind(":pipeline/");
    if (name_or_arn.rfind("arn:", 0) == 0 && slash != std::string::npos)
      name = name_or_arn.substr(slash + 10);
    auto it = pipeline_index.find(name);
    if (it == pipeline_index.end()) return std::nullopt;
    return it->second;
  }

  std::optional<api_result> over_limit() const {
    const std::int64_t limit = knobs.integer("execution.max_concurrent");
    if (limit <= 0) return std::nullopt;
    const auto active = std::count_if(executions.begin(), executions.end(), [](const auto& e) {
      return !is_terminal(e->machine->status());
    });
    if (active < limit) return std::nullopt;
    return api_result::failure(k_limit, "The account-level limit of " + std::to_string(limit) +
                                            " concurrent pipeline executions was reached.");
  }

  // --- operations ----------------------------------------------------------------------------

  api_result start(const json& req) {
    if (auto err = check_string(req, "PipelineName", true, 1, 2048, pipeline_name_pattern,
                                k_pipeline_name_pattern))
      return *err;
    if (auto err = check_string(req, "PipelineExecutionDisplayName", false, 1, 82,
                                display_name_pattern, k_display_name_pattern))
      return *err;
    if (auto err = check_string(req, "PipelineExecutionDescription", false, 0, 3072)) return *err;
    if (auto err = check_token(req, true)) return *err;
    if (auto err = check_parallelism(req)) return *err;
    if (auto err = check_string(req, "MlflowExperimentName", false, 1, 256)) return *err;
    if (auto v = req.find("PipelineVersionId");
        v != req.end() && !v->is_null() && (!v->is_number_integer() || v->get<std::int64_t>() < 1))
      return invalid("pipelineVersionId", *v, "Member must have value greater than or equal to 1");
    if (auto sel = req.find("SelectiveExecutionConfig"); sel != req.end() && !sel->is_null())
      return api_result::failure(k_validation,
                                 "SelectiveExecutionConfig is not modeled by pipesim (spec §6)");
    json params = req.value("PipelineParameters", json::array());
    if (!params.is_array()) return invalid("pipelineParameters", params, "Member must be a list");
    if (params.size() > 200)
      return invalid("pipelineParameters", params,
                     "Member must have length less than or equal to 200");
    for (const json& p : params) {
      if (!p.is_object()) return invalid("pipelineParameters", p, "Member must be a structure");
      if (auto err = check_string(p, "Name", true, 1, 256, parameter_name_pattern,
                                  k_parameter_name_pattern))
        return *err;
      if (auto err = check_string(p, "Value", true, 0, 1024)) return *err;
    }
    if (auto r = replay("StartPipelineExecution", req)) return *r;
    const auto pi = find_pipeline(req["PipelineName"].get<std::string>());
    if (!pi)
      return api_result::failure(
          k_not_found, "Pipeline '" + req["PipelineName"].get<std::string>() + "' does not exist.");
    const pipeline_record& p = pipelines[*pi];
    // Parameters: declared ones only, converted to the declared type; defaults fill the rest.
    std::map<std::string, json> values;
    for (const parameter_def& pd : p.definition.parameters)
      if (!pd.default_value.is_null()) values[pd.name] = pd.default_value;
    for (const json& pj : params) {
      const std::string name = pj["Name"].get<std::string>();
      const std::string value = pj["Value"].get<std::string>();
      auto pd = std::find_if(p.definition.parameters.begin(), p.definition.parameters.end(),
                             [&](const parameter_def& d) { return d.name == name; });
      if (pd == p.definition.parameters.end())
        return api_result::failure(
            k_validation, "Parameter '" + name + "' is not defined in the pipeline definition.");
      json typed = typed_output(pd->type, value);
      if (pd->type != "String" && typed.is_string())
        return api_result::failure(k_validation, "Value '" + value + "' of parameter '" + name +
                                                     "' is not a valid " + pd->type + ".");
      values[name] = typed;
    }
    for (const parameter_def& pd : p.definition.parameters)
      if (values.count(pd.name) == 0)
        return api_result::failure(k_validation,
                                   "Parameter '" + pd.name + "' has no value and no default.");
    if (auto err = over_limit()) return *err;

    auto e = std::make_unique<execution>();
    e->id = random_chars(ids, 12, "abcdefghijklmnopqrstuvwxyz0123456789");
    e->arn = p.arn + "/execution/" + e->id;
    while (execution_index.count(e->arn) != 0) {
      e->id = random_chars(ids, 12, "abcdefghijklmnopqrstuvwxyz0123456789");
      e->arn = p.arn + "/execution/" + e->id;
    }
    e->pipeline = *pi;
    e->pipeline_name = p.name;
    e->created = e->last_modified = sim.now();
    e->display_name =
        req.value("PipelineExecutionDisplayName",
                  "execution-" + std::to_string(options.epoch_unix_ms + sim.now() / 1000));
    e->description = req.value("PipelineExecutionDescription", "");
    e->parameters = std::move(values);
    e->parameters_request = params;
    e->max_parallel = p.max_parallel;
    if (req.contains("ParallelismConfiguration") && req["ParallelismConfiguration"].is_object()) {
      e->max_parallel =
          req["ParallelismConfiguration"]["MaxParallelExecutionSteps"].get<std::int64_t>();
      e->parallelism_requested = true;
    }
    e->machine = std::make_unique<execution_machine>(sim, e->arn);
    e->history = {execution_status::executing};
    e->steps.resize(p.definition.steps.size());
    e->lane = sim.lane("sagemaker." + e->id);
    execution& ref = *e;
    execution_index[e->arn] = executions.size();
    executions.push_back(std::move(e));
    trace("pipeline.execution_status", [&] {
      return json{{"execution", ref.arn},
                  {"from", nullptr},
                  {"to", "Executing"},
                  {"event", "execution_started"}};
    });
    arm_timeout(ref);
    api_result result = api_result::success({{"PipelineExecutionArn", ref.arn}});
    remember("StartPipelineExecution", req, result);
    advance(ref);
    return result;
  }

  api_result stop(const json& req) {
    if (auto err = check_execution_arn(req, "PipelineExecutionArn", true)) return *err;
    if (auto err = check_token(req, true)) return *err;
    const std::string arn = req["PipelineExecutionArn"].get<std::string>();
    if (auto r = replay("StopPipelineExecution", req)) {
      execution* e = find_execution(arn);
      if (r->ok() && e != nullptr &&
          knobs.text("stop.same_token_replay") == "ValidationException" &&
          e->machine->status() != execution_status::executing)
        return not_executing();
      return *r;  // [AR-Stop]: the same token completes no more than once.
    }
    execution* e = find_execution(arn);
    if (e == nullptr) return execution_not_found(arn);
    const execution_status status = e->machine->status();
    if (status != execution_status::executing) {
      if (status == execution_status::stopping &&
          knobs.text("stop.on_stopping") == "return_success") {
        api_result ok = api_result::success({{"PipelineExecutionArn", arn}});
        remember("StopPipelineExecution", req, ok);
        return ok;
      }
      return not_executing();  // [AF]
    }
    api_result result = api_result::success({{"PipelineExecutionArn", arn}});
    remember("StopPipelineExecution", req, result);
    stop_execution(*e);
    return result;
  }

  static api_result not_executing() {
    return api_result::failure(k_validation,
                               "Only pipelines with 'Executing' status can be stopped");
  }

  json describe_body(const execution& e) const {
    json r = {
        {"PipelineArn", pipelines[e.pipeline].arn},
        {"PipelineExecutionArn", e.arn},
        {"PipelineExecutionDisplayName", e.display_name},
        {"PipelineExecutionStatus", to_string(e.machine->status())},
        {"PipelineExperimentConfig", {{"ExperimentName", e.pipeline_name}, {"TrialName", e.id}}},
        {"CreationTime", timestamp(e.created)},
        {"LastModifiedTime", timestamp(e.last_modified)}};
    if (!e.description.empty()) r["PipelineExecutionDescription"] = e.description;
    if (e.machine->status() == execution_status::failed)
      r["FailureReason"] = e.failure_reason.substr(0, 1300);
    if (e.max_parallel)
      r["ParallelismConfiguration"] = {{"MaxParallelExecutionSteps", *e.max_parallel}};
    return r;
  }

  api_result describe(const json& req) {
    if (auto err = check_execution_arn(req, "PipelineExecutionArn", true)) return *err;
    const std::string arn = req["PipelineExecutionArn"].get<std::string>();
    const execution* e = find_execution(arn);
    if (e == nullptr) return execution_not_found(arn);
    return api_result::success(describe_body(*e));
  }

  // Pagination: NextToken is the decimal offset of the next item, prefixed to look opaque.
  std::optional<api_result> page_args(const json& req, std::size_t& offset, std::size_t& max) {
    if (auto err = check_string(req, "NextToken", false, 0, 8192)) return *err;
    offset = 0;
    max = 50;
    if (auto m = req.find("MaxResults"); m != req.end() && !m->is_null()) {
      if (!m->is_number_integer() || m->get<std::int64_t>() < 1 || m->get<std::int64_t>() > 100)
        return invalid("maxResults", *m, "Member must have value between 1 and 100");
      max = m->get<std::size_t>();
    }
    if (auto t = req.find("NextToken"); t != req.end() && t->is_string()) {
      const std::string& s = t->get_ref<const std::string&>();
      if (s.rfind("pipesim-", 0) != 0 || s.size() == 8 ||
          s.find_first_not_of("0123456789", 8) != std::string::npos)
        return api_result::failure(k_validation, "Invalid pagination token: " + s);
      offset = std::stoull(s.substr(8));
    }
    if (auto o = req.find("SortOrder");
        o != req.end() && !o->is_null() && *o != "Ascending" && *o != "Descending")
      return invalid("sortOrder", *o,
                     "Member must satisfy enum value set: [Ascending, Descending]");
    return std::nullopt;
  }

  json step_entry(const execution& e, std::size_t i) const {
    const step_run& r = e.steps[i];
    const step_def& s = def(e).steps[i];
    json j = {{"StepName", s.name},
              {"StepStatus", to_string(r.machine->status())},
              {"StartTime", timestamp(r.start_time)},
              {"AttemptCount", r.attempt}};
    if (!s.display_name.empty()) j["StepDisplayName"] = s.display_name;
    if (!s.description.empty()) j["StepDescription"] = s.description;
    if (r.end_time >= 0) j["EndTime"] = timestamp(r.end_time);
    if (r.machine->status() == step_status::failed)
      j["FailureReason"] = r.failure_reason.substr(0, 1024);
    json md = json::object();
    switch (s.kind) {
      case step_kind::job:
        md[metadata_key(s.type)] = {{"Arn", "arn:aws:sagemaker:" + options.region + ":" +
                                                options.account + ":" + resource_kind(s.type) +
                                                "/pipelines-" + e.id + "-" + s.name}};
        break;
      case step_kind::lambda:
        md["Lambda"] = {{"Arn", s.lambda_arn}, {"OutputParameters", r.output_parameters}};
        break;
      case step_kind::callback:
        md["Callback"] = {{"CallbackToken", r.token},
                          {"SqsQueueUrl", s.sqs_queue_url},
                          {"OutputParameters", r.output_parameters}};
        break;
      case step_kind::condition:
        if (r.outcome) md["Condition"] = {{"Outcome", *r.outcome ? "True" : "False"}};
        break;
      case step_kind::fail:
        if (!r.fail_message.is_null()) md["Fail"] = {{"ErrorMessage", r.fail_message}};
        break;
    }
    j["Metadata"] = md;
    return j;
  }

  api_result list_steps(const json& req) {
    if (auto err = check_execution_arn(req, "PipelineExecutionArn", false)) return *err;
    std::size_t offset = 0, max = 50;
    if (auto err = page_args(req, offset, max)) return *err;
    const std::string arn = req.value("PipelineExecutionArn", "");
    const execution* e = find_execution(arn);
    if (e == nullptr) return execution_not_found(arn);
    std::vector<std::size_t> started;
    for (std::size_t i = 0; i < e->steps.size(); ++i)
      if (e->steps[i].machine) started.push_back(i);
    // Newest first unless Ascending is asked for (pipesim choice; AWS names no default order).
    const bool ascending = req.value("SortOrder", "Descending") == "Ascending";
    std::sort(started.begin(), started.end(), [&](std::size_t a, std::size_t b) {
      return ascending ? e->steps[a].start_seq < e->steps[b].start_seq
                       : e->steps[a].start_seq > e->steps[b].start_seq;
    });
    json items = json::array();
    for (std::size_t k = offset; k < started.size() && items.size() < max; ++k)
      items.push_back(step_entry(*e, started[k]));
    json out = {{"PipelineExecutionSteps", items}};
    if (offset + max < started.size()) out["NextToken"] = "pipesim-" + std::to_string(offset + max);
    return api_result::success(out);
  }

  api_result list_executions(const json& req) {
    if (auto err = check_string(req, "PipelineName", true, 1, 2048, pipeline_name_pattern,
                                k_pipeline_name_pattern))
      return *err;
    std::size_t offset = 0, max = 50;
    if (auto err = page_args(req, offset, max)) return *err;
    const std::string sort_by = req.value("SortBy", "CreationTime");
    if (sort_by != "CreationTime" && sort_by != "PipelineExecutionArn")
      return invalid("sortBy", req["SortBy"],
                     "Member must satisfy enum value set: [CreationTime, PipelineExecutionArn]");
    for (const char* t : {"CreatedAfter", "CreatedBefore"})
      if (req.contains(t) && !req[t].is_number())
        return invalid(lower_camel(t), req[t], "Member must be a timestamp (epoch seconds)");
    const auto pi = find_pipeline(req["PipelineName"].get<std::string>());
    if (!pi)
      return api_result::failure(
          k_not_found, "Pipeline '" + req["PipelineName"].get<std::string>() + "' does not exist.");
    std::vector<const execution*> found;
    for (const auto& e : executions) {
      if (e->pipeline != *pi) continue;
      const double t = timestamp(e->created);
      if (req.contains("CreatedAfter") && t <= req["CreatedAfter"].get<double>()) continue;
      if (req.contains("CreatedBefore") && t >= req["CreatedBefore"].get<double>()) continue;
      found.push_back(e.get());
    }
    const bool ascending = req.value("SortOrder", "Descending") == "Ascending";
    std::stable_sort(found.begin(), found.end(), [&](const execution* a, const execution* b) {
      if (sort_by == "PipelineExecutionArn") return ascending ? a->arn < b->arn : a->arn > b->arn;
      return ascending ? a->created < b->created : a->created > b->created;
    });
    if (!ascending && sort_by == "CreationTime") {
      // Equal creation times: newest (last created) first.
      std::stable_sort(found.begin(), found.end(), [&](const execution* a, const execution* b) {
        if (a->created != b->created) return a->created > b->created;
        return execution_index.at(a->arn) > execution_index.at(b->arn);
      });
    }
    json items = json::array();
    for (std::size_t k = offset; k < found.size() && items.size() < max; ++k) {
      const execution& e = *found[k];
      json s = {{"PipelineExecutionArn", e.arn},
                {"StartTime", timestamp(e.created)},
                {"PipelineExecutionStatus", to_string(e.machine->status())},
                {"PipelineExecutionDisplayName", e.display_name}};
      if (!e.description.empty()) s["PipelineExecutionDescription"] = e.description;
      if (e.machine->status() == execution_status::failed)
        s["PipelineExecutionFailureReason"] = e.failure_reason.substr(0, 3072);
      items.push_back(s);
    }
    json out = {{"PipelineExecutionSummaries", items}};
    if (offset + max < found.size()) out["NextToken"] = "pipesim-" + std::to_string(offset + max);
    return api_result::success(out);
  }

  api_result retry(const json& req) {
    if (auto err = check_execution_arn(req, "PipelineExecutionArn", true)) return *err;
    if (auto err = check_token(req, true)) return *err;
    if (auto err = check_parallelism(req)) return *err;
    if (auto r = replay("RetryPipelineExecution", req)) return *r;
    const std::string arn = req["PipelineExecutionArn"].get<std::string>();
    execution* e = find_execution(arn);
    if (e == nullptr) return execution_not_found(arn);
    const execution_status status = e->machine->status();
    const bool stopped_ok = knobs.text("execution.retry_from") == "Failed_or_Stopped";
    if (!(status == execution_status::failed ||
          (stopped_ok && status == execution_status::stopped)))
      return api_result::failure(k_validation, "Pipeline execution with status '" +
                                                   std::string(to_string(status)) +
                                                   "' cannot be retried.");
    if (e->fail_step_reached)  // [DG-Steps]
      return api_result::failure(k_validation,
                                 "Pipeline execution that failed at a FailStep cannot be retried.");
    if (auto err = over_limit()) return *err;
    if (req.contains("ParallelismConfiguration") && req["ParallelismConfiguration"].is_object())
      e->max_parallel =
          req["ParallelismConfiguration"]["MaxParallelExecutionSteps"].get<std::int64_t>();
    api_result result = api_result::success({{"PipelineExecutionArn", arn}});
    remember("RetryPipelineExecution", req, result);
    e->failure_seen = false;
    e->stop_failure = false;
    e->failure_reason.clear();
    execution_event(*e, events::retry_requested{});
    arm_timeout(*e);
    // Failed and Stopped steps run again (same ARN [GH-ACK]); steps that never started start
    // when their dependencies allow; Succeeded steps keep their results.
    for (std::size_t i : launch_order(*e)) {
      step_run& r = e->steps[i];
      if (r.machine && (r.machine->status() == step_status::failed ||
                        r.machine->status() == step_status::stopped)) {
        if (e->max_parallel && running_count(*e) >= *e->max_parallel) {
          // Wait for a slot: reset to "never started" and let advance() launch it.
          step_event(*e, i, events::retry_requested{});
          r.machine.reset();
          // Never started again: it rejoins the start order at the end when it launches.
          e->start_order.erase(std::find(e->start_order.begin(), e->start_order.end(), i));
          continue;
        }
        launch(*e, i);
      }
    }
    advance(*e);
    return result;
  }

  api_result answer(const std::string& op, const json& req, bool success) {
    if (auto err = check_string(req, "CallbackToken", true, 10, 10, token_pattern, k_token_pattern))
      return *err;
    if (auto err = check_token(req, false)) return *err;
    if (success) {
      json outs = req.value("OutputParameters", json::array());
      if (!outs.is_array()) return invalid("outputParameters", outs, "Member must be a list");
      if (outs.size() > 50)
        return invalid("outputParameters", outs,
                       "Member must have length less than or equal to 50");
      for (const json& o : outs) {
        if (!o.is_object()) return invalid("outputParameters", o, "Member must be a structure");
        if (auto err = check_string(o, "Name", true, 0, 256)) return *err;
        if (auto err = check_string(o, "Value", true, 0, 1024)) return *err;
      }
    } else {
      if (auto err = check_string(req, "FailureReason", false, 0, 256)) return *err;
    }
    if (auto r = replay(op, req)) return *r;
    const std::string token = req["CallbackToken"].get<std::string>();
    auto t = token_index.find(token);
    if (t == token_index.end()) {
      const std::string& code = knobs.text("callback.unknown_token_error");
      return api_result::failure(code, "Callback token '" + token + "' does not exist.");
    }
    execution& e = *executions[t->second.execution];
    const std::size_t i = t->second.step;
    step_run& r = e.steps[i];
    const bool waiting = r.generation == t->second.generation && r.callback &&
                         (r.callback->state() == callback_state::waiting_for_answer ||
                          r.callback->state() == callback_state::stopping_message_sent) &&
                         running(r);
    if (!waiting) {
      const std::string& mode = knobs.text("callback.answer_after_resolution");
      trace("pipeline.callback_answer_rejected", [&] {
        return json{
            {"execution", e.arn}, {"step", def(e).steps[i].name}, {"token", token}, {"mode", mode}};
      });
      if (mode == "return_success") return api_result::success({{"PipelineExecutionArn", e.arn}});
      return api_result::failure(
          mode, "Callback token '" + token +
                    "' belongs to a step that is no longer waiting for an answer.");
    }
    api_result result = api_result::success({{"PipelineExecutionArn", e.arn}});
    remember(op, req, result);
    if (r.timer_event.valid()) sim.cancel(r.timer_event);
    r.timer_event = sim::event_id{};
    ++r.resolutions;
    const bool stopping = r.machine->status() == step_status::stopping;
    const std::string& step_name = def(e).steps[i].name;
    trace("pipeline.callback_resolved", [&] {
      return json{{"execution", e.arn},
                  {"step", step_name},
                  {"token", token},
                  {"outcome", success ? "Success" : "Failure"},
                  {"during_stop", stopping}};
    });
    if (success) {
      callback_event(e, i, events::callback_answered_success{});
      json outs = req.value("OutputParameters", json::array());
      r.output_parameters = json::array();
      for (const json& o : outs) {
        const std::string name = o["Name"].get<std::string>();
        const std::string value = o["Value"].get<std::string>();
        r.output_parameters.push_back({{"Name", name}, {"Value", value}});
        std::string type = "String";
        for (const auto& [n, ty] : def(e).steps[i].output_parameters)
          if (n == name) type = ty;
        e.properties[step_name]["OutputParameters['" + name + "']"] = typed_output(type, value);
      }
      if (stopping && knobs.text("stop.answer_success_step_status") == "Stopped")
        step_event(e, i, events::stop_confirmed{});
      else
        step_event(e, i, events::work_succeeded{});
    } else {
      callback_event(e, i, events::callback_answered_failure{});
      const std::string reason = req.value("FailureReason", "");
      if (stopping) {
        if (knobs.text("stop.answer_failure_execution_status") == "Failed") {
          e.stop_failure = true;
          e.failure_reason = "Callback step " + step_name + " failed while stopping: " + reason;
        }
        if (knobs.text("stop.answer_failure_step_status") == "Stopped") {
          step_event(e, i, events::stop_confirmed{});
        } else {
          r.failure_reason = reason;
          step_event(e, i, events::work_failed{});
        }
      } else {
        step_failed(e, i, reason);
      }
    }
    advance(e);
    return result;
  }

  api_result dispatch(std::string_view op, const json& req) {
    if (!req.is_object() && !req.is_null())
      return api_result::failure("SerializationException",
                                 "The request body must be a JSON object");
    const json& r = req.is_null() ? json::object() : req;
    if (op == "StartPipelineExecution") return start(r);
    if (op == "StopPipelineExecution") return stop(r);
    if (op == "DescribePipelineExecution") return describe(r);
    if (op == "ListPipelineExecutionSteps") return list_steps(r);
    if (op == "ListPipelineExecutions") return list_executions(r);
    if (op == "RetryPipelineExecution") return retry(r);
    if (op == "SendPipelineExecutionStepSuccess")
      return answer("SendPipelineExecutionStepSuccess", r, true);
    if (op == "SendPipelineExecutionStepFailure")
      return answer("SendPipelineExecutionStepFailure", r, false);
    return api_result::failure("UnknownOperationException", "Unknown operation " + std::string(op));
  }
};

// ---------------------------------------------------------------------------------------------

service::service(sim::simulation& s, const models::knob_values& knob_values, send_message_fn send,
                 service_options options)
    : impl_(std::make_unique<impl>(s, knob_values, std::move(send), std::move(options))) {}
service::~service() = default;

std::string service::create_pipeline(const std::string& name, const json& definition,
                                     behaviour_map behaviour,
                                     std::optional<std::int64_t> max_parallel_steps) {
  if (!hyphenated_name(name, 255))
    throw definition_error("/PipelineName",
                           "expected a pipeline name matching [a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}");
  pipeline_record p{name,
                    "arn:aws:sagemaker:" + impl_->options.region + ":" + impl_->options.account +
                        ":pipeline/" + name,
                    parse_definition(definition), std::move(behaviour), max_parallel_steps};
  for (const auto& [step, b] : p.behaviour) {
    if (p.definition.find(step) == nullptr)
      throw definition_error("/" + step, "behaviour for a step the definition does not have");
    (void)b;
  }
  if (max_parallel_steps && *max_parallel_steps < 1)
    throw definition_error("/ParallelismConfiguration/MaxParallelExecutionSteps",
                           "expected an integer >= 1");
  auto it = impl_->pipeline_index.find(name);
  if (it != impl_->pipeline_index.end()) {
    impl_->pipelines[it->second] = std::move(p);
  } else {
    impl_->pipeline_index[name] = impl_->pipelines.size();
    impl_->pipelines.push_back(std::move(p));
  }
  return impl_->pipelines[impl_->pipeline_index[name]].arn;
}

api_result service::call(std::string_view operation, const json& request) {
  api_result r;
  if (impl_->sim.chance("pipelines.api.throttle",
                        impl_->knobs.number("api.throttle_probability"))) {
    // [BC-Retry]: a throttled call is refused before it has any effect; SDKs retry it.
    r = api_result::failure("ThrottlingException", "Rate exceeded");
  } else if (impl_->sim.chance("pipelines.api.server_error",
                               impl_->knobs.number("api.server_error_probability"))) {
    // A 5xx says nothing about whether the request was carried out (the caller cannot tell a
    // failure before the effect from a lost answer after it), so both are choice points.
    r = models::server_error(impl_->sim.choose("pipelines.api.server_error.kind", 3),
                             [&] { return impl_->dispatch(operation, request); });
  } else {
    r = impl_->dispatch(operation, request);
  }
  if (impl_->sim.trace().enabled()) {
    json fields = {{"operation", operation}, {"outcome", r.ok() ? "ok" : r.error->code}};
    if (r.ok() && r.response.contains("PipelineExecutionArn"))
      fields["execution"] = r.response["PipelineExecutionArn"];
    impl_->sim.record("pipeline.api_call", fields);
  }
  return r;
}

const std::vector<std::string>& service::operations() {
  static const std::vector<std::string> ops{
      "StartPipelineExecution",           "StopPipelineExecution",
      "DescribePipelineExecution",        "ListPipelineExecutionSteps",
      "ListPipelineExecutions",           "RetryPipelineExecution",
      "SendPipelineExecutionStepSuccess", "SendPipelineExecutionStepFailure"};
  return ops;
}

const std::set<std::string>& service::error_codes() {
  static const std::set<std::string> codes{k_validation,
                                           k_not_found,
                                           k_conflict,
                                           k_limit,
                                           "SerializationException",
                                           "ThrottlingException",
                                           "InternalFailure",
                                           "ServiceUnavailable",
                                           "UnknownOperationException"};
  return codes;
}

std::vector<std::string> service::execution_arns() const {
  std::vector<std::string> out;
  for (const auto& e : impl_->executions) out.push_back(e->arn);
  return out;
}

namespace {

// Assigns only what differs: between two events almost nothing does, and comparing equal
// strings costs less than copying them again.
template <typename T>
void refresh(T& to, const T& from) {
  if (to != from) to = from;
}

// Overwrites `o` with what checkers see of `e`, reusing the capacity `o`'s strings and vectors
// already have, which is what makes observe_all cheap.
void observe_into(const execution& e, const pipeline_definition& def, execution_observation& o) {
  refresh(o.arn, e.arn);
  refresh(o.pipeline_name, e.pipeline_name);
  o.status = e.machine->status();
  refresh(o.history, e.history);
  o.max_running_steps = e.max_running;
  o.max_parallel_steps = e.max_parallel;
  o.steps.resize(e.start_order.size());
  for (std::size_t k = 0; k < e.start_order.size(); ++k) {
    const std::size_t i = e.start_order[k];
    const step_run& r = e.steps[i];
    step_observation& s = o.steps[k];
    refresh(s.name, def.steps[i].name);
    refresh(s.type, def.steps[i].type);
    s.status = r.machine->status();
    s.attempt_count = r.attempt;
    s.callback = r.callback ? std::optional<callback_state>(r.callback->state()) : std::nullopt;
    refresh(s.callback_token, r.token);
    s.callback_messages_sent = r.callback_messages;
    s.stopping_messages_sent = r.stopping_messages;
    s.token_resolutions = r.resolutions;
    refresh(s.history, r.history);
  }
}

}  // namespace

execution_observation service::observe(const std::string& arn) const {
  const execution& e = *impl_->executions.at(impl_->execution_index.at(arn));
  execution_observation o;
  observe_into(e, impl_->def(e), o);
  // FailureReasons are for reports, not for the per-event checks: observe_all leaves them out.
  o.failure_reason = e.failure_reason;
  for (std::size_t k = 0; k < e.start_order.size(); ++k) {
    o.steps[k].failure_reason = e.steps[e.start_order[k]].failure_reason;
  }
  return o;
}

void service::observe_all(std::vector<execution_observation>& out) const {
  out.resize(impl_->executions.size());
  for (std::size_t i = 0; i < impl_->executions.size(); ++i) {
    const execution& e = *impl_->executions[i];
    observe_into(e, impl_->def(e), out[i]);
  }
}

}  // namespace models::pipelines

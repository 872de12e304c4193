// Building and driving one run's world: queues, pipelines, scripted actions (with "${...}"
// references to earlier responses), consumers and Lambda functions, the run loop, the report.
#include "scenarios/detail/world.hpp"

#include "runtimes/handler.hpp"
#include "scenarios/behaviour_parse.hpp"
#include "scenarios/lambda_handlers.hpp"
#include "scenarios/public_api.hpp"
#include "sim/error.hpp"
#include "sim/pct_strategy.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace scenarios::detail {

namespace {

// What "${name}" alone stands for: the execution ARN for SageMaker calls, else the natural id.
std::string binding_of(const json& response) {
  for (const char* key : {"PipelineExecutionArn", "QueueUrl", "MessageId"}) {
    if (response.contains(key) && response[key].is_string())
      return response[key].get<std::string>();
  }
  return response.dump();
}

// A reference that does not resolve in the response it names: the action is not called.
struct unresolved_reference {
  std::string message;
};

// The value "${ref}" stands for: the binding of a whole response, or the member a path
// ("name.Messages[0].ReceiptHandle", "name.Messages.0.ReceiptHandle") reaches in it.
json resolve(const std::string& ref, const std::map<std::string, json>& bound) {
  const std::size_t cut = ref.find_first_of(".[");
  const auto it = bound.find(ref.substr(0, cut));
  if (it == bound.end()) {
    throw unresolved_reference{"\"${" + ref + "}\": nothing is bound to \"" + ref.substr(0, cut) +
                               "\" (the action that binds it failed or has not run)"};
  }
  if (cut == std::string::npos) return binding_of(it->second);
  const json* at = &it->second;
  std::size_t i = cut;
  while (i < ref.size()) {
    std::string key;
    if (ref[i] == '.') {
      const std::size_t next = ref.find_first_of(".[", i + 1);
      key = ref.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
      i = next == std::string::npos ? ref.size() : next;
    } else {  // '['
      const std::size_t close = ref.find(']', i);
      key = ref.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
      i = close == std::string::npos ? ref.size() : close + 1;
    }
    const bool index = !key.empty() && std::all_of(key.begin(), key.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
    if (at->is_array() && index && std::stoull(key) < at->size()) {
      at = &(*at)[std::stoull(key)];
    } else if (at->is_object() && at->contains(key)) {
      at = &(*at)[key];
    } else {
      throw unresolved_reference{"\"${" + ref + "}\": the response bound to \"" +
                                 ref.substr(0, cut) + "\" has no \"" + key + "\" there"};
    }
  }
  return *at;
}

// Replaces every "${...}" in strings. A string that is one reference and nothing else takes the
// referenced value as it is (a number stays a number); inside text a value is spliced as text.
json expand(const json& v, const std::map<std::string, json>& bound) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.find("${") == std::string::npos) return v;
    if (s.rfind("${", 0) == 0 && s.find('}') == s.size() - 1 &&
        s.find("${", 2) == std::string::npos) {
      return resolve(s.substr(2, s.size() - 3), bound);
    }
    std::string out;
    std::size_t from = 0;
    for (std::size_t at = s.find("${"); at != std::string::npos; at = s.find("${", from)) {
      const std::size_t end = s.find('}', at);
      if (end == std::string::npos) break;
      out += s.substr(from, at - from);
      const json value = resolve(s.substr(at + 2, end - at - 2), bound);
      out += value.is_string() ? value.get<std::string>() : value.dump();
      from = end + 1;
    }
    return out + s.substr(from);
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : v.items()) out[key] = expand(value, bound);
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const json& item : v) out.push_back(expand(item, bound));
    return out;
  }
  return v;
}

}  // namespace
void world::create_queues() {
  // Dead-letter queues first: a RedrivePolicy must name an existing queue.
  std::vector<const queue_spec*> order;
  for (const queue_spec& q : sc_.queues) {
    if (!q.redrive) order.push_back(&q);
  }
  for (const queue_spec& q : sc_.queues) {
    if (q.redrive) order.push_back(&q);
  }
  for (const queue_spec* q : order) {
    sqs_.set_queue_knobs(q->name, q->adversity);
    json attributes = json::object();
    auto seconds = [](sim::time_us us) { return std::to_string(us / sim::k_second_us); };
    if (q->fifo) attributes["FifoQueue"] = "true";
    if (q->visibility_timeout_us)
      attributes["VisibilityTimeout"] = seconds(*q->visibility_timeout_us);
    if (q->delay_us) attributes["DelaySeconds"] = seconds(*q->delay_us);
    if (q->retention_us) attributes["MessageRetentionPeriod"] = seconds(*q->retention_us);
    if (q->receive_wait_us)
      attributes["ReceiveMessageWaitTimeSeconds"] = seconds(*q->receive_wait_us);
    if (q->content_based_deduplication) {
      attributes["ContentBasedDeduplication"] = *q->content_based_deduplication ? "true" : "false";
    }
    if (q->redrive) {
      attributes["RedrivePolicy"] =
          json{{"deadLetterTargetArn", sqs_.queue_arn(q->redrive->dead_letter_queue)},
               {"maxReceiveCount", q->redrive->max_receive_count}}
              .dump();
    }
    const models::api_result r =
        sqs_.call_from_aws("CreateQueue", {{"QueueName", q->name}, {"Attributes", attributes}});
    if (!r.ok()) {
      throw scenario_error(
          sc_.file, {problem{"/queues/" + q->name,
                             "SQS refused the queue: " + r.error->code + ": " + r.error->message}});
    }
  }
}

void world::create_pipelines() {
  for (const pipeline_spec& p : sc_.pipelines) {
    // Parsed when the scenario was: a run copies the typed definition and behaviours.
    sagemaker_.create_pipeline(p.name, p.parsed_definition, p.behaviour, p.parallelism);
  }
}

// The scenario's caller is the test's driver, not the system under test: it retries throttling
// and server errors until it gets an answer (a pipeline must not fail its test because the API
// was unavailable for a while; exploration turns faults off in its heal phase, so every action
// lands), with exponential backoff 1 s, 2 s, 4 s, ... capped at one minute. A retried call
// repeats the same request, ClientRequestToken included.
constexpr sim::time_us k_action_max_backoff_us = sim::k_minute_us;

void world::schedule_actions() {
  actions_.resize(sc_.actions.size());
  for (std::size_t i = 0; i < sc_.actions.size(); ++i) {
    const action_spec& a = sc_.actions[i];
    actions_[i].index = i;
    actions_[i].call = a.call;
    actions_[i].at_us = a.at_us;
    sim_.schedule_at(
        a.at_us, [this, i] { call_action(i, 1); }, actions_lane_);
  }
}

void world::call_action(std::size_t i, int attempt) {
  const action_spec& spec = sc_.actions[i];
  auto settle = [this, i, attempt](const models::api_result& r) {
    const action_spec& a = sc_.actions[i];
    if (!r.ok() && retryable(r.error->code, r.error->http_status)) {
      sim_.record("action.retry", {{"index", i}, {"call", a.call}, {"error", r.error->code}});
      const sim::time_us backoff_us =
          attempt > 6 ? k_action_max_backoff_us
                      : std::min(k_action_max_backoff_us, sim::k_second_us << (attempt - 1));
      sim_.schedule_after(
          backoff_us, [this, i, attempt] { call_action(i, attempt + 1); }, actions_lane_);
      return;
    }
    action_outcome& out = actions_[i];
    out.ran = true;
    out.ok = r.ok();
    if (r.ok()) {
      out.response = r.response;
      if (a.bind_as) {
        bound_[*a.bind_as] = r.response;
        if (r.response.contains("PipelineExecutionArn")) {
          bound_arns_[*a.bind_as] = r.response["PipelineExecutionArn"].get<std::string>();
        }
      }
      if (a.call == "RetryPipelineExecution" && r.response.contains("PipelineExecutionArn")) {
        ++retries_[r.response["PipelineExecutionArn"].get<std::string>()];
      }
    } else {
      out.error_code = r.error->code;
      out.error_message = r.error->message;
    }
    ++actions_run_;
    sim_.record(
        "action.result",
        {{"index", i}, {"call", a.call}, {"ok", r.ok()}, {"error", r.ok() ? "" : r.error->code}});
  };
  json request;
  try {
    request = expand(spec.params, bound_);
  } catch (const unresolved_reference& e) {
    // The scenario's script cannot go on as written: the action is reported failed, not called.
    settle(models::api_result::failure("UnresolvedReference", e.message));
    return;
  }
  if (sim_.trace().enabled()) {
    sim_.record("action.call", {{"index", i}, {"call", spec.call}, {"params", request}});
  }
  const std::vector<std::string>& sagemaker_ops = pl::service::operations();
  if (contains(sagemaker_ops, spec.call)) {
    settle(sagemaker_.call(spec.call, request));
  } else {
    sqs_.call_async(spec.call, request, settle, actions_lane_);
  }
}

void world::start_consumers() {
  for (const auto& [name, factory] : options_.consumers) {
    const bool known =
        std::any_of(sc_.consumers.begin(), sc_.consumers.end(),
                    [&wanted = name](const consumer_spec& c) { return c.name == wanted; });
    if (!known) {
      std::string names;
      for (const consumer_spec& c : sc_.consumers) names += (names.empty() ? "" : ", ") + c.name;
      throw scenario_error(sc_.file,
                           {problem{"/consumers", "run options replace consumer \"" + name +
                                                      "\", which the scenario "
                                                      "does not have (it has: " +
                                                      names + ")"}});
    }
  }
  for (const auto& [name, factory] : options_.lambda_handlers) {
    const bool known = std::any_of(sc_.consumers.begin(), sc_.consumers.end(),
                                   [&wanted = name](const consumer_spec& c) {
                                     return c.name == wanted && c.lambda.has_value();
                                   });
    if (!known) {
      throw scenario_error(sc_.file, {problem{"/consumers",
                                              "run options replace the handler of "
                                              "Lambda consumer \"" +
                                                  name + "\", which the scenario does not have"}});
    }
  }
  effects_.on_double_create([this](const effect_record& r) {
    violate("resource_created_once", "consumer " + r.consumer + " created " + r.resource +
                                         " while it already existed (a second job for one "
                                         "callback: the handler is not idempotent)");
  });
  for (const consumer_spec& c : sc_.consumers) {
    if (c.lambda) {
      start_lambda(c);
      continue;
    }
    if (c.process) {
      start_worker(c);
      continue;
    }
    const auto custom = options_.consumers.find(c.name);
    consumers_.push_back(std::make_unique<consumer_host>(
        sim_, c, sqs_.queue_url(c.queue), sqs_,
        [this](std::string_view op, const json& request) {
          if (op == "SendPipelineExecutionStepSuccess" || op == "SendPipelineExecutionStepFailure")
            note(milestones_.first_answer_us);
          return sagemaker_.call(op, request);
        },
        custom != options_.consumers.end() ? custom->second : builtin_consumer(c), effects_,
        options_.hosts));
    consumers_.back()->on_deliver([this] { note(milestones_.first_receive_us); });
    consumers_.back()->start();
  }
}

// The handler of a Lambda consumer: the run options' C++ handler, the user's own handler in its
// runtime's shim (one shim process per execution environment, for this run only), or a built-in.
pipesim::lambda::handler_factory world::lambda_factory(const consumer_spec& c) {
  if (options_.lambda_handlers.count(c.name) > 0) return options_.lambda_handlers.at(c.name);
  if (!c.lambda->runtime) return builtin_lambda_handler(c.lambda->handler);
  const auto index = std::find_if(sc_.consumers.begin(), sc_.consumers.end(),
                                  [&n = c.name](const consumer_spec& k) { return k.name == n; }) -
                     sc_.consumers.begin();
  runtimes::function_setup setup;
  setup.spec = *c.lambda->runtime;
  setup.environment = c.lambda->environment;
  setup.mocks = sc_.mocks;
  setup.scenario_file = sc_.file;
  setup.pointer = "/consumers/" + std::to_string(index) + "/lambda";
  setup.on_unsimulated_call = [this](const std::string& what) {
    violate("handler_calls_simulated", what);
  };
  return runtimes::shim_factory(std::move(setup));
}

// A consumer deployed as a Lambda function: its event source mapping on the queue. A mapping
// Lambda would refuse is caught by validation; one refused here (the queue changed) is bad input.
void world::start_lambda(const consumer_spec& c) {
  lambdas_.push_back(std::make_unique<lambda_host>(
      sim_, c, sc_.region, sc_.account, sqs_,
      [this](std::string_view op, const json& request) {
        if (op == "SendPipelineExecutionStepSuccess" || op == "SendPipelineExecutionStepFailure")
          note(milestones_.first_answer_us);
        return sagemaker_.call(op, request);
      },
      lambda_factory(c), effects_, lambda_knobs_, options_.hosts));
  lambda_host& l = *lambdas_.back();
  l.on_deliver([this] { note(milestones_.first_receive_us); });
  l.on_lost_callback([this](const std::string& what) { violate("no_lost_callback", what); });
  if (auto e = l.start()) {
    throw scenario_error(sc_.file, {problem{"/consumers",
                                            "Lambda refused the event source mapping "
                                            "of consumer \"" +
                                                c.name + "\": " + e->code + ": " + e->message}});
  }
}

void world::start_worker(const consumer_spec& c) {
  const auto index = std::find_if(sc_.consumers.begin(), sc_.consumers.end(),
                                  [&n = c.name](const consumer_spec& k) { return k.name == n; }) -
                     sc_.consumers.begin();
  worker_host::setup how;
  how.scenario_file = sc_.file;
  how.pointer = "/consumers/" + std::to_string(index) + "/process";
  how.region = sc_.region;
  how.account = sc_.account;
  how.mocks = sc_.mocks;
  how.violate = [this](const std::string& invariant, const std::string& what) {
    violate(invariant, what);
  };
  workers_.push_back(std::make_unique<worker_host>(
      sim_, c, sqs_.queue_url(c.queue), sqs_,
      [this](std::string_view op, const json& request) {
        if (op == "SendPipelineExecutionStepSuccess" || op == "SendPipelineExecutionStepFailure")
          note(milestones_.first_answer_us);
        return sagemaker_.call(op, request);
      },
      effects_, options_.hosts, std::move(how)));
  workers_.back()->on_deliver([this] { note(milestones_.first_receive_us); });
  workers_.back()->start();
}

void world::settle_workers() {
  for (;;) {
    const auto next =
        std::find_if(workers_.begin(), workers_.end(), [](const auto& w) { return w->runnable(); });
    if (next == workers_.end()) return;
    (*next)->serve();
  }
}

void world::begin() {
  create_queues();
  create_pipelines();
  start_consumers();
  schedule_actions();
  settle_workers();
  sim_.after_each_event([this] {
    settle_workers();
    sagemaker_.observe_all(observed_);  // one snapshot per event, shared by the checks
    probe_.observe(observed_);
    check_effects();
    check_invariants();
  });
}

sim::run_result world::advance(const sim::run_limits& limits) {
  if (model_failure_) {
    return sim::run_result{sim::stop_reason::stop_requested, sim_.now(), 0, "model error"};
  }
  try {
    return sim_.run(limits);
  } catch (const sim::model_error& e) {
    // A state machine met an event it has no row for: a finding about the model, reported as a
    // failed check (with the seed) rather than a crash.
    model_failure_ = check_result{"model_error", "model_error", false,
                                  std::string(e.what()) + ", seed " + std::to_string(seed_)};
    return sim::run_result{sim::stop_reason::stop_requested, sim_.now(), sim_.dispatched(),
                           "model error"};
  }
}

run_report world::run() {
  begin();
  sim::time_us horizon_us = sc_.until_us;
  if (options_.heal_at_us && options_.heal_deadline_us) {
    horizon_us = std::min(horizon_us, *options_.heal_at_us + *options_.heal_deadline_us);
  }
  const sim::run_result r = advance(sim::run_limits{horizon_us, sc_.max_events});
  sim_.after_each_event(nullptr);
  return make_report(r, true);
}

run_report world::make_report(const sim::run_result& r, bool final) {
  run_report report;
  report.seed = seed_;
  report.profile = std::string(models::to_string(sc_.selected_profile));
  report.strategy = std::string(sim_.current_strategy().name());
  report.stop_reason = r.reason == sim::stop_reason::stop_requested
                           ? r.detail
                           : std::string(sim::to_string(r.reason));
  report.sim_time_us = r.now_us;
  report.events = r.events;
  report.knobs = {{"sqs", sqs_knobs_.resolved()}, {"sagemaker", sagemaker_knobs_.resolved()}};
  if (!lambdas_.empty()) report.knobs["lambda"] = lambda_knobs_.resolved();
  // final_checks records liveness violations; a report taken while the run goes on must not.
  // (nor record them in the trace, which would then differ from a replay that takes no report).
  const auto violations = violations_;
  const bool tracing = sim_.trace().enabled();
  if (!final) sim_.trace().enable(false);
  final_checks(report);
  if (!final) {
    violations_ = violations;
    sim_.trace().enable(tracing);
  }
  if (model_failure_) report.invariants.push_back(*model_failure_);
  for (const action_outcome& a : actions_) report.actions.push_back(a);
  for (const auto& [name, arn] : bound_arns_) {
    const pl::execution_observation e = sagemaker_.observe(arn);
    execution_outcome x{name, arn, std::string(pl::to_string(e.status)), e.failure_reason, {}};
    for (const pl::step_observation& s : e.steps) {
      x.steps.push_back({s.name, std::string(pl::to_string(s.status)), s.failure_reason});
    }
    report.executions.push_back(std::move(x));
  }
  report.trace_records = sim_.trace().size();
  report.digest = sim_.trace().digest();
  report.choices.reserve(sim_.choices().size());
  for (const sim::choice_record& c : sim_.choices()) report.choices.push_back(c.pick);
  // At the end of a run nothing reads the picks from sim_ again, so their labels are moved; a
  // session's report (the run goes on) copies them.
  std::vector<sim::choice_record> choices =
      final ? sim_.take_choices() : std::vector<sim::choice_record>(sim_.choices());
  report.choice_log.reserve(choices.size());
  for (sim::choice_record& c : choices) {
    report.choice_log.push_back({std::move(c.label), c.options, c.pick, c.at_us});
  }
  report.milestones = milestones_;
  for (const auto& [id, n] : sim_.coverage().counts()) report.reached.emplace(id, n);
  report.effects = effects_.history();
  for (const auto& [resource, record] : effects_.alive()) report.leaked.push_back(resource);
  report.trace_lines = sim_.trace().lines();
  return report;
}

}  // namespace scenarios::detail

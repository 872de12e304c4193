// The scenario runner and the built-in invariants.
#include "runner.hpp"

#include "models/lambda/mapping.hpp"
#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "scenarios/behaviour_parse.hpp"
#include "scenarios/consumers.hpp"
#include "scenarios/lambda_handlers.hpp"
#include "scenarios/lambda_host.hpp"
#include "scenarios/public_api.hpp"
#include "sim/error.hpp"
#include "sim/pct_strategy.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace scenarios {

using nlohmann::json;
namespace pl = models::pipelines;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// models::sqs::message_state as an array index.
constexpr std::size_t k_message_states =
    static_cast<std::size_t>(models::sqs::message_state::in_dlq) + 1;
constexpr std::size_t state_index(models::sqs::message_state s) noexcept {
  return static_cast<std::size_t>(s);
}

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

class world {
 public:
  world(const scenario& sc, run_options& o)
      : sc_(sc),
        options_(o),
        seed_(o.seed.value_or(sc.seed)),
        sim_(seed_,
             o.strategy ? std::move(o.strategy) : std::make_unique<sim::random_strategy>(seed_)),
        sqs_knobs_(models::sqs::knobs(), sc.selected_profile,
                   knob_subset(sc.knobs, o.knob_overrides, knob_owner::sqs)),
        sagemaker_knobs_(pl::knobs(), sc.selected_profile,
                         knob_subset(sc.knobs, o.knob_overrides, knob_owner::sagemaker)),
        lambda_knobs_(models::lambda::knobs(), sc.selected_profile,
                      knob_subset(sc.knobs, o.knob_overrides, knob_owner::lambda)),
        sqs_(sim_, sqs_knobs_, sqs_config(sc)),
        sagemaker_(
            sim_, sagemaker_knobs_,
            [this](const json& request) {
              note(milestones_.first_callback_message_us);
              return sqs_.call_from_aws("SendMessage", request);
            },
            pl::service_options{sc.region, sc.account, pl::service_options{}.epoch_unix_ms}) {
    sim_.trace().enable(o.trace);
    sim_.trace().set_sink(o.trace_sink);
    sim_.trace().keep_lines(o.keep_trace_lines);
  }

  run_report run();

  // The pieces of run(), for stepped_run.
  void begin();
  sim::run_result advance(const sim::run_limits& limits);
  run_report make_report(const sim::run_result& r, bool final);
  bool failed() const noexcept { return model_failure_.has_value(); }
  sim::simulation& simulation() noexcept { return sim_; }
  models::sqs::service& sqs() noexcept { return sqs_; }
  pl::service& sagemaker() noexcept { return sagemaker_; }

 private:
  enum class knob_owner { sqs, sagemaker, lambda };
  static json knob_subset(const json& knobs, const json& overrides, knob_owner owner) {
    json out = json::object();
    for (const json* source : {&knobs, &overrides}) {
      for (const auto& [name, value] : source->items()) {
        const knob_owner o = name.rfind("sqs.", 0) == 0      ? knob_owner::sqs
                             : name.rfind("lambda.", 0) == 0 ? knob_owner::lambda
                                                             : knob_owner::sagemaker;
        if (o == owner) out[name] = value;
      }
    }
    return out;
  }
  static models::sqs::service_config sqs_config(const scenario& sc) {
    models::sqs::service_config c;
    c.region = sc.region;
    c.account = sc.account;
    return c;
  }

  void create_queues();
  void create_pipelines();
  void schedule_actions();
  void check_invariants();
  void violate(const std::string& invariant, const std::string& what);
  bool quiescent() const;
  void check_conservation();
  void final_checks(run_report& report);

  // Records now() as a milestone's first occurrence (and as the latest activity).
  void note(std::optional<sim::time_us>& first) {
    if (!first) first = sim_.now();
    milestones_.last_activity_us = sim_.now();
  }
  // Why the run is not live at its end ("" if it is): executions not terminal, messages of consumed
  // queues still there, consumers still working.
  std::string unsettled() const;
  std::string decided_by_knob(const pl::execution_observation& e,
                              const pl::step_observation* step) const;
  bool consumed(const std::string& queue_url) const;

  void start_consumers();
  void start_lambda(const consumer_spec& c);
  bool any_busy() const;
  void check_effects();
  void call_action(std::size_t i, int attempt);

  const scenario& sc_;
  run_options& options_;
  std::uint64_t seed_;
  sim::simulation sim_;
  models::knob_values sqs_knobs_;
  models::knob_values sagemaker_knobs_;
  models::knob_values lambda_knobs_;
  models::sqs::service sqs_;
  pl::service sagemaker_;
  effect_log effects_;
  std::vector<std::unique_ptr<consumer_host>> consumers_;
  std::vector<std::unique_ptr<lambda_host>> lambdas_;  // consumers deployed as Lambda functions
  std::vector<pipesim::consumer_factory> factories_;   // by consumer index
  std::map<std::string, json> bound_;                  // "as" name -> the whole response
  std::map<std::string, std::string> bound_arns_;      // "as" name -> execution ARN
  std::map<std::string, int> retries_;                 // execution ARN -> accepted retries
  // Execution ARN -> its status and since when, for "by" expectations.
  std::map<std::string, std::pair<pl::execution_status, sim::time_us>> status_since_;
  sim::lane_id actions_lane_ = sim_.lane("actions");
  std::vector<action_outcome> actions_;
  run_milestones milestones_;
  // Executions that ended through SageMaker's own execution timeout: not a live outcome.
  std::set<std::string> timed_out_;
  std::map<std::string, sim::time_us> started_at_;  // execution ARN -> first seen
  const sim::time_us execution_timeout_us_ = sagemaker_knobs_.duration("execution.timeout");
  std::size_t actions_run_ = 0;
  std::map<std::string, check_result> violations_;  // first violation per invariant
  // Every execution as of the end of the last event, refreshed once per event for the checks
  // that run after it; reused so that refreshing it allocates nothing in steady state.
  std::vector<pl::execution_observation> observed_;
  // Whether the scenario asks for the checks that run after every event, decided once: looking
  // the names up in expect.invariants per event built a std::string (and allocated) each time.
  const bool checks_stop_cleanup_ = contains(sc_.expect.invariants, "stop_cleans_up");
  const bool checks_conservation_ = contains(sc_.expect.invariants, "message_conservation");
  std::optional<check_result> model_failure_;
};

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

// A resource working for a callback token must be gone once that token's execution is Stopped:
// that is what the Stopping message asks the consumer to do before it answers.
void world::check_effects() {
  if (effects_.alive().empty() || !checks_stop_cleanup_) return;
  for (const pl::execution_observation& e : observed_) {
    const std::string& arn = e.arn;
    if (e.status != pl::execution_status::stopped) continue;
    for (const pl::step_observation& st : e.steps) {
      if (st.callback_token.empty()) continue;
      for (const auto& [resource, r] : effects_.alive()) {
        if (r.token == st.callback_token) {
          violate("stop_cleans_up", "execution " + arn + " is Stopped but " + resource +
                                        " (created by consumer " + r.consumer +
                                        " for callback step " + st.name + ") is still alive");
        }
      }
    }
  }
}

void world::violate(const std::string& invariant, const std::string& what) {
  if (!contains(sc_.expect.invariants, invariant) || violations_.count(invariant)) return;
  const std::string detail = what + " (at t=" + sim::format_duration(sim_.now()) +
                             ", trace position " + std::to_string(sim_.trace().size()) + ", seed " +
                             std::to_string(seed_) + ")";
  violations_[invariant] = check_result{invariant, invariant, false, detail};
  sim_.record("invariant.violated", {{"invariant", invariant}, {"detail", what}});
}

void world::check_invariants() {
  for (const pl::execution_observation& e : observed_) {
    const std::string& arn = e.arn;
    if (e.status == pl::execution_status::stopped) {
      for (const pl::step_observation& st : e.steps) {
        if (st.callback && (*st.callback == pl::callback_state::token_issued ||
                            *st.callback == pl::callback_state::waiting_for_answer ||
                            *st.callback == pl::callback_state::stopping_message_pending ||
                            *st.callback == pl::callback_state::stopping_message_sent)) {
          violate("stop_waits_for_callback",
                  "execution " + arn + " is Stopped while callback step " + st.name +
                      " is unanswered (" + std::string(pl::to_string(*st.callback)) + ")");
        }
      }
    }
    for (const pl::step_observation& st : e.steps) {
      if (st.stopping_messages_sent > std::max(st.attempt_count, 1)) {
        violate("one_stopping_message_per_step",
                "callback step " + st.name + " of " + arn + " got " +
                    std::to_string(st.stopping_messages_sent) + " Stopping messages in " +
                    std::to_string(st.attempt_count) + " attempt(s)");
      }
      if (st.token_resolutions > std::max(st.attempt_count, 1)) {
        violate("token_resolved_once", "the callback token of step " + st.name + " of " + arn +
                                           " was resolved " + std::to_string(st.token_resolutions) +
                                           " times in " + std::to_string(st.attempt_count) +
                                           " attempt(s)");
      }
    }
    const auto since = status_since_.find(arn);
    if (since == status_since_.end()) {
      status_since_.emplace(arn, std::make_pair(e.status, sim_.now()));
      started_at_.emplace(arn, sim_.now());
    } else if (since->second.first != e.status) {
      since->second = {e.status, sim_.now()};
      if (e.status == pl::execution_status::failed &&
          sim_.now() - started_at_.at(arn) >= execution_timeout_us_) {
        timed_out_.insert(arn);
      }
    }
    int restarts = 0;
    for (std::size_t i = 0; i + 1 < e.history.size(); ++i) {
      if (!pl::is_terminal(e.history[i])) continue;
      const bool retried = e.history[i + 1] == pl::execution_status::executing &&
                           ++restarts <= (retries_.count(arn) ? retries_.at(arn) : 0);
      if (!retried) {
        violate("terminal_status_final", "execution " + arn + " went from " +
                                             std::string(pl::to_string(e.history[i])) + " to " +
                                             std::string(pl::to_string(e.history[i + 1])));
      }
    }
  }
  const bool all_terminal =
      std::all_of(observed_.begin(), observed_.end(),
                  [](const pl::execution_observation& e) { return pl::is_terminal(e.status); });
  if (!all_terminal) {
    milestones_.all_terminal_us.reset();
  } else if (!milestones_.all_terminal_us) {
    milestones_.all_terminal_us = sim_.now();
  }
  check_conservation();
  if (actions_run_ == actions_.size() && quiescent()) sim_.stop("quiescent");
}

void world::check_conservation() {
  if (!checks_conservation_) return;
  std::uint64_t moved_out = 0;
  std::uint64_t moved_in = 0;
  sqs_.visit_queues([&](const std::string& url,
                        const std::vector<models::sqs::census_entry>& census,
                        const models::sqs::queue_counters& c) {
    // Copies per state, indexed by the enum's value (a map per queue per event was costly).
    std::array<std::uint64_t, k_message_states> by_state{};
    for (const models::sqs::census_entry& m : census) ++by_state[state_index(m.state)];
    moved_out += c.moved_to_dlq;
    moved_in += c.arrived_from_redrive;
    const std::uint64_t entered = c.sent + c.duplicates_created + c.arrived_from_redrive;
    if (census.size() != entered) {
      violate("message_conservation", url + ": " + std::to_string(census.size()) +
                                          " message copies tracked but " + std::to_string(entered) +
                                          " entered (sent + duplicates + redriven)");
    }
    const std::uint64_t in_dlq = by_state[state_index(models::sqs::message_state::in_dlq)];
    if (in_dlq != c.moved_to_dlq) {
      violate("message_conservation", url + ": " + std::to_string(in_dlq) +
                                          " copies in the DLQ but " +
                                          std::to_string(c.moved_to_dlq) + " moved");
    }
    if (by_state[state_index(models::sqs::message_state::expired)] != c.expired) {
      violate("message_conservation", url + ": expired copies and the expired counter disagree");
    }
  });
  if (moved_out != moved_in) {
    violate("message_conservation", std::to_string(moved_out) +
                                        " messages left for dead-letter queues but " +
                                        std::to_string(moved_in) + " arrived");
  }
}

bool world::consumed(const std::string& queue_url) const {
  return std::any_of(consumers_.begin(), consumers_.end(),
                     [&](const auto& c) { return c->polled_queue_url() == queue_url; }) ||
         std::any_of(lambdas_.begin(), lambdas_.end(),
                     [&](const auto& l) { return l->polled_queue_url() == queue_url; });
}

bool world::any_busy() const {
  return std::any_of(consumers_.begin(), consumers_.end(),
                     [](const auto& c) { return c->busy(); }) ||
         std::any_of(lambdas_.begin(), lambdas_.end(), [](const auto& l) { return l->busy(); });
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
      options_.lambda_handlers.count(c.name) > 0 ? options_.lambda_handlers.at(c.name)
                                                 : builtin_lambda_handler(c.lambda->handler),
      effects_, lambda_knobs_, options_.hosts));
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

// Quiet means nothing more will happen but timers: every execution terminal, no consumer working,
// no message left that a consumer will receive. A message in a queue nobody reads (a dead-letter
// queue, typically) would only leave by retention expiry, days later: it does not keep the run
// going.
bool world::quiescent() const {
  for (const pl::execution_observation& e : observed_) {
    if (!pl::is_terminal(e.status)) return false;
  }
  if (any_busy()) return false;
  bool settled = true;
  sqs_.visit_queues([&](const std::string& url,
                        const std::vector<models::sqs::census_entry>& census,
                        const models::sqs::queue_counters&) {
    if (!settled || !consumed(url)) return;
    for (const models::sqs::census_entry& m : census) {
      if (m.state == models::sqs::message_state::delayed ||
          m.state == models::sqs::message_state::visible ||
          m.state == models::sqs::message_state::in_flight) {
        settled = false;
        return;
      }
    }
  });
  return settled;
}

// Where AWS documents no status and a knob decides it, a failed expectation says which knob and
// its value: the expectation may be right for AWS and the knob's setting the thing to change.
std::string world::decided_by_knob(const pl::execution_observation& e,
                                   const pl::step_observation* step) const {
  const bool stopped = std::find(e.history.begin(), e.history.end(),
                                 pl::execution_status::stopping) != e.history.end();
  if (!stopped) return "";
  auto knob = [this](const char* name) {
    return std::string(name) + " = " + sagemaker_knobs_.text(name);
  };
  if (step == nullptr) {
    return " (after a stop whose callback step is answered with Failure, the execution's status "
           "is decided by knob " +
           knob("stop.answer_failure_execution_status") + ")";
  }
  if (step->type != "Callback") return "";
  return " (a callback step answered during a stop takes the status of knob " +
         knob("stop.answer_failure_step_status") + " for a Failure answer, " +
         knob("stop.answer_success_step_status") + " for a Success answer)";
}

std::string world::unsettled() const {
  std::vector<std::string> open;
  for (const std::string& arn : sagemaker_.execution_arns()) {
    const pl::execution_observation e = sagemaker_.observe(arn);
    if (!pl::is_terminal(e.status)) {
      open.push_back("execution " + arn + " is " + std::string(pl::to_string(e.status)));
    }
  }
  for (const auto& c : consumers_) {
    if (c->busy()) open.push_back("consumer " + c->spec().name + " is still working");
  }
  for (const auto& l : lambdas_) {
    if (l->busy()) open.push_back("Lambda consumer " + l->spec().name + " is still working");
  }
  std::size_t messages = 0;
  sqs_.visit_queues([&](const std::string& url,
                        const std::vector<models::sqs::census_entry>& census,
                        const models::sqs::queue_counters&) {
    if (!consumed(url)) return;
    for (const models::sqs::census_entry& m : census) {
      if (m.state != models::sqs::message_state::delayed &&
          m.state != models::sqs::message_state::visible &&
          m.state != models::sqs::message_state::in_flight) {
        continue;
      }
      if (++messages <= 3) {
        open.push_back("message " + m.message_id + " is " + std::string(to_string(m.state)) +
                       " in " + url.substr(url.rfind('/') + 1));
      }
    }
  });
  if (messages > 3) open.push_back(std::to_string(messages - 3) + " more messages");
  std::string out;
  for (const std::string& o : open) out += (out.empty() ? "" : "; ") + o;
  return out;
}

void world::final_checks(run_report& report) {
  // Liveness is promised only when every consumer is the correct one.
  if (contains(sc_.expect.invariants, "liveness")) {
    // A consumer supplied through run_options is the user's claim of correctness.
    const bool all_correct =
        std::all_of(consumers_.begin(), consumers_.end(), [this](const auto& c) {
          return claims_correctness(c->spec().behavior) ||
                 options_.consumers.count(c->spec().name) > 0;
        });
    if (all_correct) {
      if (options_.heal_at_us && options_.heal_deadline_us) {
        // Exploration: after the heal point nothing fails any more, so a live system settles
        // within the deadline. What is still open then is the finding.
        const std::string open = unsettled();
        if (!open.empty()) {
          violate("liveness", "not settled " + sim::format_duration(*options_.heal_deadline_us) +
                                  " after the heal point (" +
                                  sim::format_duration(*options_.heal_at_us) +
                                  "; --heal-deadline sets the bound): " + open);
        }
      }
      for (const std::string& arn : sagemaker_.execution_arns()) {
        const pl::execution_observation e = sagemaker_.observe(arn);
        if (!pl::is_terminal(e.status)) {
          violate("liveness", "execution " + arn + " is still " +
                                  std::string(pl::to_string(e.status)) + " at the end of the run");
        }
      }
      for (const std::string& arn : timed_out_) {
        violate("liveness", "execution " + arn +
                                " ended only through SageMaker's execution "
                                "timeout (execution.timeout = " +
                                sim::format_duration(execution_timeout_us_) +
                                "): nothing ever finished it");
      }
    }
  }
  // Leaks are judged only at a true end: every execution terminal and no consumer busy.
  if (contains(sc_.expect.invariants, "no_leaked_resources") && !effects_.alive().empty()) {
    bool settled = !any_busy();
    for (const std::string& arn : sagemaker_.execution_arns()) {
      settled = settled && pl::is_terminal(sagemaker_.observe(arn).status);
    }
    if (settled) {
      std::string names;
      for (const auto& [resource, r] : effects_.alive())
        names += (names.empty() ? "" : ", ") + resource;
      violate("no_leaked_resources",
              "at the end of the run, with every execution terminal and "
              "no consumer busy, these resources are still alive: " +
                  names);
    }
  }
  for (const std::string& name : sc_.expect.invariants) {
    const auto v = violations_.find(name);
    report.invariants.push_back(v != violations_.end() ? v->second
                                                       : check_result{name, name, true, ""});
  }

  for (std::size_t i = 0; i < sc_.actions.size(); ++i) {
    const action_spec& a = sc_.actions[i];
    const action_outcome& o = actions_[i];
    const std::string name = "action " + std::to_string(i) + " (" + a.call + ")";
    const std::string got = !o.ran ? "it never ran"
                            : o.ok ? "it succeeded"
                                   : "it failed with " + o.error_code;
    if (a.expect_error) {
      report.expectations.push_back({"expect.action." + std::to_string(i),
                                     name + " fails with " + *a.expect_error,
                                     o.ran && !o.ok && o.error_code == *a.expect_error, got});
    } else if (a.expect_ok) {
      report.expectations.push_back(
          {"expect.action." + std::to_string(i), name + " succeeds", o.ran && o.ok, got});
    }
  }
  for (const auto& [name, x] : sc_.expect.executions) {
    const auto arn = bound_arns_.find(name);
    if (arn == bound_arns_.end()) {
      report.expectations.push_back({"expect.execution." + name, "execution " + name, false,
                                     "no execution was bound to \"" + name + "\""});
      continue;
    }
    const pl::execution_observation e = sagemaker_.observe(arn->second);
    if (x.status) {
      const std::string actual(pl::to_string(e.status));
      report.expectations.push_back({"expect.execution." + name + ".status",
                                     "execution " + name + " is " + *x.status, actual == *x.status,
                                     "it is " + actual + decided_by_knob(e, nullptr)});
      if (x.by_us) {
        const auto since = status_since_.find(arn->second);
        const sim::time_us reached_us =
            since == status_since_.end() ? sim_.now() : since->second.second;
        const bool ok = actual == *x.status && reached_us <= *x.by_us;
        report.expectations.push_back(
            {"expect.execution." + name + ".by",
             "execution " + name + " is " + *x.status + " by " + sim::format_duration(*x.by_us), ok,
             actual == *x.status ? "it became " + actual + " at " + sim::format_duration(reached_us)
                                 : "it is " + actual});
      }
    }
    for (const auto& [step, status] : x.steps) {
      const auto it = std::find_if(
          e.steps.begin(), e.steps.end(),
          [&wanted = step](const pl::step_observation& s) { return s.name == wanted; });
      const std::string actual =
          it == e.steps.end() ? "never started" : std::string(pl::to_string(it->status));
      const std::string wanted = status ? *status : "never started";
      report.expectations.push_back(
          {"expect.execution." + name + ".steps." + step,
           "execution " + name + " step " + step + " is " + wanted, actual == wanted,
           "it is " + actual + (it == e.steps.end() ? "" : decided_by_knob(e, &*it))});
    }
  }
  for (const auto& [name, q] : sc_.expect.queues) {
    const models::sqs::queue_counters c = sqs_.counters(sqs_.queue_url(name));
    auto expect_count = [&, &queue = name](const char* what,
                                           const std::optional<count_range>& wanted,
                                           std::uint64_t actual) {
      if (!wanted) return;
      report.expectations.push_back({"expect.queue." + queue + "." + what,
                                     "queue " + queue + " " + what + " " + wanted->to_string(),
                                     wanted->contains(actual), "it is " + std::to_string(actual)});
    };
    expect_count("sent", q.sent, c.sent);
    expect_count("received", q.received, c.received);
    expect_count("deleted", q.deleted, c.deleted);
    expect_count("in_dlq", q.in_dlq, c.moved_to_dlq);
  }
}

void world::begin() {
  create_queues();
  create_pipelines();
  start_consumers();
  schedule_actions();
  sim_.after_each_event([this] {
    sagemaker_.observe_all(observed_);  // one snapshot per event, shared by the checks
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
  report.effects = effects_.history();
  for (const auto& [resource, record] : effects_.alive()) report.leaked.push_back(resource);
  report.trace_lines = sim_.trace().lines();
  return report;
}

}  // namespace

// The AWS SDKs' standard retry mode (botocore retries/standard.py and the AWS CLI v2; the
// JavaScript SDK v3 agrees): HTTP 500, 502, 503 and 504, the transient codes, and the throttling
// codes at any status. A bare 429 without such a code is not retried.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
bool retryable(std::string_view code, int http_status) noexcept {
  static constexpr std::string_view k_codes[] = {"RequestTimeout",
                                                 "RequestTimeoutException",
                                                 "PriorRequestNotComplete",
                                                 "Throttling",
                                                 "ThrottlingException",
                                                 "ThrottledException",
                                                 "RequestThrottledException",
                                                 "TooManyRequestsException",
                                                 "ProvisionedThroughputExceededException",
                                                 "TransactionInProgressException",
                                                 "RequestLimitExceeded",
                                                 "BandwidthLimitExceeded",
                                                 "LimitExceededException",
                                                 "RequestThrottled",
                                                 "SlowDown",
                                                 "EC2ThrottledException"};
  for (const std::string_view c : k_codes) {
    if (code == c) return true;
  }
  return http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504;
}

run_options internal_options(const pipesim::run_options& o, std::uint64_t scenario_seed) {
  run_options r;
  r.seed = o.seed;
  if (o.picks) {
    r.strategy = std::make_unique<sim::replay_strategy>(*o.picks);
  } else if (o.strategy == pipesim::run_strategy::nominal) {
    r.strategy = std::make_unique<sim::nominal_strategy>();
  } else if (o.strategy == pipesim::run_strategy::pct) {
    r.strategy = sim::make_strategy("pct", o.seed.value_or(scenario_seed));
  }
  r.keep_trace_lines = o.keep_trace;
  r.consumers = o.consumers;
  r.lambda_handlers = o.lambda_handlers;
  r.knob_overrides = o.knob_overrides;
  r.hosts.crash_probability = o.crash_probability;
  if (o.heal_at) r.heal_at_us = o.heal_at->count();
  if (o.heal_deadline) r.heal_deadline_us = o.heal_deadline->count();
  return r;
}

run_report run_scenario(const scenario& sc, run_options options) {
  world w(sc, options);
  return w.run();
}

}  // namespace scenarios

namespace pipesim {

using nlohmann::json;

bool run_report::ok() const noexcept {
  const auto ok_of = [](const check_result& c) { return c.ok; };
  return std::all_of(expectations.begin(), expectations.end(), ok_of) &&
         std::all_of(invariants.begin(), invariants.end(), ok_of);
}

json run_report::to_json() const {
  json out{{"seed", seed},
           {"profile", profile},
           {"strategy", strategy},
           {"stop_reason", stop_reason},
           {"sim_time_us", sim_time_us},
           {"sim_time", sim::format_duration(sim_time_us)},
           {"events", events},
           {"trace_records", trace_records},
           {"digest", sim::format_digest(digest)},
           {"ok", ok()}};
  json executions_json = json::object();
  for (const execution_outcome& e : executions) {
    json steps = json::object();
    json reasons = json::object();
    for (const execution_outcome::step& s : e.steps) {
      steps[s.name] = s.status;
      if (!s.failure_reason.empty()) reasons[s.name] = s.failure_reason;
    }
    executions_json[e.name] = {{"arn", e.arn}, {"status", e.status}, {"steps", steps}};
    if (!e.failure_reason.empty()) executions_json[e.name]["failure_reason"] = e.failure_reason;
    if (!reasons.empty()) executions_json[e.name]["step_failure_reasons"] = reasons;
  }
  out["executions"] = executions_json;
  json actions_json = json::object();
  for (const action_outcome& a : actions) {
    json entry{{"call", a.call}, {"at_us", a.at_us}};
    if (!a.ran) {
      entry["ran"] = false;
    } else if (a.ok) {
      entry["ok"] = true;
      entry["response"] = a.response;
    } else {
      entry["error"] = {{"code", a.error_code}, {"message", a.error_message}};
    }
    actions_json[std::to_string(a.index)] = entry;
  }
  out["actions"] = actions_json;
  auto checks = [](const std::vector<check_result>& v) {
    json arr = json::array();
    for (const check_result& c : v)
      arr.push_back({{"id", c.id}, {"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    return arr;
  };
  json reached = json::object();
  const std::pair<const char*, const std::optional<sim::time_us>*> times[] = {
      {"first_callback_message", &milestones.first_callback_message_us},
      {"first_receive", &milestones.first_receive_us},
      {"first_answer", &milestones.first_answer_us},
      {"all_terminal", &milestones.all_terminal_us}};
  for (const auto& [name, t] : times) {
    if (*t) reached[name] = sim::format_duration(**t);
  }
  out["milestones"] = reached;
  out["expectations"] = checks(expectations);
  out["invariants"] = checks(invariants);
  return out;
}

run_report run(const scenario& sc, const run_options& options) {
  const scenarios::scenario& parsed = detail::scenario_access::parsed(sc);
  return scenarios::run_scenario(parsed, scenarios::internal_options(options, parsed.seed));
}

}  // namespace pipesim

namespace scenarios {

struct stepped_run::impl {
  impl(const scenario& s, run_options o) : sc(s), options(std::move(o)), w(sc, options) {}
  scenario sc;
  run_options options;
  world w;
  sim::run_result last{sim::stop_reason::queue_empty, 0, 0, {}};
  std::uint64_t events = 0;
};

stepped_run::stepped_run(const scenario& sc, run_options options)
    : impl_(std::make_unique<impl>(sc, std::move(options))) {}
stepped_run::~stepped_run() = default;

void stepped_run::start() { impl_->w.begin(); }

sim::run_result stepped_run::advance(const sim::run_limits& limits, bool until_quiescent) {
  sim::simulation& s = impl_->w.simulation();
  sim::run_limits remaining = limits;
  std::uint64_t events = 0;
  sim::run_result r{sim::stop_reason::queue_empty, s.now(), 0, {}};
  for (;;) {
    r = impl_->w.advance(remaining);
    events += r.events;
    // A quiescent world asks to stop after every event; in a session time goes on to the
    // horizon, and the event limit counts across those stops.
    if (until_quiescent || r.reason != sim::stop_reason::stop_requested || impl_->w.failed()) break;
    if (limits.max_events != sim::run_limits{}.max_events) {
      if (events >= limits.max_events) {
        r.reason = sim::stop_reason::event_limit_reached;
        break;
      }
      remaining.max_events = limits.max_events - events;
    }
  }
  if (!until_quiescent && r.reason == sim::stop_reason::queue_empty &&
      limits.horizon_us != sim::run_limits{}.horizon_us && s.now() < limits.horizon_us &&
      !impl_->w.failed()) {
    // Nothing left to run before the horizon: the clock still moves there.
    s.schedule_at(limits.horizon_us, [] {});
    r = impl_->w.advance(limits);
    events += r.events;
  }
  impl_->events += events;
  r.events = events;
  impl_->last = r;
  return r;
}

bool stepped_run::failed() const noexcept { return impl_->w.failed(); }

run_report stepped_run::report() {
  sim::run_result r = impl_->last;
  r.now_us = impl_->w.simulation().now();
  r.events = impl_->events;
  return impl_->w.make_report(r, false);
}

sim::simulation& stepped_run::simulation() noexcept { return impl_->w.simulation(); }
models::sqs::service& stepped_run::sqs() noexcept { return impl_->w.sqs(); }
models::pipelines::service& stepped_run::sagemaker() noexcept { return impl_->w.sagemaker(); }

}  // namespace scenarios

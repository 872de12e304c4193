// The scenario runner and the built-in invariants.
#include "runner.hpp"

#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "scenarios/consumers.hpp"
#include "sim/error.hpp"

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

// Replaces every "${name}" in strings with the bound value.
json expand(const json& v, const std::map<std::string, std::string>& bound) {
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    for (const auto& [name, value] : bound) {
      const std::string ref = "${" + name + "}";
      for (std::size_t at = s.find(ref); at != std::string::npos;
           at = s.find(ref, at + value.size())) {
        s.replace(at, ref.size(), value);
      }
    }
    return s;
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

// What an action's "as" binds: the execution ARN for SageMaker calls, else the natural id.
std::string binding_of(const json& response) {
  for (const char* key : {"PipelineExecutionArn", "QueueUrl", "MessageId"}) {
    if (response.contains(key) && response[key].is_string())
      return response[key].get<std::string>();
  }
  return response.dump();
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
                   knob_subset(sc.knobs, o.knob_overrides, true)),
        sagemaker_knobs_(pl::knobs(), sc.selected_profile,
                         knob_subset(sc.knobs, o.knob_overrides, false)),
        sqs_(sim_, sqs_knobs_, sqs_config(sc)),
        sagemaker_(
            sim_, sagemaker_knobs_,
            [this](const json& request) { return sqs_.call_from_aws("SendMessage", request); },
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
  static json knob_subset(const json& knobs, const json& overrides, bool sqs) {
    json out = json::object();
    for (const json* source : {&knobs, &overrides}) {
      for (const auto& [name, value] : source->items()) {
        if ((name.rfind("sqs.", 0) == 0) == sqs) out[name] = value;
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

  void start_consumers();
  void check_effects();
  void call_action(std::size_t i, int attempt);

  const scenario& sc_;
  run_options& options_;
  std::uint64_t seed_;
  sim::simulation sim_;
  models::knob_values sqs_knobs_;
  models::knob_values sagemaker_knobs_;
  models::sqs::service sqs_;
  pl::service sagemaker_;
  effect_log effects_;
  std::vector<std::unique_ptr<consumer_host>> consumers_;
  std::vector<pipesim::consumer_factory> factories_;  // by consumer index
  std::map<std::string, std::string> bound_;       // "as" name -> value
  std::map<std::string, std::string> bound_arns_;  // "as" name -> execution ARN
  std::map<std::string, int> retries_;             // execution ARN -> accepted retries
  // Execution ARN -> its status and since when, for "by" expectations.
  std::map<std::string, std::pair<pl::execution_status, sim::time_us>> status_since_;
  sim::lane_id actions_lane_ = sim_.lane("actions");
  std::vector<action_outcome> actions_;
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
    sagemaker_.create_pipeline(p.name, p.definition, pl::parse_behaviour(p.steps), p.parallelism);
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
    if (!r.ok() && retryable(*r.error)) {
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
        bound_[*a.bind_as] = binding_of(r.response);
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
    sim_.record("action.result", {{"index", i},
                                  {"call", a.call},
                                  {"ok", r.ok()},
                                  {"error", r.ok() ? "" : r.error->code}});
  };
  const json request = expand(spec.params, bound_);
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
    const bool known = std::any_of(sc_.consumers.begin(), sc_.consumers.end(),
                                   [&](const consumer_spec& c) { return c.name == name; });
    if (!known) {
      std::string names;
      for (const consumer_spec& c : sc_.consumers) names += (names.empty() ? "" : ", ") + c.name;
      throw scenario_error(sc_.file, {problem{"/consumers", "run options replace consumer \"" +
                                                                name + "\", which the scenario "
                                                                "does not have (it has: " +
                                                                names + ")"}});
    }
  }
  effects_.on_double_create([this](const effect_record& r) {
    violate("resource_created_once", "consumer " + r.consumer + " created " + r.resource +
                                         " while it already existed (a second job for one "
                                         "callback: the handler is not idempotent)");
  });
  for (const consumer_spec& c : sc_.consumers) {
    const auto custom = options_.consumers.find(c.name);
    consumers_.push_back(std::make_unique<consumer_host>(
        sim_, c, sqs_.queue_url(c.queue), sqs_,
        [this](std::string_view op, const json& request) { return sagemaker_.call(op, request); },
        custom != options_.consumers.end() ? custom->second : builtin_consumer(c), effects_,
        options_.hosts));
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
  violations_[invariant] = check_result{invariant, false, detail};
  sim_.record("invariant.violated", {{"invariant", invariant}, {"detail", what}});
}

void world::check_invariants() {
  for (const pl::execution_observation& e : observed_) {
    const std::string& arn = e.arn;
    if (e.status == pl::execution_status::stopped) {
      for (const pl::step_observation& st : e.steps) {
        if (st.callback && (*st.callback == pl::callback_state::token_issued ||
                            *st.callback == pl::callback_state::waiting_for_answer ||
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
    } else if (since->second.first != e.status) {
      since->second = {e.status, sim_.now()};
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

bool world::quiescent() const {
  for (const pl::execution_observation& e : observed_) {
    if (!pl::is_terminal(e.status)) return false;
  }
  for (const auto& c : consumers_) {
    if (c->busy()) return false;
  }
  bool settled = true;
  sqs_.visit_queues([&](const std::string&, const std::vector<models::sqs::census_entry>& census,
                        const models::sqs::queue_counters&) {
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
      for (const std::string& arn : sagemaker_.execution_arns()) {
        const pl::execution_observation e = sagemaker_.observe(arn);
        if (!pl::is_terminal(e.status)) {
          violate("liveness", "execution " + arn + " is still " +
                                  std::string(pl::to_string(e.status)) + " at the end of the run");
        }
      }
    }
  }
  // Leaks are judged only at a true end: every execution terminal and no consumer busy.
  if (contains(sc_.expect.invariants, "no_leaked_resources") && !effects_.alive().empty()) {
    bool settled = std::none_of(consumers_.begin(), consumers_.end(),
                                [](const auto& c) { return c->busy(); });
    for (const std::string& arn : sagemaker_.execution_arns()) {
      settled = settled && pl::is_terminal(sagemaker_.observe(arn).status);
    }
    if (settled) {
      std::string names;
      for (const auto& [resource, r] : effects_.alive()) names += (names.empty() ? "" : ", ") + resource;
      violate("no_leaked_resources", "at the end of the run, with every execution terminal and "
                                     "no consumer busy, these resources are still alive: " + names);
    }
  }
  for (const std::string& name : sc_.expect.invariants) {
    const auto v = violations_.find(name);
    report.invariants.push_back(v != violations_.end() ? v->second : check_result{name, true, ""});
  }

  for (std::size_t i = 0; i < sc_.actions.size(); ++i) {
    const action_spec& a = sc_.actions[i];
    const action_outcome& o = actions_[i];
    const std::string name = "action " + std::to_string(i) + " (" + a.call + ")";
    const std::string got = !o.ran ? "it never ran"
                            : o.ok ? "it succeeded"
                                   : "it failed with " + o.error_code;
    if (a.expect_error) {
      report.expectations.push_back({name + " fails with " + *a.expect_error,
                                     o.ran && !o.ok && o.error_code == *a.expect_error, got});
    } else if (a.expect_ok) {
      report.expectations.push_back({name + " succeeds", o.ran && o.ok, got});
    }
  }
  for (const auto& [name, x] : sc_.expect.executions) {
    const auto arn = bound_arns_.find(name);
    if (arn == bound_arns_.end()) {
      report.expectations.push_back(
          {"execution " + name, false, "no execution was bound to \"" + name + "\""});
      continue;
    }
    const pl::execution_observation e = sagemaker_.observe(arn->second);
    if (x.status) {
      const std::string actual(pl::to_string(e.status));
      report.expectations.push_back(
          {"execution " + name + " is " + *x.status, actual == *x.status, "it is " + actual});
      if (x.by_us) {
        const auto since = status_since_.find(arn->second);
        const sim::time_us reached_us =
            since == status_since_.end() ? sim_.now() : since->second.second;
        const bool ok = actual == *x.status && reached_us <= *x.by_us;
        report.expectations.push_back(
            {"execution " + name + " is " + *x.status + " by " + sim::format_duration(*x.by_us),
             ok,
             actual == *x.status ? "it became " + actual + " at " + sim::format_duration(reached_us)
                                 : "it is " + actual});
      }
    }
    for (const auto& [step, status] : x.steps) {
      const auto it = std::find_if(e.steps.begin(), e.steps.end(),
                                   [&](const pl::step_observation& s) { return s.name == step; });
      const std::string actual =
          it == e.steps.end() ? "never started" : std::string(pl::to_string(it->status));
      const std::string wanted = status ? *status : "never started";
      report.expectations.push_back({"execution " + name + " step " + step + " is " + wanted,
                                     actual == wanted, "it is " + actual});
    }
  }
  for (const auto& [name, q] : sc_.expect.queues) {
    const models::sqs::queue_counters c = sqs_.counters(sqs_.queue_url(name));
    auto expect_count = [&](const char* what, const std::optional<std::int64_t>& wanted,
                            std::uint64_t actual) {
      if (!wanted) return;
      report.expectations.push_back({"queue " + name + " " + what + " " + std::to_string(*wanted),
                                     static_cast<std::uint64_t>(*wanted) == actual,
                                     "it is " + std::to_string(actual)});
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
    model_failure_ = check_result{"model_error", false,
                                  std::string(e.what()) + ", seed " + std::to_string(seed_)};
    return sim::run_result{sim::stop_reason::stop_requested, sim_.now(), sim_.dispatched(),
                           "model error"};
  }
}

run_report world::run() {
  begin();
  const sim::run_result r = advance(sim::run_limits{sc_.until_us, sc_.max_events});
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
    execution_outcome x{name, arn, std::string(pl::to_string(e.status)), {}};
    for (const pl::step_observation& s : e.steps)
      x.steps.emplace_back(s.name, std::string(pl::to_string(s.status)));
    report.executions.push_back(std::move(x));
  }
  report.trace_records = sim_.trace().size();
  report.digest = sim_.trace().digest();
  report.choices.reserve(sim_.choices().size());
  for (const sim::choice_record& c : sim_.choices()) report.choices.push_back(c.pick);
  if (final) {
    report.choice_log = sim_.take_choices();  // the run is over: nothing reads them from sim_ again
  } else {
    report.choice_log = sim_.choices();
  }
  report.effects = effects_.history();
  for (const auto& [resource, record] : effects_.alive()) report.leaked.push_back(resource);
  report.trace_lines = sim_.trace().lines();
  return report;
}

}  // namespace

bool retryable(const models::api_error& e) noexcept {
  return e.code == "ThrottlingException" || e.code == "Throttling" ||
         e.code == "ThrottledException" || e.code == "RequestThrottledException" ||
         e.code == "RequestThrottled" || e.code == "RequestTimeout" ||
         e.code == "RequestTimeoutException" || e.code == "PriorRequestNotComplete" ||
         e.http_status == 429 || e.http_status >= 500;
}

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
    for (const auto& [step, status] : e.steps) steps[step] = status;
    executions_json[e.name] = {{"arn", e.arn}, {"status", e.status}, {"steps", steps}};
  }
  out["executions"] = executions_json;
  json actions_json = json::object();
  for (const action_outcome& a : actions) {
    json entry{{"call", a.call}, {"at_us", a.at_us}};
    if (!a.ran) {
      entry["ran"] = false;
    } else if (a.ok) {
      entry["ok"] = true;
    } else {
      entry["error"] = {{"code", a.error_code}, {"message", a.error_message}};
    }
    actions_json[std::to_string(a.index)] = entry;
  }
  out["actions"] = actions_json;
  auto checks = [](const std::vector<check_result>& v) {
    json arr = json::array();
    for (const check_result& c : v)
      arr.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    return arr;
  };
  out["expectations"] = checks(expectations);
  out["invariants"] = checks(invariants);
  return out;
}

run_report run_scenario(const scenario& sc, run_options options) {
  world w(sc, options);
  return w.run();
}

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

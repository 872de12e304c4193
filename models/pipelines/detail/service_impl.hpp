// The state behind models::pipelines::service and the declaration of its implementation, shared
// by the files that each implement one part of it (validation.cpp, idempotency.cpp, scheduler.cpp,
// step_work.cpp, callback_step.cpp, stop.cpp, api.cpp, queries.cpp, observe.cpp). Internal:
// included only by those files.
#pragma once

#include "models/pipelines/callback_machine.hpp"
#include "models/pipelines/detail/validation.hpp"
#include "models/pipelines/execution_machine.hpp"
#include "models/pipelines/service.hpp"
#include "models/pipelines/step_machine.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace models::pipelines {

namespace detail {

using models::api_result;
using nlohmann::json;

struct pipeline_record {
  std::string name;
  std::string arn;
  std::shared_ptr<const pipeline_definition> definition;  // Shared by every run of a scenario.
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
  json answer;  // The SendPipelineExecutionStep* request being applied, for its effect.
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

}  // namespace detail

struct service::impl {
  using api_result = models::api_result;
  using json = nlohmann::json;
  using pipeline_record = detail::pipeline_record;
  using step_run = detail::step_run;
  using execution = detail::execution;
  using token_record = detail::token_record;
  using stored_result = detail::stored_result;

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

  double timestamp(sim::time_us t) const {
    return static_cast<double>(options.epoch_unix_ms) / 1000.0 + static_cast<double>(t) / 1e6;
  }

  std::string random_chars(sim::rng& r, std::size_t n, const std::string& alphabet) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += alphabet[r.below(alphabet.size())];
    return out;
  }

  const pipeline_definition& def(const execution& e) const {
    return *pipelines[e.pipeline].definition;
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

  template <class Event>
  void execution_event(execution& e, const Event& ev) {
    const execution_status from = e.machine->status();
    const effect asked = e.machine->process(ev);
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
    perform(e, k_no_step, asked);
  }

  template <class Event>
  void step_event(execution& e, std::size_t i, const Event& ev) {
    step_run& r = e.steps[i];
    const step_status from = r.machine->status();
    const effect asked = r.machine->process(ev);
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
    perform(e, i, asked);
  }

  template <class Event>
  void callback_event(execution& e, std::size_t i, const Event& ev) {
    step_run& r = e.steps[i];
    const callback_state from = r.callback->state();
    const effect asked = r.callback->process(ev);
    trace("pipeline.callback_state", [&] {
      return json{{"execution", e.arn},
                  {"step", def(e).steps[i].name},
                  {"token", r.token},
                  {"from", to_string(from)},
                  {"to", to_string(r.callback->state())},
                  {"event", Event::name}};
    });
    perform(e, i, asked);
  }

  static constexpr std::size_t k_no_step = static_cast<std::size_t>(-1);
  /// Carries out what a transition asked for (effects.cpp); `i` is k_no_step for the execution's.
  void perform(execution& e, std::size_t i, effect asked);

  bool succeeded(const execution& e, std::size_t i) const {
    const step_run& r = e.steps[i];
    return r.machine && r.machine->status() == step_status::succeeded;
  }

  bool running(const step_run& r) const { return r.machine && !is_terminal(r.machine->status()); }

  int running_count(const execution& e) const {
    return static_cast<int>(std::count_if(e.steps.begin(), e.steps.end(),
                                          [&](const step_run& r) { return running(r); }));
  }

  execution* find_execution(const std::string& arn) {
    auto it = execution_index.find(arn);
    return it == execution_index.end() ? nullptr : executions[it->second].get();
  }

  // --- request checks (validation.cpp)
  std::optional<api_result> check_execution_arn(const json& req, const std::string& member,
                                                bool required);
  std::optional<api_result> check_token(const json& req, bool required);
  std::optional<api_result> check_parallelism(const json& req);
  // --- ClientRequestToken replay (idempotency.cpp)
  // Idempotency keys: per operation or account-wide (knob idempotency.scope).
  std::string idempotency_key(const std::string& op, const std::string& token) const;
  // Idempotency: returns the stored result for a replay, or an error for a mismatch. Tokens
  // older than idempotency.token_lifetime (if not 0s) are forgotten.
  std::optional<api_result> replay(const std::string& op, const json& request);
  void remember(const std::string& op, const json& request, const api_result& result);
  // --- starting steps and ending executions (scheduler.cpp)
  // Marks a step failed during Executing: the execution will fail once running steps end.
  void step_failed(execution& e, std::size_t i, const std::string& reason);
  std::vector<std::size_t> launch_order(const execution& e) const;
  // Starts what can start, then decides whether the execution has ended.
  void advance(execution& e);
  void launch(execution& e, std::size_t i);
  void execution_timed_out(std::size_t ex);
  void arm_timeout(execution& e);
  std::optional<api_result> over_limit() const;
  // --- job, Lambda, Condition and Fail steps at work (step_work.cpp)
  sim::time_us draw_duration(const execution& e, std::size_t i);
  void begin_executing(std::size_t ex, std::size_t i);
  void start_job_attempt(std::size_t ex, std::size_t i);
  void job_attempt_finished(std::size_t ex, std::size_t i);
  // The delay before the next attempt, or nothing if no RetryPolicy allows one [DG-Retry].
  std::optional<sim::time_us> retry_delay(const execution& e, std::size_t i,
                                          const std::string& exception_type) const;
  void lambda_finished(std::size_t ex, std::size_t i);
  void lambda_timed_out(std::size_t ex, std::size_t i);
  // --- callback steps: messages, timeout and answers (callback_step.cpp)
  json message_body(const execution& e, std::size_t i, const char* status) const;
  api_result send_to_queue(const execution& e, std::size_t i, const json& body,
                           const std::string& kind);
  void start_callback(execution& e, std::size_t i);
  void send_callback_message(std::size_t ex, std::size_t i);
  void callback_timed_out(std::size_t ex, std::size_t i);
  api_result answer(const std::string& op, const json& req, bool success);
  // OutputParameters of the answer being applied become the step's properties.
  void record_output_parameters(execution& e, std::size_t i);
  // --- StopPipelineExecution (stop.cpp)
  void stop_execution(execution& e);
  void stop_work(execution& e, std::size_t i);
  // Sends the Stopping message unless the step was answered while it was delayed.
  void send_stopping_message(std::size_t ex, std::size_t i);
  void job_stopped(std::size_t ex, std::size_t i);
  api_result stop(const json& req);
  static api_result not_executing();
  // --- the operation table and the operations that start executions (api.cpp)
  static api_result execution_not_found(const std::string& arn);
  std::optional<std::size_t> find_pipeline(const std::string& name_or_arn) const;
  api_result start(const json& req);
  api_result retry(const json& req);
  // --- Describe and List operations (queries.cpp)
  json describe_body(const execution& e) const;
  api_result describe(const json& req);
  // Pagination: NextToken is the decimal offset of the next item, prefixed to look opaque.
  std::optional<api_result> page_args(const json& req, std::size_t& offset, std::size_t& max);
  json step_entry(const execution& e, std::size_t i) const;
  api_result list_steps(const json& req);
  api_result list_executions(const json& req);
  // --- dispatch (api.cpp)
  /// One row per operation: the name AWS gives it and the member that handles it. dispatch()
  /// looks names up in it and service::operations() lists them, so the two cannot disagree.
  struct operation_row {
    const char* name;
    api_result (impl::*handler)(const json& request);
  };
  static const std::vector<operation_row>& operation_table();
  api_result dispatch(std::string_view op, const json& req);
  api_result answer_success(const json& req);
  api_result answer_failure(const json& req);
};

}  // namespace models::pipelines

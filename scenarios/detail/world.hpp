// One run's world (internal to scenarios/): the simulated services, the consumers, the actions
// and the checks of a scenario run. world.cpp builds and drives it; invariants.cpp holds the
// built-in invariants and the final checks; runner.cpp is the public entry points.
#pragma once

#include "models/lambda/mapping.hpp"
#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "scenarios/consumers.hpp"
#include "scenarios/detail/situations.hpp"
#include "scenarios/lambda_host.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/worker_host.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace scenarios::detail {

using nlohmann::json;
namespace pl = models::pipelines;

inline bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// models::sqs::message_state as an array index.
constexpr std::size_t k_message_states =
    static_cast<std::size_t>(models::sqs::message_state::in_dlq) + 1;
constexpr std::size_t state_index(models::sqs::message_state s) noexcept {
  return static_cast<std::size_t>(s);
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
              models::api_result r = sqs_.call_from_aws("SendMessage", request);
              probe_.callback_message_sent(request, r);
              return r;
            },
            pl::service_options{sc.region, sc.account, pl::service_options{}.epoch_unix_ms}) {
    sim_.trace().enable(o.trace);
    sim_.trace().set_sink(o.trace_sink);
    sim_.trace().keep_lines(o.keep_trace_lines);
    sqs_.observe_messages([this](models::sqs::service::message_event e, const std::string&,
                                 const std::string& message_id, std::uint64_t, std::uint32_t) {
      if (e == models::sqs::service::message_event::received) {
        probe_.message_received(message_id);
      } else {
        probe_.visibility_expired(message_id);
      }
    });
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
  void start_worker(const consumer_spec& c);
  // Serves every worker program until each waits in a long poll or has exited, in consumer
  // order, one at a time: what a worker sees then depends on the run alone.
  void settle_workers();
  pipesim::lambda::handler_factory lambda_factory(const consumer_spec& c);
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
  situation_probe probe_{sim_, sqs_, sagemaker_knobs_.text("callback.status_key")};
  pl::service sagemaker_;
  effect_log effects_;
  std::vector<std::unique_ptr<consumer_host>> consumers_;
  std::vector<std::unique_ptr<lambda_host>> lambdas_;  // consumers deployed as Lambda functions
  std::vector<std::unique_ptr<worker_host>> workers_;  // consumers that are the user's programs
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

}  // namespace scenarios::detail

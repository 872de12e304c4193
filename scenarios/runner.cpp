// The scenario runner's entry points: one run (scenarios::run_scenario, pipesim::run), a run
// stepped from outside (stepped_run, for pipesim serve), and the SDK retry rule actions follow.
// The world a run builds is scenarios/detail/world.hpp.
#include "runner.hpp"

#include "scenarios/detail/world.hpp"
#include "scenarios/public_api.hpp"
#include "sim/error.hpp"
#include "sim/pct_strategy.hpp"

#include <string_view>

namespace scenarios {

using detail::world;

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
  json milestone_times = json::object();
  const std::pair<const char*, const std::optional<sim::time_us>*> times[] = {
      {"first_callback_message", &milestones.first_callback_message_us},
      {"first_receive", &milestones.first_receive_us},
      {"first_answer", &milestones.first_answer_us},
      {"all_terminal", &milestones.all_terminal_us}};
  for (const auto& [name, t] : times) {
    if (*t) milestone_times[name] = sim::format_duration(**t);
  }
  out["milestones"] = milestone_times;
  out["reached"] = reached;
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

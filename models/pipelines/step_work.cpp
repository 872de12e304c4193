// Steps at work: job attempts with RetryPolicies, Lambda runs and timeouts, Condition and Fail
// steps.
#include "models/pipelines/detail/service_impl.hpp"

#include <cmath>

namespace models::pipelines {

using namespace detail;
using models::api_result;
using nlohmann::json;

sim::time_us service::impl::draw_duration(const execution& e, std::size_t i) {
  const step_behaviour& b = behaviour(e, i);
  if (b.duration_max_us <= b.duration_min_us) return b.duration_min_us;
  const std::int64_t lo = b.duration_min_us / sim::k_second_us;
  const std::int64_t hi = b.duration_max_us / sim::k_second_us;
  if (hi <= lo) return b.duration_min_us;
  const std::string label =
      "pipelines." + pipelines[e.pipeline].name + "." + def(e).steps[i].name + ".duration_s";
  return sim.choose_between(label, lo, hi) * sim::k_second_us;
}

void service::impl::begin_executing(std::size_t ex, std::size_t i) {
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

void service::impl::start_job_attempt(std::size_t ex, std::size_t i) {
  execution& e = *executions[ex];
  const sim::time_us d = draw_duration(e, i);
  e.steps[i].work_event = sim.schedule_after(
      d, [this, ex, i] { job_attempt_finished(ex, i); }, e.lane);
}

void service::impl::job_attempt_finished(std::size_t ex, std::size_t i) {
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
std::optional<sim::time_us> service::impl::retry_delay(const execution& e, std::size_t i,
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

void service::impl::lambda_finished(std::size_t ex, std::size_t i) {
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

void service::impl::lambda_timed_out(std::size_t ex, std::size_t i) {
  execution& e = *executions[ex];
  e.steps[i].work_event = sim::event_id{};
  // [AR-Stop], [DG-Steps]: a Lambda timeout during a stop ends the execution Failed.
  if (e.machine->status() == execution_status::stopping) {
    e.stop_failure = true;
    e.failure_reason = "Lambda step " + def(e).steps[i].name + " timed out while stopping";
  }
  step_failed(
      e, i,
      "Lambda function timed out after " + sim::format_duration(behaviour(e, i).lambda_timeout_us));
  advance(e);
}

}  // namespace models::pipelines

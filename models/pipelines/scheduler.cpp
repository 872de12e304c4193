// The DAG scheduler: which steps start when (dependencies, branches, MaxParallelExecutionSteps),
// when an execution ends, and the execution timeout.
#include "models/pipelines/detail/service_impl.hpp"

namespace models::pipelines {

using namespace detail;
using models::api_result;
using nlohmann::json;

// Marks a step failed during Executing: the execution will fail once running steps end.
void service::impl::step_failed(execution& e, std::size_t i, const std::string& reason) {
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

std::vector<std::size_t> service::impl::launch_order(const execution& e) const {
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
void service::impl::advance(execution& e) {
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

void service::impl::launch(execution& e, std::size_t i) {
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

void service::impl::execution_timed_out(std::size_t ex) {
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
    if (r.callback && (r.callback->state() == callback_state::token_issued ||
                       r.callback->state() == callback_state::waiting_for_answer ||
                       r.callback->state() == callback_state::stopping_message_pending ||
                       r.callback->state() == callback_state::stopping_message_sent))
      callback_event(e, i, events::execution_timed_out{});
    r.failure_reason = reason;
    step_event(e, i, events::work_failed{});
  }
  e.failure_reason = reason;
  execution_event(e, events::execution_timed_out{});
}

void service::impl::arm_timeout(execution& e) {
  const std::size_t ex = execution_index.at(e.arn);
  e.timeout_event = sim.schedule_after(
      knobs.duration("execution.timeout"), [this, ex] { execution_timed_out(ex); }, e.lane);
}

std::optional<api_result> service::impl::over_limit() const {
  const std::int64_t limit = knobs.integer("execution.max_concurrent");
  if (limit <= 0) return std::nullopt;
  const auto active = std::count_if(executions.begin(), executions.end(), [](const auto& e) {
    return !is_terminal(e->machine->status());
  });
  if (active < limit) return std::nullopt;
  return api_result::failure(k_limit, "The account-level limit of " + std::to_string(limit) +
                                          " concurrent pipeline executions was reached.");
}

}  // namespace models::pipelines

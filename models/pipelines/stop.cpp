// StopPipelineExecution: Starting steps stop at once, jobs after their stop latency, callback
// steps get one Stopping message with the same token and wait for its answer.
#include "models/pipelines/detail/service_impl.hpp"

namespace models::pipelines {

using namespace detail;
using models::api_result;
using nlohmann::json;

void service::impl::stop_execution(execution& e) {
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
void service::impl::send_stopping_message(std::size_t ex, std::size_t i) {
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

void service::impl::job_stopped(std::size_t ex, std::size_t i) {
  execution& e = *executions[ex];
  e.steps[i].work_event = sim::event_id{};
  step_event(e, i, events::stop_confirmed{});
  advance(e);
}

api_result service::impl::stop(const json& req) {
  if (auto err = check_execution_arn(req, "PipelineExecutionArn", true)) return *err;
  if (auto err = check_token(req, true)) return *err;
  const std::string arn = req["PipelineExecutionArn"].get<std::string>();
  if (auto r = replay("StopPipelineExecution", req)) {
    execution* e = find_execution(arn);
    if (r->ok() && e != nullptr && knobs.text("stop.same_token_replay") == "ValidationException" &&
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

api_result service::impl::not_executing() {
  return api_result::failure(k_validation, "Only pipelines with 'Executing' status can be stopped");
}

}  // namespace models::pipelines

// StopPipelineExecution: Starting steps stop at once, jobs after their stop latency, callback
// steps get one Stopping message with the same token and wait for its answer.
#include "models/pipelines/detail/service_impl.hpp"
#include "sim/assert.hpp"

namespace models::pipelines {

using namespace detail;
using models::api_result;
using nlohmann::json;

void service::impl::stop_execution(execution& e) {
  execution_event(e, events::stop_requested{});  // Stops the running steps (the table's action).
  advance(e);
}

// The step table's stop_work: what stopping means for each kind of step.
void service::impl::stop_work(execution& e, std::size_t i) {
  step_run& r = e.steps[i];
  switch (def(e).steps[i].kind) {
    case step_kind::job: {
      if (r.work_event.valid()) sim.cancel(r.work_event);
      const step_behaviour& b = behaviour(e, i);
      const sim::time_us latency =
          b.stop_latency_us ? *b.stop_latency_us : knobs.duration("stop.job_stop_latency");
      const std::size_t ex = execution_index.at(e.arn);
      r.work_event = sim.schedule_after(
          latency, [this, ex, i] { job_stopped(ex, i); }, e.lane);
      return;
    }
    case step_kind::lambda:
      return;  // [AR-Stop]: the function cannot be stopped; its completion or timeout stays.
    case step_kind::callback:
      PIPESIM_ASSERT(sim, r.callback != nullptr, "an executing callback step has a token");
      callback_event(e, i, events::stop_requested{});  // The callback table says what follows.
      return;
    case step_kind::condition:
    case step_kind::fail:
      return;  // They finish in the instant they start.
  }
}

// Sends the Stopping message unless the step was answered while it was delayed.
void service::impl::send_stopping_message(std::size_t ex, std::size_t i) {
  execution& e = *executions[ex];
  step_run& r = e.steps[i];
  if (!r.callback || r.callback->state() != callback_state::stopping_message_pending) return;
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
    sim.reach("sagemaker.stop_replayed");
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

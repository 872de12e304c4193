// What each effect a transition asks for does in the service: the one place that turns the
// tables' actions into sends, timers and the next events.
#include "models/pipelines/detail/service_impl.hpp"
#include "sim/assert.hpp"

namespace models::pipelines {

using namespace detail;
using nlohmann::json;

void service::impl::perform(execution& e, std::size_t i, effect asked) {
  const std::size_t ex = execution_index.at(e.arn);
  switch (asked) {
    case effect::none:
      return;
    case effect::stop_running_steps:
      for (std::size_t s = 0; s < e.steps.size(); ++s) {
        // Steps that never started never will (advance() launches nothing while Stopping).
        if (running(e.steps[s])) step_event(e, s, events::stop_requested{});
      }
      return;
    case effect::rerun_ended_steps:
      arm_timeout(e);
      // Failed and Stopped steps run again (same ARN [GH-ACK]); steps that never started start
      // when their dependencies allow; Succeeded steps keep their results.
      for (std::size_t s : launch_order(e)) {
        step_run& r = e.steps[s];
        if (r.machine && (r.machine->status() == step_status::failed ||
                          r.machine->status() == step_status::stopped)) {
          if (e.max_parallel && running_count(e) >= *e.max_parallel) {
            // Wait for a slot: reset to "never started" and let advance() launch it.
            step_event(e, s, events::retry_requested{});
            r.machine.reset();
            // Never started again: it rejoins the start order at the end when it launches.
            e.start_order.erase(std::find(e.start_order.begin(), e.start_order.end(), s));
            continue;
          }
          launch(e, s);
        }
      }
      return;
    case effect::stop_work:
      stop_work(e, i);
      return;
    case effect::start_callback_timer: {
      const sim::time_us timeout = knobs.duration("callback.timeout");
      if (timeout > 0) {
        e.steps[i].timer_event = sim.schedule_after(
            timeout, [this, ex, i] { callback_timed_out(ex, i); }, e.lane);
      }
      return;
    }
    case effect::send_stopping_message: {
      // The Stopping message may leave after a delay (knob stop.stopping_message_delay_max).
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
      return;
    }
    case effect::abandon_message_send: {
      step_run& r = e.steps[i];
      if (r.work_event.valid()) sim.cancel(r.work_event);
      r.work_event = sim::event_id{};
      step_event(e, i, events::stop_confirmed{});  // Nothing was sent: nothing to wait for.
      return;
    }
    case effect::end_step_succeeded:
      record_output_parameters(e, i);
      step_event(e, i, events::work_succeeded{});
      return;
    case effect::end_step_failed:
      step_failed(e, i, e.steps[i].answer.value("FailureReason", ""));
      return;
    case effect::end_stopping_step_after_success:
      record_output_parameters(e, i);
      if (knobs.text("stop.answer_success_step_status") == "Stopped")
        step_event(e, i, events::stop_confirmed{});
      else
        step_event(e, i, events::work_succeeded{});
      return;
    case effect::end_stopping_step_after_failure: {
      step_run& r = e.steps[i];
      const std::string reason = r.answer.value("FailureReason", "");
      if (knobs.text("stop.answer_failure_execution_status") == "Failed") {
        e.stop_failure = true;
        e.failure_reason =
            "Callback step " + def(e).steps[i].name + " failed while stopping: " + reason;
      }
      if (knobs.text("stop.answer_failure_step_status") == "Stopped") {
        step_event(e, i, events::stop_confirmed{});
      } else {
        r.failure_reason = reason;
        step_event(e, i, events::work_failed{});
      }
      return;
    }
    case effect::fail_step_timed_out:
      if (e.machine->status() == execution_status::stopping) {
        e.stop_failure = true;
        e.failure_reason = "Callback step " + def(e).steps[i].name + " timed out while stopping";
      }
      step_failed(e, i,
                  "Callback step timed out after " +
                      sim::format_duration(knobs.duration("callback.timeout")) +
                      " without SendPipelineExecutionStepSuccess or Failure");
      return;
  }
  PIPESIM_ASSERT(sim, false, "every effect has a case");
}

}  // namespace models::pipelines

// What invariant checkers see: execution and step observations, rebuilt in place after every
// event without allocating once their buffers have grown.
#include "models/pipelines/detail/service_impl.hpp"

namespace models::pipelines {

using namespace detail;

std::vector<std::string> service::execution_arns() const {
  std::vector<std::string> out;
  for (const auto& e : impl_->executions) out.push_back(e->arn);
  return out;
}

namespace {

// Assigns only what differs: between two events almost nothing does, and comparing equal
// strings costs less than copying them again.
template <typename T>
void refresh(T& to, const T& from) {
  if (to != from) to = from;
}

// Overwrites `o` with what checkers see of `e`, reusing the capacity `o`'s strings and vectors
// already have, which is what makes observe_all cheap.
void observe_into(const execution& e, const pipeline_definition& def, execution_observation& o) {
  refresh(o.arn, e.arn);
  refresh(o.pipeline_name, e.pipeline_name);
  o.status = e.machine->status();
  refresh(o.history, e.history);
  o.max_running_steps = e.max_running;
  o.max_parallel_steps = e.max_parallel;
  o.steps.resize(e.start_order.size());
  for (std::size_t k = 0; k < e.start_order.size(); ++k) {
    const std::size_t i = e.start_order[k];
    const step_run& r = e.steps[i];
    step_observation& s = o.steps[k];
    refresh(s.name, def.steps[i].name);
    refresh(s.type, def.steps[i].type);
    s.status = r.machine->status();
    s.attempt_count = r.attempt;
    s.callback = r.callback ? std::optional<callback_state>(r.callback->state()) : std::nullopt;
    refresh(s.callback_token, r.token);
    s.callback_messages_sent = r.callback_messages;
    s.stopping_messages_sent = r.stopping_messages;
    s.token_resolutions = r.resolutions;
    refresh(s.history, r.history);
  }
}

}  // namespace

execution_observation service::observe(const std::string& arn) const {
  const execution& e = *impl_->executions.at(impl_->execution_index.at(arn));
  execution_observation o;
  observe_into(e, impl_->def(e), o);
  // FailureReasons are for reports, not for the per-event checks: observe_all leaves them out.
  o.failure_reason = e.failure_reason;
  for (std::size_t k = 0; k < e.start_order.size(); ++k) {
    o.steps[k].failure_reason = e.steps[e.start_order[k]].failure_reason;
  }
  return o;
}

void service::observe_all(std::vector<execution_observation>& out) const {
  out.resize(impl_->executions.size());
  for (std::size_t i = 0; i < impl_->executions.size(); ++i) {
    const execution& e = *impl_->executions[i];
    observe_into(e, impl_->def(e), out[i]);
  }
}

}  // namespace models::pipelines

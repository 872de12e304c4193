// The pipeline step state machine (the only file that instantiates it).
#include "models/pipelines/step_machine.hpp"

#include "models/pipelines/machine_support.hpp"

#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>

namespace models::pipelines {
namespace {

namespace msm = boost::msm;
namespace mpl = boost::mpl;
using msm::front::none;
using msm::front::Row;
using namespace events;

template <step_status S>
using status_state = detail::publishing_state<S>;
struct starting : status_state<step_status::starting> {};
struct executing : status_state<step_status::executing> {};
struct stopping : status_state<step_status::stopping> {};
struct stopped : status_state<step_status::stopped> {};
struct failed : status_state<step_status::failed> {};
struct succeeded : status_state<step_status::succeeded> {};

struct step_def : detail::reporting_def<step_def, step_status, step_status::starting> {
  using initial_state = starting;

  // AWS documents the statuses [M] but not the table
  // (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PipelineExecutionStep.html).
  // pipesim's reading:
  // - a step stopped before it began executing goes straight to Stopped;
  // - a retry under a RetryPolicy keeps the step Executing (AttemptCount grows) [DG-Retry];
  // - while Stopping, work that still finishes (a Lambda function, a callback answer) ends the
  //   step Succeeded/Failed, and a stop acknowledged by the job or consumer ends it Stopped;
  // - RetryPipelineExecution re-runs Failed and Stopped steps from Starting.
  // clang-format off
  struct transition_table : mpl::vector<
  //     Start       Event                       Next        Action  Guard
  //   +-----------+---------------------------+-----------+-------+------+
    Row< starting  , step_started              , executing , none  , none >,
    Row< starting  , stop_requested            , stopped   , none  , none >,
  //   +-----------+---------------------------+-----------+-------+------+
    Row< executing , work_succeeded            , succeeded , none  , none >,
    Row< executing , work_failed               , failed    , none  , none >,
    Row< executing , attempt_failed_will_retry , executing , none  , none >,
    Row< executing , stop_requested            , stopping  , none  , none >,
  //   +-----------+---------------------------+-----------+-------+------+
    Row< stopping  , stop_confirmed            , stopped   , none  , none >,
    Row< stopping  , work_succeeded            , succeeded , none  , none >,
    Row< stopping  , work_failed               , failed    , none  , none >,
  //   +-----------+---------------------------+-----------+-------+------+
    Row< failed    , retry_requested           , starting  , none  , none >,
    Row< stopped   , retry_requested           , starting  , none  , none >
  //   +-----------+---------------------------+-----------+-------+------+
  > {};
  // clang-format on
};

}  // namespace

struct step_fsm : msm::back::state_machine<step_def> {};

step_machine::step_machine(sim::simulation& s, std::string name)
    : sim_(s), name_(std::move(name)), fsm_(std::make_unique<step_fsm>()) {
  fsm_->start();
}
step_machine::~step_machine() = default;

step_status step_machine::status() const noexcept { return fsm_->status; }

template <class Event>
void step_machine::process(const Event& e) {
  detail::process_or_raise(*fsm_, e, sim_, "step " + name_);
}

// The events the table has rows for.
template void step_machine::process(const step_started&);
template void step_machine::process(const work_succeeded&);
template void step_machine::process(const work_failed&);
template void step_machine::process(const attempt_failed_will_retry&);
template void step_machine::process(const stop_requested&);
template void step_machine::process(const stop_confirmed&);
template void step_machine::process(const retry_requested&);

}  // namespace models::pipelines

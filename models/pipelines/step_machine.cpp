// The pipeline step state machine (the only file that instantiates it).
#include "models/pipelines/step_machine.hpp"

#include "models/pipelines/machine_support.hpp"

#include <boost/msm/back/state_machine.hpp>

namespace models::pipelines {
namespace {

namespace msm = boost::msm;
namespace mpl = boost::mpl;
using msm::front::none;
using msm::front::Row;
using namespace events;

// clang-format off
struct starting : detail::publishing_state<starting, step_status::starting> { static constexpr const char* name = "starting"; };
struct executing : detail::publishing_state<executing, step_status::executing> { static constexpr const char* name = "executing"; };
struct stopping : detail::publishing_state<stopping, step_status::stopping> { static constexpr const char* name = "stopping"; };
struct stopped : detail::publishing_state<stopped, step_status::stopped> { static constexpr const char* name = "stopped"; };
struct failed : detail::publishing_state<failed, step_status::failed> { static constexpr const char* name = "failed"; };
struct succeeded : detail::publishing_state<succeeded, step_status::succeeded> { static constexpr const char* name = "succeeded"; };
// clang-format on

// Actions: what the service is asked to do once the transition is on record (effects.hpp).
using stop_work = detail::ask<effect::stop_work>;

struct step_def : detail::reporting_def<step_def, step_status, step_status::starting> {
  using initial_state = starting;

  // AWS documents the statuses [M] but not the table
  // (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PipelineExecutionStep.html).
  // pipesim's reading:
  // - a step stopped before it began executing goes straight to Stopped;
  // - a step stopped while executing stops its work: a job after its stop latency, a callback
  //   step through its own path (the callback table), a Lambda function not at all [AR-Stop];
  // - a retry under a RetryPolicy keeps the step Executing (AttemptCount grows) [DG-Retry];
  // - while Stopping, work that still finishes (a Lambda function, a callback answer) ends the
  //   step Succeeded/Failed, and a stop acknowledged by the job or consumer ends it Stopped;
  // - RetryPipelineExecution re-runs Failed and Stopped steps from Starting.
  // clang-format off
  struct transition_table : mpl::vector<
  //     Start       Event                       Next        Action     Guard
  //   +-----------+---------------------------+-----------+----------+------+
    Row< starting  , step_started              , executing , none     , none >,
    Row< starting  , stop_requested            , stopped   , none     , none >,
  //   +-----------+---------------------------+-----------+----------+------+
    Row< executing , work_succeeded            , succeeded , none     , none >,
    Row< executing , work_failed               , failed    , none     , none >,
    Row< executing , attempt_failed_will_retry , executing , none     , none >,
    Row< executing , stop_requested            , stopping  , stop_work, none >,
  //   +-----------+---------------------------+-----------+----------+------+
    Row< stopping  , stop_confirmed            , stopped   , none     , none >,
    Row< stopping  , work_succeeded            , succeeded , none     , none >,
    Row< stopping  , work_failed               , failed    , none     , none >,
  //   +-----------+---------------------------+-----------+----------+------+
    Row< failed    , retry_requested           , starting  , none     , none >,
    Row< stopped   , retry_requested           , starting  , none     , none >
  //   +-----------+---------------------------+-----------+----------+------+
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
std::string_view step_machine::state_name() const noexcept { return fsm_->state_name; }

const std::vector<table_row>& step_machine::table() {
  static const std::vector<table_row> rows = detail::rows_of<step_def::transition_table>();
  return rows;
}

template <class Event>
effect step_machine::process(const Event& e) {
  return detail::process_or_raise(*fsm_, e, sim_, "step " + name_);
}

// The events the table has rows for.
template effect step_machine::process(const step_started&);
template effect step_machine::process(const work_succeeded&);
template effect step_machine::process(const work_failed&);
template effect step_machine::process(const attempt_failed_will_retry&);
template effect step_machine::process(const stop_requested&);
template effect step_machine::process(const stop_confirmed&);
template effect step_machine::process(const retry_requested&);

}  // namespace models::pipelines

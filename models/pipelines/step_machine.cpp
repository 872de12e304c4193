// The pipeline step state machine (the only file that instantiates it).
#include "models/pipelines/step_machine.hpp"

#include "models/pipelines/machine_support.hpp"

#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

namespace models::pipelines {
namespace {

namespace msm = boost::msm;
namespace mpl = boost::mpl;
using msm::front::none;
using msm::front::Row;
using namespace events;

template <step_status S>
struct status_state : msm::front::state<> {
  template <class Event, class Fsm>
  void on_entry(const Event&, Fsm& fsm) {
    fsm.status = S;
  }
};
struct starting : status_state<step_status::starting> {};
struct executing : status_state<step_status::executing> {};
struct stopping : status_state<step_status::stopping> {};
struct stopped : status_state<step_status::stopped> {};
struct failed : status_state<step_status::failed> {};
struct succeeded : status_state<step_status::succeeded> {};

struct step_def : msm::front::state_machine_def<step_def> {
  using initial_state = starting;

  // AWS documents the statuses [M] but not the table (spec §2). pipesim's reading:
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

  template <class Event, class Fsm>
  void no_transition(const Event&, Fsm&, int) {
    problem =
        std::string("no transition from ") + std::string(to_string(status)) + " on " + Event::name;
  }
  template <class Event, class Fsm>
  void exception_caught(const Event&, Fsm&, std::exception& e) {
    problem = std::string("exception in action on ") + Event::name + ": " + e.what();
  }

  step_status status = step_status::starting;
  std::string problem;
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
void step_machine::dispatch(const Event& e) {
  fsm_->process_event(e);
  if (!fsm_->problem.empty()) {
    std::string problem;
    problem.swap(fsm_->problem);
    detail::raise(sim_, "step " + name_, problem);
  }
}

void step_machine::process(const step_started& e) { dispatch(e); }
void step_machine::process(const work_succeeded& e) { dispatch(e); }
void step_machine::process(const work_failed& e) { dispatch(e); }
void step_machine::process(const attempt_failed_will_retry& e) { dispatch(e); }
void step_machine::process(const stop_requested& e) { dispatch(e); }
void step_machine::process(const stop_confirmed& e) { dispatch(e); }
void step_machine::process(const retry_requested& e) { dispatch(e); }

}  // namespace models::pipelines

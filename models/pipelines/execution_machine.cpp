// The pipeline execution state machine (the only file that instantiates it).
#include "models/pipelines/execution_machine.hpp"

#include "models/pipelines/machine_support.hpp"

#include <boost/msm/back/state_machine.hpp>

namespace models::pipelines {
namespace {

namespace msm = boost::msm;
namespace mpl = boost::mpl;
using msm::front::none;
using msm::front::Row;
using namespace events;

// States are conditions; entering one publishes the AWS status to the front-end.
// clang-format off
struct executing : detail::publishing_state<executing, execution_status::executing> { static constexpr const char* name = "executing"; };
struct stopping : detail::publishing_state<stopping, execution_status::stopping> { static constexpr const char* name = "stopping"; };
struct stopped : detail::publishing_state<stopped, execution_status::stopped> { static constexpr const char* name = "stopped"; };
struct failed : detail::publishing_state<failed, execution_status::failed> { static constexpr const char* name = "failed"; };
struct succeeded : detail::publishing_state<succeeded, execution_status::succeeded> { static constexpr const char* name = "succeeded"; };
// clang-format on

// Actions: what the service is asked to do once the transition is on record (effects.hpp).
using stop_running_steps = detail::ask<effect::stop_running_steps>;
using rerun_ended_steps = detail::ask<effect::rerun_ended_steps>;

struct execution_def
    : detail::reporting_def<execution_def, execution_status, execution_status::executing> {
  using initial_state = executing;

  // Sources: Start creates Executing, a stop goes Stopping then Stopped once the running steps
  // have stopped, a Lambda timeout during a stop ends Failed [DG-EB], [AF], [AR-Stop]. Retry
  // re-enters Executing with the same ARN [GH-ACK]; which terminal statuses accept it is a knob
  // checked by the service before the event.
  // clang-format off
  struct transition_table : mpl::vector<
  //     Start       Event                    Next        Action               Guard
  //   +-----------+------------------------+-----------+--------------------+------+
    Row< executing , stop_requested         , stopping  , stop_running_steps , none >,
    Row< executing , all_steps_succeeded    , succeeded , none               , none >,
    Row< executing , execution_failed       , failed    , none               , none >,
    Row< executing , execution_timed_out    , failed    , none               , none >,
  //   +-----------+------------------------+-----------+--------------------+------+
    Row< stopping  , running_steps_stopped  , stopped   , none               , none >,
    Row< stopping  , stop_ended_in_failure  , failed    , none               , none >,
    Row< stopping  , execution_timed_out    , failed    , none               , none >,
  //   +-----------+------------------------+-----------+--------------------+------+
    Row< failed    , retry_requested        , executing , rerun_ended_steps  , none >,
    Row< stopped   , retry_requested        , executing , rerun_ended_steps  , none >
  //   +-----------+------------------------+-----------+--------------------+------+
  > {};
  // clang-format on
};

}  // namespace

struct execution_fsm : msm::back::state_machine<execution_def> {};

execution_machine::execution_machine(sim::simulation& s, std::string name)
    : sim_(s), name_(std::move(name)), fsm_(std::make_unique<execution_fsm>()) {
  fsm_->start();
}
execution_machine::~execution_machine() = default;

execution_status execution_machine::status() const noexcept { return fsm_->status; }
std::string_view execution_machine::state_name() const noexcept { return fsm_->state_name; }

const std::vector<table_row>& execution_machine::table() {
  static const std::vector<table_row> rows = detail::rows_of<execution_def::transition_table>();
  return rows;
}

template <class Event>
effect execution_machine::process(const Event& e) {
  return detail::process_or_raise(*fsm_, e, sim_, "execution " + name_);
}

// The events the table has rows for.
template effect execution_machine::process(const stop_requested&);
template effect execution_machine::process(const all_steps_succeeded&);
template effect execution_machine::process(const execution_failed&);
template effect execution_machine::process(const running_steps_stopped&);
template effect execution_machine::process(const stop_ended_in_failure&);
template effect execution_machine::process(const execution_timed_out&);
template effect execution_machine::process(const retry_requested&);

}  // namespace models::pipelines

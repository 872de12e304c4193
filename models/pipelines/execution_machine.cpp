// The pipeline execution state machine (the only file that instantiates it).
#include "models/pipelines/execution_machine.hpp"

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

// States are conditions; entering one publishes the AWS status to the front-end.
template <execution_status S>
using status_state = detail::publishing_state<S>;
struct executing : status_state<execution_status::executing> {};
struct stopping : status_state<execution_status::stopping> {};
struct stopped : status_state<execution_status::stopped> {};
struct failed : status_state<execution_status::failed> {};
struct succeeded : status_state<execution_status::succeeded> {};

struct execution_def
    : detail::reporting_def<execution_def, execution_status, execution_status::executing> {
  using initial_state = executing;

  // Sources: Start creates Executing, a stop goes Stopping then Stopped, a Lambda timeout during
  // a stop ends Failed [DG-EB], [AF], [AR-Stop]. Retry re-enters Executing with the same ARN
  // [GH-ACK]; which terminal statuses accept it is a knob checked by the service.
  // clang-format off
  struct transition_table : mpl::vector<
  //     Start       Event                    Next        Action  Guard
  //   +-----------+------------------------+-----------+-------+------+
    Row< executing , stop_requested         , stopping  , none  , none >,
    Row< executing , all_steps_succeeded    , succeeded , none  , none >,
    Row< executing , execution_failed       , failed    , none  , none >,
    Row< executing , execution_timed_out    , failed    , none  , none >,
  //   +-----------+------------------------+-----------+-------+------+
    Row< stopping  , running_steps_stopped  , stopped   , none  , none >,
    Row< stopping  , stop_ended_in_failure  , failed    , none  , none >,
    Row< stopping  , execution_timed_out    , failed    , none  , none >,
  //   +-----------+------------------------+-----------+-------+------+
    Row< failed    , retry_requested        , executing , none  , none >,
    Row< stopped   , retry_requested        , executing , none  , none >
  //   +-----------+------------------------+-----------+-------+------+
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

template <class Event>
void execution_machine::process(const Event& e) {
  detail::process_or_raise(*fsm_, e, sim_, "execution " + name_);
}

// The events the table has rows for.
template void execution_machine::process(const stop_requested&);
template void execution_machine::process(const all_steps_succeeded&);
template void execution_machine::process(const execution_failed&);
template void execution_machine::process(const running_steps_stopped&);
template void execution_machine::process(const stop_ended_in_failure&);
template void execution_machine::process(const execution_timed_out&);
template void execution_machine::process(const retry_requested&);

}  // namespace models::pipelines

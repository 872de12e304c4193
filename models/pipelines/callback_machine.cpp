// The callback step's path (the only file that instantiates its machine).
#include "models/pipelines/callback_machine.hpp"

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

template <callback_state S>
using path_state = detail::publishing_state<S>;
struct token_issued : path_state<callback_state::token_issued> {};
struct waiting_for_answer : path_state<callback_state::waiting_for_answer> {};
struct stopping_notice_sent : path_state<callback_state::stopping_message_sent> {};
struct answered_success : path_state<callback_state::answered_success> {};
struct answered_failure : path_state<callback_state::answered_failure> {};
struct message_send_failed : path_state<callback_state::message_send_failed> {};
struct timed_out : path_state<callback_state::timed_out> {};

struct callback_def
    : detail::reporting_def<callback_def, callback_state, callback_state::token_issued> {
  using initial_state = token_issued;

  // [DG-Steps]: the service issues a token and sends the message, then waits for
  // SendPipelineExecutionStepSuccess/Failure. [AR-Stop]: a stop sends one additional message
  // with status Stopping and still waits for the answer. A failed Stopping send still waits: the
  // token stays answerable (it is listed in Metadata.Callback.CallbackToken).
  // clang-format off
  struct transition_table : mpl::vector<
  //     Start                 Event                          Next                  Action  Guard
  //   +---------------------+------------------------------+---------------------+-------+------+
    Row< token_issued        , callback_message_sent        , waiting_for_answer  , none  , none >,
    Row< token_issued        , callback_message_send_failed , message_send_failed , none  , none >,
  //   +---------------------+------------------------------+---------------------+-------+------+
    Row< waiting_for_answer  , callback_answered_success    , answered_success    , none  , none >,
    Row< waiting_for_answer  , callback_answered_failure    , answered_failure    , none  , none >,
    Row< waiting_for_answer  , stopping_message_sent        , stopping_notice_sent, none  , none >,
    Row< waiting_for_answer  , stopping_message_send_failed , stopping_notice_sent, none  , none >,
    Row< waiting_for_answer  , callback_timed_out           , timed_out           , none  , none >,
  //   +---------------------+------------------------------+---------------------+-------+------+
    Row< stopping_notice_sent, callback_answered_success    , answered_success    , none  , none >,
    Row< stopping_notice_sent, callback_answered_failure    , answered_failure    , none  , none >,
    Row< stopping_notice_sent, callback_timed_out           , timed_out           , none  , none >
  //   +---------------------+------------------------------+---------------------+-------+------+
  > {};
  // clang-format on
};

}  // namespace

struct callback_fsm : msm::back::state_machine<callback_def> {};

callback_machine::callback_machine(sim::simulation& s, std::string name)
    : sim_(s), name_(std::move(name)), fsm_(std::make_unique<callback_fsm>()) {
  fsm_->start();
}
callback_machine::~callback_machine() = default;

callback_state callback_machine::state() const noexcept { return fsm_->status; }

template <class Event>
void callback_machine::process(const Event& e) {
  detail::process_or_raise(*fsm_, e, sim_, "callback " + name_);
}

// The events the table has rows for.
template void callback_machine::process(const callback_message_sent&);
template void callback_machine::process(const callback_message_send_failed&);
template void callback_machine::process(const stopping_message_sent&);
template void callback_machine::process(const stopping_message_send_failed&);
template void callback_machine::process(const callback_answered_success&);
template void callback_machine::process(const callback_answered_failure&);
template void callback_machine::process(const callback_timed_out&);

}  // namespace models::pipelines

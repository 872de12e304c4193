// The callback step's path (the only file that instantiates its machine).
#include "models/pipelines/callback_machine.hpp"

#include "models/pipelines/machine_support.hpp"

#include <boost/msm/back/state_machine.hpp>

namespace models::pipelines {
namespace {

namespace msm = boost::msm;
namespace mpl = boost::mpl;
using msm::front::none;
using msm::front::Row;
using namespace events;

// States are conditions on the token; entering one publishes it to the front-end.
// clang-format off
struct token_issued : detail::publishing_state<token_issued, callback_state::token_issued> { static constexpr const char* name = "token_issued"; };
struct waiting_for_answer : detail::publishing_state<waiting_for_answer, callback_state::waiting_for_answer> { static constexpr const char* name = "waiting_for_answer"; };
struct stopping_message_pending : detail::publishing_state<stopping_message_pending, callback_state::stopping_message_pending> { static constexpr const char* name = "stopping_message_pending"; };
// Published as callback_state::stopping_message_sent, the trace's name for it.
struct waiting_after_stopping_message : detail::publishing_state<waiting_after_stopping_message, callback_state::stopping_message_sent> { static constexpr const char* name = "waiting_after_stopping_message"; };
struct answered_success : detail::publishing_state<answered_success, callback_state::answered_success> { static constexpr const char* name = "answered_success"; };
struct answered_failure : detail::publishing_state<answered_failure, callback_state::answered_failure> { static constexpr const char* name = "answered_failure"; };
struct message_send_failed : detail::publishing_state<message_send_failed, callback_state::message_send_failed> { static constexpr const char* name = "message_send_failed"; };
struct timed_out : detail::publishing_state<timed_out, callback_state::timed_out> { static constexpr const char* name = "timed_out"; };
// clang-format on

// Actions: what the service is asked to do once the transition is on record (effects.hpp).
using start_callback_timer = detail::ask<effect::start_callback_timer>;
using send_stopping_message = detail::ask<effect::send_stopping_message>;
using abandon_message_send = detail::ask<effect::abandon_message_send>;
using end_step_succeeded = detail::ask<effect::end_step_succeeded>;
using end_step_failed = detail::ask<effect::end_step_failed>;
using end_stopping_step_after_success = detail::ask<effect::end_stopping_step_after_success>;
using end_stopping_step_after_failure = detail::ask<effect::end_stopping_step_after_failure>;
using fail_step_timed_out = detail::ask<effect::fail_step_timed_out>;

struct callback_def
    : detail::reporting_def<callback_def, callback_state, callback_state::token_issued> {
  using initial_state = token_issued;

  // [DG-Steps]: the service issues a token, sends the message and waits for
  // SendPipelineExecutionStepSuccess/Failure; without an answer the step fails at the callback
  // timeout. [AR-Stop]: a stop sends one additional message with status Stopping and the same
  // token, and still waits for the answer; the step then ends as the answer says (what AWS shows
  // for an answer during a stop is a knob). The Stopping message may leave after a delay (knob):
  // an answer in between means it never leaves. A failed Stopping send still waits: the token
  // stays answerable (it is listed in Metadata.Callback.CallbackToken). The execution timeout
  // ends every step itself, so its rows ask for nothing. No row accepts a second answer or a
  // second stop: both are model errors by construction.
  // clang-format off
  struct transition_table : mpl::vector<
  //     Start                            Event                          Next                             Action                            Guard
  //   +--------------------------------+------------------------------+--------------------------------+---------------------------------+------+
    Row< token_issued                   , callback_message_sent        , waiting_for_answer             , start_callback_timer            , none >,
    Row< token_issued                   , callback_message_send_failed , message_send_failed            , none                            , none >,
    Row< token_issued                   , stop_requested               , message_send_failed            , abandon_message_send            , none >,
    Row< token_issued                   , execution_timed_out          , message_send_failed            , none                            , none >,
  //   +--------------------------------+------------------------------+--------------------------------+---------------------------------+------+
    Row< waiting_for_answer             , callback_answered_success    , answered_success               , end_step_succeeded              , none >,
    Row< waiting_for_answer             , callback_answered_failure    , answered_failure               , end_step_failed                 , none >,
    Row< waiting_for_answer             , stop_requested               , stopping_message_pending       , send_stopping_message           , none >,
    Row< waiting_for_answer             , callback_timed_out           , timed_out                      , fail_step_timed_out             , none >,
    Row< waiting_for_answer             , execution_timed_out          , timed_out                      , none                            , none >,
  //   +--------------------------------+------------------------------+--------------------------------+---------------------------------+------+
    Row< stopping_message_pending       , stopping_message_sent        , waiting_after_stopping_message , none                            , none >,
    Row< stopping_message_pending       , stopping_message_send_failed , waiting_after_stopping_message , none                            , none >,
    Row< stopping_message_pending       , callback_answered_success    , answered_success               , end_stopping_step_after_success , none >,
    Row< stopping_message_pending       , callback_answered_failure    , answered_failure               , end_stopping_step_after_failure , none >,
    Row< stopping_message_pending       , callback_timed_out           , timed_out                      , fail_step_timed_out             , none >,
    Row< stopping_message_pending       , execution_timed_out          , timed_out                      , none                            , none >,
  //   +--------------------------------+------------------------------+--------------------------------+---------------------------------+------+
    Row< waiting_after_stopping_message , callback_answered_success    , answered_success               , end_stopping_step_after_success , none >,
    Row< waiting_after_stopping_message , callback_answered_failure    , answered_failure               , end_stopping_step_after_failure , none >,
    Row< waiting_after_stopping_message , callback_timed_out           , timed_out                      , fail_step_timed_out             , none >,
    Row< waiting_after_stopping_message , execution_timed_out          , timed_out                      , none                            , none >
  //   +--------------------------------+------------------------------+--------------------------------+---------------------------------+------+
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
std::string_view callback_machine::state_name() const noexcept { return fsm_->state_name; }

const std::vector<table_row>& callback_machine::table() {
  static const std::vector<table_row> rows = detail::rows_of<callback_def::transition_table>();
  return rows;
}

template <class Event>
effect callback_machine::process(const Event& e) {
  return detail::process_or_raise(*fsm_, e, sim_, "callback " + name_);
}

// The events the table has rows for.
template effect callback_machine::process(const callback_message_sent&);
template effect callback_machine::process(const callback_message_send_failed&);
template effect callback_machine::process(const stopping_message_sent&);
template effect callback_machine::process(const stopping_message_send_failed&);
template effect callback_machine::process(const callback_answered_success&);
template effect callback_machine::process(const callback_answered_failure&);
template effect callback_machine::process(const callback_timed_out&);
template effect callback_machine::process(const stop_requested&);
template effect callback_machine::process(const execution_timed_out&);

}  // namespace models::pipelines

// Every row of the execution, step and callback state machines, and what an event without a row
// does: a sim::model_error with the time and trace position, never a crash.
#include "models/pipelines/callback_machine.hpp"
#include "models/pipelines/execution_machine.hpp"
#include "models/pipelines/step_machine.hpp"
#include "sim/error.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace models::pipelines;
namespace ev = models::pipelines::events;

BOOST_AUTO_TEST_SUITE(machines_test)

// --- execution machine -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(execution_starts_executing) {
  sim::simulation s(1);
  execution_machine m(s, "e");
  BOOST_TEST(to_string(m.status()) == "Executing");
}

BOOST_AUTO_TEST_CASE(execution_rows_from_executing) {
  sim::simulation s(1);
  {
    execution_machine m(s, "e");
    m.process(ev::stop_requested{});
    BOOST_TEST(to_string(m.status()) == "Stopping");
  }
  {
    execution_machine m(s, "e");
    m.process(ev::all_steps_succeeded{});
    BOOST_TEST(to_string(m.status()) == "Succeeded");
  }
  {
    execution_machine m(s, "e");
    m.process(ev::execution_failed{});
    BOOST_TEST(to_string(m.status()) == "Failed");
  }
  {
    execution_machine m(s, "e");
    m.process(ev::execution_timed_out{});
    BOOST_TEST(to_string(m.status()) == "Failed");
  }
}

BOOST_AUTO_TEST_CASE(execution_rows_from_stopping) {
  sim::simulation s(1);
  {
    execution_machine m(s, "e");
    m.process(ev::stop_requested{});
    m.process(ev::running_steps_stopped{});
    BOOST_TEST(to_string(m.status()) == "Stopped");
  }
  {
    execution_machine m(s, "e");
    m.process(ev::stop_requested{});
    m.process(ev::stop_ended_in_failure{});
    BOOST_TEST(to_string(m.status()) == "Failed");
  }
  {
    execution_machine m(s, "e");
    m.process(ev::stop_requested{});
    m.process(ev::execution_timed_out{});
    BOOST_TEST(to_string(m.status()) == "Failed");
  }
}

BOOST_AUTO_TEST_CASE(execution_retry_rows) {
  sim::simulation s(1);
  {
    execution_machine m(s, "e");
    m.process(ev::execution_failed{});
    m.process(ev::retry_requested{});
    BOOST_TEST(to_string(m.status()) == "Executing");
  }
  {
    execution_machine m(s, "e");
    m.process(ev::stop_requested{});
    m.process(ev::running_steps_stopped{});
    m.process(ev::retry_requested{});
    BOOST_TEST(to_string(m.status()) == "Executing");
  }
}

BOOST_AUTO_TEST_CASE(execution_unexpected_events_are_model_errors) {
  sim::simulation s(1);
  s.trace().enable(true);
  execution_machine m(s, "arn:e");
  m.process(ev::all_steps_succeeded{});
  try {
    m.process(ev::stop_requested{});
    BOOST_ERROR("no model_error");
  } catch (const sim::model_error& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("execution arn:e") != std::string::npos, what);
    BOOST_TEST(what.find("no transition from Succeeded on stop_requested") != std::string::npos,
               what);
    BOOST_TEST(what.find("trace position") != std::string::npos, what);
  }
  BOOST_TEST(to_string(m.status()) == "Succeeded");  // unchanged, and the machine still works
  BOOST_CHECK_THROW(m.process(ev::retry_requested{}), sim::model_error);
  execution_machine fresh(s, "e2");
  BOOST_CHECK_THROW(fresh.process(ev::running_steps_stopped{}), sim::model_error);
  BOOST_CHECK_THROW(fresh.process(ev::retry_requested{}), sim::model_error);
  fresh.process(ev::stop_requested{});
  BOOST_CHECK_THROW(fresh.process(ev::stop_requested{}), sim::model_error);
  BOOST_CHECK_THROW(fresh.process(ev::all_steps_succeeded{}), sim::model_error);
}

// --- step machine ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(step_rows_from_starting) {
  sim::simulation s(1);
  {
    step_machine m(s, "st");
    BOOST_TEST(to_string(m.status()) == "Starting");
    m.process(ev::step_started{});
    BOOST_TEST(to_string(m.status()) == "Executing");
  }
  {
    step_machine m(s, "st");
    m.process(ev::stop_requested{});
    BOOST_TEST(to_string(m.status()) == "Stopped");
  }
}

BOOST_AUTO_TEST_CASE(step_rows_from_executing) {
  sim::simulation s(1);
  auto executing = [&] {
    auto m = std::make_unique<step_machine>(s, "st");
    m->process(ev::step_started{});
    return m;
  };
  auto a = executing();
  a->process(ev::work_succeeded{});
  BOOST_TEST(to_string(a->status()) == "Succeeded");
  auto b = executing();
  b->process(ev::work_failed{});
  BOOST_TEST(to_string(b->status()) == "Failed");
  auto c = executing();
  c->process(ev::attempt_failed_will_retry{});
  BOOST_TEST(to_string(c->status()) == "Executing");
  auto d = executing();
  d->process(ev::stop_requested{});
  BOOST_TEST(to_string(d->status()) == "Stopping");
}

BOOST_AUTO_TEST_CASE(step_rows_from_stopping_and_retry) {
  sim::simulation s(1);
  auto stopping = [&] {
    auto m = std::make_unique<step_machine>(s, "st");
    m->process(ev::step_started{});
    m->process(ev::stop_requested{});
    return m;
  };
  auto a = stopping();
  a->process(ev::stop_confirmed{});
  BOOST_TEST(to_string(a->status()) == "Stopped");
  a->process(ev::retry_requested{});
  BOOST_TEST(to_string(a->status()) == "Starting");
  auto b = stopping();
  b->process(ev::work_succeeded{});
  BOOST_TEST(to_string(b->status()) == "Succeeded");
  auto c = stopping();
  c->process(ev::work_failed{});
  BOOST_TEST(to_string(c->status()) == "Failed");
  c->process(ev::retry_requested{});
  BOOST_TEST(to_string(c->status()) == "Starting");
}

BOOST_AUTO_TEST_CASE(step_unexpected_events_are_model_errors) {
  sim::simulation s(1);
  step_machine m(s, "arn/st");
  BOOST_CHECK_THROW(m.process(ev::work_succeeded{}), sim::model_error);  // Starting
  BOOST_CHECK_THROW(m.process(ev::stop_confirmed{}), sim::model_error);
  m.process(ev::step_started{});
  BOOST_CHECK_THROW(m.process(ev::step_started{}), sim::model_error);
  BOOST_CHECK_THROW(m.process(ev::stop_confirmed{}), sim::model_error);
  m.process(ev::work_succeeded{});
  BOOST_CHECK_THROW(m.process(ev::work_failed{}), sim::model_error);
  BOOST_CHECK_THROW(m.process(ev::retry_requested{}), sim::model_error);  // Succeeded is final
  BOOST_TEST(to_string(m.status()) == "Succeeded");
}

// --- callback machine --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(callback_rows_from_token_issued) {
  sim::simulation s(1);
  callback_machine a(s, "cb");
  BOOST_TEST(to_string(a.state()) == "token_issued");
  a.process(ev::callback_message_sent{});
  BOOST_TEST(to_string(a.state()) == "waiting_for_answer");
  callback_machine b(s, "cb");
  b.process(ev::callback_message_send_failed{});
  BOOST_TEST(to_string(b.state()) == "message_send_failed");
}

BOOST_AUTO_TEST_CASE(callback_rows_from_waiting) {
  sim::simulation s(1);
  auto waiting = [&] {
    auto m = std::make_unique<callback_machine>(s, "cb");
    m->process(ev::callback_message_sent{});
    return m;
  };
  auto a = waiting();
  a->process(ev::callback_answered_success{});
  BOOST_TEST(to_string(a->state()) == "answered_success");
  auto b = waiting();
  b->process(ev::callback_answered_failure{});
  BOOST_TEST(to_string(b->state()) == "answered_failure");
  auto c = waiting();
  c->process(ev::stopping_message_sent{});
  BOOST_TEST(to_string(c->state()) == "stopping_message_sent");
  auto d = waiting();
  d->process(ev::stopping_message_send_failed{});
  BOOST_TEST(to_string(d->state()) == "stopping_message_sent");
  auto e = waiting();
  e->process(ev::callback_timed_out{});
  BOOST_TEST(to_string(e->state()) == "timed_out");
}

BOOST_AUTO_TEST_CASE(callback_rows_after_stopping_message) {
  sim::simulation s(1);
  auto notified = [&] {
    auto m = std::make_unique<callback_machine>(s, "cb");
    m->process(ev::callback_message_sent{});
    m->process(ev::stopping_message_sent{});
    return m;
  };
  auto a = notified();
  a->process(ev::callback_answered_success{});
  BOOST_TEST(to_string(a->state()) == "answered_success");
  auto b = notified();
  b->process(ev::callback_answered_failure{});
  BOOST_TEST(to_string(b->state()) == "answered_failure");
  auto c = notified();
  c->process(ev::callback_timed_out{});
  BOOST_TEST(to_string(c->state()) == "timed_out");
}

BOOST_AUTO_TEST_CASE(callback_second_answer_or_second_stopping_message_is_a_model_error) {
  sim::simulation s(1);
  callback_machine m(s, "cb");
  BOOST_CHECK_THROW(m.process(ev::callback_answered_success{}), sim::model_error);  // not sent
  m.process(ev::callback_message_sent{});
  m.process(ev::stopping_message_sent{});
  BOOST_CHECK_THROW(m.process(ev::stopping_message_sent{}), sim::model_error);
  m.process(ev::callback_answered_success{});
  BOOST_CHECK_THROW(m.process(ev::callback_answered_success{}), sim::model_error);
  BOOST_CHECK_THROW(m.process(ev::callback_answered_failure{}), sim::model_error);
  BOOST_TEST(to_string(m.state()) == "answered_success");
}

// --- each machine against a table-driven reference, over random event sequences --------------

namespace {

// Applies random events to a machine and to a reference table; an event without a reference row
// must throw sim::model_error and leave the state unchanged.
template <class Machine, class State>
void check_against_reference(const std::vector<std::uint8_t>& script,
                             const std::vector<std::function<void(Machine&)>>& events,
                             const std::map<std::pair<State, std::size_t>, State>& rows,
                             State initial, State (*state_of)(const Machine&)) {
  sim::simulation s(1);
  Machine m(s, "ref");
  State expected = initial;
  for (std::uint8_t b : script) {
    const std::size_t e = b % events.size();
    auto row = rows.find({expected, e});
    if (row == rows.end()) {
      bool threw = false;
      try {
        events[e](m);
      } catch (const sim::model_error&) {
        threw = true;
      }
      RC_ASSERT(threw);
    } else {
      events[e](m);
      expected = row->second;
    }
    RC_ASSERT(state_of(m) == expected);
  }
}

execution_status exec_state(const execution_machine& m) { return m.status(); }
step_status step_state(const step_machine& m) { return m.status(); }
callback_state cb_state(const callback_machine& m) { return m.state(); }

}  // namespace

RC_BOOST_PROP(execution_machine_matches_its_table, (std::vector<std::uint8_t> script)) {
  using S = execution_status;
  const std::vector<std::function<void(execution_machine&)>> events{
      [](auto& m) { m.process(ev::stop_requested{}); },         // 0
      [](auto& m) { m.process(ev::all_steps_succeeded{}); },    // 1
      [](auto& m) { m.process(ev::execution_failed{}); },       // 2
      [](auto& m) { m.process(ev::running_steps_stopped{}); },  // 3
      [](auto& m) { m.process(ev::stop_ended_in_failure{}); },  // 4
      [](auto& m) { m.process(ev::execution_timed_out{}); },    // 5
      [](auto& m) { m.process(ev::retry_requested{}); },        // 6
  };
  const std::map<std::pair<S, std::size_t>, S> rows{
      {{S::executing, 0}, S::stopping}, {{S::executing, 1}, S::succeeded},
      {{S::executing, 2}, S::failed},   {{S::executing, 5}, S::failed},
      {{S::stopping, 3}, S::stopped},   {{S::stopping, 4}, S::failed},
      {{S::stopping, 5}, S::failed},    {{S::failed, 6}, S::executing},
      {{S::stopped, 6}, S::executing}};
  check_against_reference<execution_machine, S>(script, events, rows, S::executing, exec_state);
}

RC_BOOST_PROP(step_machine_matches_its_table, (std::vector<std::uint8_t> script)) {
  using S = step_status;
  const std::vector<std::function<void(step_machine&)>> events{
      [](auto& m) { m.process(ev::step_started{}); },               // 0
      [](auto& m) { m.process(ev::work_succeeded{}); },             // 1
      [](auto& m) { m.process(ev::work_failed{}); },                // 2
      [](auto& m) { m.process(ev::attempt_failed_will_retry{}); },  // 3
      [](auto& m) { m.process(ev::stop_requested{}); },             // 4
      [](auto& m) { m.process(ev::stop_confirmed{}); },             // 5
      [](auto& m) { m.process(ev::retry_requested{}); },            // 6
  };
  const std::map<std::pair<S, std::size_t>, S> rows{
      {{S::starting, 0}, S::executing},  {{S::starting, 4}, S::stopped},
      {{S::executing, 1}, S::succeeded}, {{S::executing, 2}, S::failed},
      {{S::executing, 3}, S::executing}, {{S::executing, 4}, S::stopping},
      {{S::stopping, 5}, S::stopped},    {{S::stopping, 1}, S::succeeded},
      {{S::stopping, 2}, S::failed},     {{S::failed, 6}, S::starting},
      {{S::stopped, 6}, S::starting}};
  check_against_reference<step_machine, S>(script, events, rows, S::starting, step_state);
}

RC_BOOST_PROP(callback_machine_matches_its_table, (std::vector<std::uint8_t> script)) {
  using S = callback_state;
  const std::vector<std::function<void(callback_machine&)>> events{
      [](auto& m) { m.process(ev::callback_message_sent{}); },         // 0
      [](auto& m) { m.process(ev::callback_message_send_failed{}); },  // 1
      [](auto& m) { m.process(ev::stopping_message_sent{}); },         // 2
      [](auto& m) { m.process(ev::stopping_message_send_failed{}); },  // 3
      [](auto& m) { m.process(ev::callback_answered_success{}); },     // 4
      [](auto& m) { m.process(ev::callback_answered_failure{}); },     // 5
      [](auto& m) { m.process(ev::callback_timed_out{}); },            // 6
  };
  const std::map<std::pair<S, std::size_t>, S> rows{
      {{S::token_issued, 0}, S::waiting_for_answer},
      {{S::token_issued, 1}, S::message_send_failed},
      {{S::waiting_for_answer, 4}, S::answered_success},
      {{S::waiting_for_answer, 5}, S::answered_failure},
      {{S::waiting_for_answer, 2}, S::stopping_message_sent},
      {{S::waiting_for_answer, 3}, S::stopping_message_sent},
      {{S::waiting_for_answer, 6}, S::timed_out},
      {{S::stopping_message_sent, 4}, S::answered_success},
      {{S::stopping_message_sent, 5}, S::answered_failure},
      {{S::stopping_message_sent, 6}, S::timed_out}};
  check_against_reference<callback_machine, S>(script, events, rows, S::token_issued, cb_state);
}

BOOST_AUTO_TEST_SUITE_END()

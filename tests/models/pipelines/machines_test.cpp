// The execution, step and callback state machines, driven from their own tables: every row does
// what it says (next state and the effect it asks for), every event without a row is a
// sim::model_error that leaves the state alone, and the README carries the tables as generated.
// The rows themselves are written once, in the machines' .cpp files.
#include "models/pipelines/callback_machine.hpp"
#include "models/pipelines/effects.hpp"
#include "models/pipelines/execution_machine.hpp"
#include "models/pipelines/step_machine.hpp"
#include "sim/error.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace models::pipelines;
namespace ev = models::pipelines::events;

namespace {

// Processes the event called `name` (one of Events) on `m`; false if no event has that name.
template <class... Events, class Machine>
bool dispatch(Machine& m, const std::string& name, effect& asked) {
  return ((name == Events::name ? (asked = m.process(Events{}), true) : false) || ...);
}

// The events each machine's facade is instantiated for.
struct execution_events {
  template <class M>
  static bool process(M& m, const std::string& name, effect& asked) {
    return dispatch<ev::stop_requested, ev::all_steps_succeeded, ev::execution_failed,
                    ev::running_steps_stopped, ev::stop_ended_in_failure, ev::execution_timed_out,
                    ev::retry_requested>(m, name, asked);
  }
};
struct step_events {
  template <class M>
  static bool process(M& m, const std::string& name, effect& asked) {
    return dispatch<ev::step_started, ev::work_succeeded, ev::work_failed,
                    ev::attempt_failed_will_retry, ev::stop_requested, ev::stop_confirmed,
                    ev::retry_requested>(m, name, asked);
  }
};
struct callback_events {
  template <class M>
  static bool process(M& m, const std::string& name, effect& asked) {
    return dispatch<ev::callback_message_sent, ev::callback_message_send_failed, ev::stop_requested,
                    ev::stopping_message_sent, ev::stopping_message_send_failed,
                    ev::callback_answered_success, ev::callback_answered_failure,
                    ev::callback_timed_out, ev::execution_timed_out>(m, name, asked);
  }
};

std::set<std::string> events_of(const std::vector<table_row>& rows) {
  std::set<std::string> out;
  for (const table_row& r : rows) out.insert(r.event);
  return out;
}
std::set<std::string> states_of(const std::vector<table_row>& rows) {
  std::set<std::string> out;
  for (const table_row& r : rows) out.insert({r.from, r.to});
  return out;
}
const table_row* row_for(const std::vector<table_row>& rows, const std::string& from,
                         const std::string& event) {
  for (const table_row& r : rows)
    if (r.from == from && r.event == event) return &r;
  return nullptr;
}

// Applies a random script of the table's events; the table is the reference.
template <class Machine, class Events>
void follow_table(const std::vector<std::uint8_t>& script) {
  const std::vector<table_row>& rows = Machine::table();
  const std::set<std::string> names = events_of(rows);
  const std::vector<std::string> events(names.begin(), names.end());
  sim::simulation s(1);
  Machine m(s, "ref");
  for (std::uint8_t b : script) {
    const std::string& event = events[b % events.size()];
    const std::string from(m.state_name());
    const table_row* row = row_for(rows, from, event);
    effect asked = effect::none;
    if (row == nullptr) {
      bool threw = false;
      try {
        RC_ASSERT(Events::process(m, event, asked));
      } catch (const sim::model_error&) {
        threw = true;
      }
      RC_ASSERT(threw);
      RC_ASSERT(std::string(m.state_name()) == from);
    } else {
      RC_ASSERT(Events::process(m, event, asked));
      RC_ASSERT(std::string(m.state_name()) == row->to);
      RC_ASSERT(std::string(to_string(asked)) == row->action);
    }
  }
}

// Rows are only selected by (state, event): no guards, so no two rows may share the pair; every
// state is reachable from the initial one; every event has a dispatcher in the test.
template <class Machine, class Events>
void check_table_shape(const std::string& initial) {
  const std::vector<table_row>& rows = Machine::table();
  std::set<std::pair<std::string, std::string>> pairs;
  for (const table_row& r : rows) {
    BOOST_TEST(pairs.insert({r.from, r.event}).second, r.from << " + " << r.event << " twice");
    BOOST_TEST(r.guard == "none", "a guard the shape test does not know: " << r.guard);
  }
  std::set<std::string> reached{initial}, frontier{initial};
  while (!frontier.empty()) {
    std::set<std::string> next;
    for (const table_row& r : rows)
      if (frontier.count(r.from) && reached.insert(r.to).second) next.insert(r.to);
    frontier = next;
  }
  BOOST_TEST(reached == states_of(rows));
  sim::simulation s(1);
  Machine m(s, "shape");
  BOOST_TEST(std::string(m.state_name()) == initial);
  for (const std::string& event : events_of(rows)) {
    Machine fresh(s, "dispatch");
    effect asked = effect::none;
    bool known = false;
    try {
      known = Events::process(fresh, event, asked);
    } catch (const sim::model_error&) {
      known = true;
    }
    BOOST_TEST(known, "no dispatcher for event " << event);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(machines_test)

RC_BOOST_PROP(execution_machine_does_what_its_table_says, (std::vector<std::uint8_t> script)) {
  follow_table<execution_machine, execution_events>(script);
}
RC_BOOST_PROP(step_machine_does_what_its_table_says, (std::vector<std::uint8_t> script)) {
  follow_table<step_machine, step_events>(script);
}
RC_BOOST_PROP(callback_machine_does_what_its_table_says, (std::vector<std::uint8_t> script)) {
  follow_table<callback_machine, callback_events>(script);
}

BOOST_AUTO_TEST_CASE(tables_are_deterministic_and_connected) {
  check_table_shape<execution_machine, execution_events>("executing");
  check_table_shape<step_machine, step_events>("starting");
  check_table_shape<callback_machine, callback_events>("token_issued");
}

// The facade's published status agrees with the state the table names.
BOOST_AUTO_TEST_CASE(published_statuses_match_state_names) {
  sim::simulation s(1);
  execution_machine e(s, "e");
  e.process(ev::stop_requested{});
  BOOST_TEST(e.state_name() == "stopping");
  BOOST_TEST(to_string(e.status()) == "Stopping");
  step_machine st(s, "st");
  st.process(ev::step_started{});
  BOOST_TEST(st.state_name() == "executing");
  BOOST_TEST(to_string(st.status()) == "Executing");
  callback_machine c(s, "c");
  c.process(ev::callback_message_sent{});
  c.process(ev::stop_requested{});
  BOOST_TEST(to_string(c.state()) == "stopping_message_pending");
  c.process(ev::stopping_message_send_failed{});
  BOOST_TEST(c.state_name() == "waiting_after_stopping_message");
  BOOST_TEST(to_string(c.state()) == "stopping_message_sent");
}

// [AR-Stop]
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopPipelineExecution.html): a
// stop during a callback step sends one additional message with status Stopping and still waits for
// the answer; a second answer or a second stop is a model error, never a transition.
BOOST_AUTO_TEST_CASE(a_stop_asks_for_one_stopping_message_and_still_waits_for_the_answer) {
  sim::simulation s(1);
  callback_machine m(s, "cb");
  BOOST_CHECK_THROW(m.process(ev::callback_answered_success{}), sim::model_error);  // not sent
  BOOST_TEST(to_string(m.process(ev::callback_message_sent{})) == "start_callback_timer");
  BOOST_TEST(to_string(m.process(ev::stop_requested{})) == "send_stopping_message");
  BOOST_CHECK_THROW(m.process(ev::stop_requested{}), sim::model_error);
  m.process(ev::stopping_message_sent{});
  BOOST_CHECK_THROW(m.process(ev::stopping_message_sent{}), sim::model_error);
  BOOST_TEST(to_string(m.process(ev::callback_answered_success{})) ==
             "end_stopping_step_after_success");
  BOOST_CHECK_THROW(m.process(ev::callback_answered_success{}), sim::model_error);
  BOOST_CHECK_THROW(m.process(ev::callback_answered_failure{}), sim::model_error);
  BOOST_TEST(to_string(m.state()) == "answered_success");
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

BOOST_AUTO_TEST_CASE(readme_carries_the_generated_tables) {
  std::ifstream in(PIPESIM_PIPELINES_README);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " << PIPESIM_PIPELINES_README);
  std::stringstream readme;
  readme << in.rdbuf();
  const std::string tables = transition_tables_markdown();
  BOOST_TEST(readme.str().find(tables) != std::string::npos,
             "models/pipelines/README.md lacks the current transition tables; replace them with:\n"
                 << tables);
}

BOOST_AUTO_TEST_SUITE_END()

// The built-in invariants, checked after every event or at the end of a run, and the final
// checks of a run's expectations (statuses, counts, liveness after the heal deadline).
#include "scenarios/detail/world.hpp"
#include "scenarios/public_api.hpp"
#include "sim/error.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace scenarios::detail {
// A resource working for a callback token must be gone once that token's execution is Stopped:
// that is what the Stopping message asks the consumer to do before it answers.
void world::check_effects() {
  if (effects_.alive().empty() || !checks_stop_cleanup_) return;
  for (const pl::execution_observation& e : observed_) {
    const std::string& arn = e.arn;
    if (e.status != pl::execution_status::stopped) continue;
    for (const pl::step_observation& st : e.steps) {
      if (st.callback_token.empty()) continue;
      for (const auto& [resource, r] : effects_.alive()) {
        if (r.token == st.callback_token) {
          violate("stop_cleans_up", "execution " + arn + " is Stopped but " + resource +
                                        " (created by consumer " + r.consumer +
                                        " for callback step " + st.name + ") is still alive");
        }
      }
    }
  }
}

void world::violate(const std::string& invariant, const std::string& what) {
  if (!contains(sc_.expect.invariants, invariant) || violations_.count(invariant)) return;
  const std::string detail = what + " (at t=" + sim::format_duration(sim_.now()) +
                             ", trace position " + std::to_string(sim_.trace().size()) + ", seed " +
                             std::to_string(seed_) + ")";
  violations_[invariant] = check_result{invariant, invariant, false, detail};
  sim_.record("invariant.violated", {{"invariant", invariant}, {"detail", what}});
}

void world::check_invariants() {
  for (const pl::execution_observation& e : observed_) {
    const std::string& arn = e.arn;
    if (e.status == pl::execution_status::stopped) {
      for (const pl::step_observation& st : e.steps) {
        if (st.callback && (*st.callback == pl::callback_state::token_issued ||
                            *st.callback == pl::callback_state::waiting_for_answer ||
                            *st.callback == pl::callback_state::stopping_message_pending ||
                            *st.callback == pl::callback_state::stopping_message_sent)) {
          violate("stop_waits_for_callback",
                  "execution " + arn + " is Stopped while callback step " + st.name +
                      " is unanswered (" + std::string(pl::to_string(*st.callback)) + ")");
        }
      }
    }
    for (const pl::step_observation& st : e.steps) {
      if (st.stopping_messages_sent > std::max(st.attempt_count, 1)) {
        violate("one_stopping_message_per_step",
                "callback step " + st.name + " of " + arn + " got " +
                    std::to_string(st.stopping_messages_sent) + " Stopping messages in " +
                    std::to_string(st.attempt_count) + " attempt(s)");
      }
      if (st.token_resolutions > std::max(st.attempt_count, 1)) {
        violate("token_resolved_once", "the callback token of step " + st.name + " of " + arn +
                                           " was resolved " + std::to_string(st.token_resolutions) +
                                           " times in " + std::to_string(st.attempt_count) +
                                           " attempt(s)");
      }
    }
    const auto since = status_since_.find(arn);
    if (since == status_since_.end()) {
      status_since_.emplace(arn, std::make_pair(e.status, sim_.now()));
      started_at_.emplace(arn, sim_.now());
    } else if (since->second.first != e.status) {
      since->second = {e.status, sim_.now()};
      if (e.status == pl::execution_status::failed &&
          sim_.now() - started_at_.at(arn) >= execution_timeout_us_) {
        timed_out_.insert(arn);
      }
    }
    int restarts = 0;
    for (std::size_t i = 0; i + 1 < e.history.size(); ++i) {
      if (!pl::is_terminal(e.history[i])) continue;
      const bool retried = e.history[i + 1] == pl::execution_status::executing &&
                           ++restarts <= (retries_.count(arn) ? retries_.at(arn) : 0);
      if (!retried) {
        violate("terminal_status_final", "execution " + arn + " went from " +
                                             std::string(pl::to_string(e.history[i])) + " to " +
                                             std::string(pl::to_string(e.history[i + 1])));
      }
    }
  }
  const bool all_terminal =
      std::all_of(observed_.begin(), observed_.end(),
                  [](const pl::execution_observation& e) { return pl::is_terminal(e.status); });
  if (!all_terminal) {
    milestones_.all_terminal_us.reset();
  } else if (!milestones_.all_terminal_us) {
    milestones_.all_terminal_us = sim_.now();
  }
  check_conservation();
  if (actions_run_ == actions_.size() && quiescent()) sim_.stop("quiescent");
}

void world::check_conservation() {
  if (!checks_conservation_) return;
  std::uint64_t moved_out = 0;
  std::uint64_t moved_in = 0;
  sqs_.visit_queues([&](const std::string& url,
                        const std::vector<models::sqs::census_entry>& census,
                        const models::sqs::queue_counters& c) {
    // Copies per state, indexed by the enum's value (a map per queue per event was costly).
    std::array<std::uint64_t, k_message_states> by_state{};
    for (const models::sqs::census_entry& m : census) ++by_state[state_index(m.state)];
    moved_out += c.moved_to_dlq;
    moved_in += c.arrived_from_redrive;
    const std::uint64_t entered = c.sent + c.duplicates_created + c.arrived_from_redrive;
    if (census.size() != entered) {
      violate("message_conservation", url + ": " + std::to_string(census.size()) +
                                          " message copies tracked but " + std::to_string(entered) +
                                          " entered (sent + duplicates + redriven)");
    }
    const std::uint64_t in_dlq = by_state[state_index(models::sqs::message_state::in_dlq)];
    if (in_dlq != c.moved_to_dlq) {
      violate("message_conservation", url + ": " + std::to_string(in_dlq) +
                                          " copies in the DLQ but " +
                                          std::to_string(c.moved_to_dlq) + " moved");
    }
    if (by_state[state_index(models::sqs::message_state::expired)] != c.expired) {
      violate("message_conservation", url + ": expired copies and the expired counter disagree");
    }
  });
  if (moved_out != moved_in) {
    violate("message_conservation", std::to_string(moved_out) +
                                        " messages left for dead-letter queues but " +
                                        std::to_string(moved_in) + " arrived");
  }
}

bool world::consumed(const std::string& queue_url) const {
  return std::any_of(consumers_.begin(), consumers_.end(),
                     [&](const auto& c) { return c->polled_queue_url() == queue_url; }) ||
         std::any_of(lambdas_.begin(), lambdas_.end(),
                     [&](const auto& l) { return l->polled_queue_url() == queue_url; }) ||
         std::any_of(workers_.begin(), workers_.end(),
                     [&](const auto& w) { return w->polled_queue_url() == queue_url; });
}

bool world::any_busy() const {
  return std::any_of(consumers_.begin(), consumers_.end(),
                     [](const auto& c) { return c->busy(); }) ||
         std::any_of(lambdas_.begin(), lambdas_.end(), [](const auto& l) { return l->busy(); }) ||
         std::any_of(workers_.begin(), workers_.end(), [](const auto& w) { return w->busy(); });
}

// Quiet means nothing more will happen but timers: every execution terminal, no consumer working,
// no message left that a consumer will receive. A message in a queue nobody reads (a dead-letter
// queue, typically) would only leave by retention expiry, days later: it does not keep the run
// going.
bool world::quiescent() const {
  for (const pl::execution_observation& e : observed_) {
    if (!pl::is_terminal(e.status)) return false;
  }
  if (any_busy()) return false;
  bool settled = true;
  sqs_.visit_queues([&](const std::string& url,
                        const std::vector<models::sqs::census_entry>& census,
                        const models::sqs::queue_counters&) {
    if (!settled || !consumed(url)) return;
    for (const models::sqs::census_entry& m : census) {
      if (m.state == models::sqs::message_state::delayed ||
          m.state == models::sqs::message_state::visible ||
          m.state == models::sqs::message_state::in_flight) {
        settled = false;
        return;
      }
    }
  });
  return settled;
}

// Where AWS documents no status and a knob decides it, a failed expectation says which knob and
// its value: the expectation may be right for AWS and the knob's setting the thing to change.
std::string world::decided_by_knob(const pl::execution_observation& e,
                                   const pl::step_observation* step) const {
  const bool stopped = std::find(e.history.begin(), e.history.end(),
                                 pl::execution_status::stopping) != e.history.end();
  if (!stopped) return "";
  auto knob = [this](const char* name) {
    return std::string(name) + " = " + sagemaker_knobs_.text(name);
  };
  if (step == nullptr) {
    return " (after a stop whose callback step is answered with Failure, the execution's status "
           "is decided by knob " +
           knob("stop.answer_failure_execution_status") + ")";
  }
  if (step->type != "Callback") return "";
  return " (a callback step answered during a stop takes the status of knob " +
         knob("stop.answer_failure_step_status") + " for a Failure answer, " +
         knob("stop.answer_success_step_status") + " for a Success answer)";
}

std::string world::unsettled() const {
  std::vector<std::string> open;
  for (const std::string& arn : sagemaker_.execution_arns()) {
    const pl::execution_observation e = sagemaker_.observe(arn);
    if (!pl::is_terminal(e.status)) {
      open.push_back("execution " + arn + " is " + std::string(pl::to_string(e.status)));
    }
  }
  for (const auto& c : consumers_) {
    if (c->busy()) open.push_back("consumer " + c->spec().name + " is still working");
  }
  for (const auto& l : lambdas_) {
    if (l->busy()) open.push_back("Lambda consumer " + l->spec().name + " is still working");
  }
  for (const auto& w : workers_) {
    if (w->busy()) open.push_back("a job worker " + w->spec().name + " started is still running");
  }
  std::size_t messages = 0;
  sqs_.visit_queues([&](const std::string& url,
                        const std::vector<models::sqs::census_entry>& census,
                        const models::sqs::queue_counters&) {
    if (!consumed(url)) return;
    for (const models::sqs::census_entry& m : census) {
      if (m.state != models::sqs::message_state::delayed &&
          m.state != models::sqs::message_state::visible &&
          m.state != models::sqs::message_state::in_flight) {
        continue;
      }
      if (++messages <= 3) {
        open.push_back("message " + m.message_id + " is " + std::string(to_string(m.state)) +
                       " in " + url.substr(url.rfind('/') + 1));
      }
    }
  });
  if (messages > 3) open.push_back(std::to_string(messages - 3) + " more messages");
  std::string out;
  for (const std::string& o : open) out += (out.empty() ? "" : "; ") + o;
  return out;
}

void world::final_checks(run_report& report) {
  // Liveness is promised only when every consumer is the correct one.
  if (contains(sc_.expect.invariants, "liveness")) {
    // A consumer supplied through run_options is the user's claim of correctness.
    const bool all_correct =
        std::all_of(consumers_.begin(), consumers_.end(), [this](const auto& c) {
          return claims_correctness(c->spec().behavior) ||
                 options_.consumers.count(c->spec().name) > 0;
        });
    if (all_correct) {
      if (options_.heal_at_us && options_.heal_deadline_us) {
        // Exploration: after the heal point nothing fails any more, so a live system settles
        // within the deadline. What is still open then is the finding.
        const std::string open = unsettled();
        if (!open.empty()) {
          violate("liveness", "not settled " + sim::format_duration(*options_.heal_deadline_us) +
                                  " after the heal point (" +
                                  sim::format_duration(*options_.heal_at_us) +
                                  "; --heal-deadline sets the bound): " + open);
        }
      }
      for (const std::string& arn : sagemaker_.execution_arns()) {
        const pl::execution_observation e = sagemaker_.observe(arn);
        if (!pl::is_terminal(e.status)) {
          violate("liveness", "execution " + arn + " is still " +
                                  std::string(pl::to_string(e.status)) + " at the end of the run");
        }
      }
      for (const std::string& arn : timed_out_) {
        violate("liveness", "execution " + arn +
                                " ended only through SageMaker's execution "
                                "timeout (execution.timeout = " +
                                sim::format_duration(execution_timeout_us_) +
                                "): nothing ever finished it");
      }
    }
  }
  // Leaks are judged only at a true end: every execution terminal and no consumer busy.
  if (contains(sc_.expect.invariants, "no_leaked_resources") && !effects_.alive().empty()) {
    bool settled = !any_busy();
    for (const std::string& arn : sagemaker_.execution_arns()) {
      settled = settled && pl::is_terminal(sagemaker_.observe(arn).status);
    }
    if (settled) {
      std::string names;
      for (const auto& [resource, r] : effects_.alive())
        names += (names.empty() ? "" : ", ") + resource;
      violate("no_leaked_resources",
              "at the end of the run, with every execution terminal and "
              "no consumer busy, these resources are still alive: " +
                  names);
    }
  }
  for (const std::string& name : sc_.expect.invariants) {
    const auto v = violations_.find(name);
    report.invariants.push_back(v != violations_.end() ? v->second
                                                       : check_result{name, name, true, ""});
  }

  for (std::size_t i = 0; i < sc_.actions.size(); ++i) {
    const action_spec& a = sc_.actions[i];
    const action_outcome& o = actions_[i];
    const std::string name = "action " + std::to_string(i) + " (" + a.call + ")";
    const std::string got = !o.ran ? "it never ran"
                            : o.ok ? "it succeeded"
                                   : "it failed with " + o.error_code;
    if (a.expect_error) {
      report.expectations.push_back({"expect.action." + std::to_string(i),
                                     name + " fails with " + *a.expect_error,
                                     o.ran && !o.ok && o.error_code == *a.expect_error, got});
    } else if (a.expect_ok) {
      report.expectations.push_back(
          {"expect.action." + std::to_string(i), name + " succeeds", o.ran && o.ok, got});
    }
  }
  for (const auto& [name, x] : sc_.expect.executions) {
    const auto arn = bound_arns_.find(name);
    if (arn == bound_arns_.end()) {
      report.expectations.push_back({"expect.execution." + name, "execution " + name, false,
                                     "no execution was bound to \"" + name + "\""});
      continue;
    }
    const pl::execution_observation e = sagemaker_.observe(arn->second);
    if (x.status) {
      const std::string actual(pl::to_string(e.status));
      report.expectations.push_back({"expect.execution." + name + ".status",
                                     "execution " + name + " is " + *x.status, actual == *x.status,
                                     "it is " + actual + decided_by_knob(e, nullptr)});
      if (x.by_us) {
        const auto since = status_since_.find(arn->second);
        const sim::time_us reached_us =
            since == status_since_.end() ? sim_.now() : since->second.second;
        const bool ok = actual == *x.status && reached_us <= *x.by_us;
        report.expectations.push_back(
            {"expect.execution." + name + ".by",
             "execution " + name + " is " + *x.status + " by " + sim::format_duration(*x.by_us), ok,
             actual == *x.status ? "it became " + actual + " at " + sim::format_duration(reached_us)
                                 : "it is " + actual});
      }
    }
    for (const auto& [step, status] : x.steps) {
      const auto it = std::find_if(
          e.steps.begin(), e.steps.end(),
          [&wanted = step](const pl::step_observation& s) { return s.name == wanted; });
      const std::string actual =
          it == e.steps.end() ? "never started" : std::string(pl::to_string(it->status));
      const std::string wanted = status ? *status : "never started";
      report.expectations.push_back(
          {"expect.execution." + name + ".steps." + step,
           "execution " + name + " step " + step + " is " + wanted, actual == wanted,
           "it is " + actual + (it == e.steps.end() ? "" : decided_by_knob(e, &*it))});
    }
  }
  for (const auto& [name, q] : sc_.expect.queues) {
    const models::sqs::queue_counters c = sqs_.counters(sqs_.queue_url(name));
    auto expect_count = [&, &queue = name](const char* what,
                                           const std::optional<count_range>& wanted,
                                           std::uint64_t actual) {
      if (!wanted) return;
      report.expectations.push_back({"expect.queue." + queue + "." + what,
                                     "queue " + queue + " " + what + " " + wanted->to_string(),
                                     wanted->contains(actual), "it is " + std::to_string(actual)});
    };
    expect_count("sent", q.sent, c.sent);
    expect_count("received", q.received, c.received);
    expect_count("deleted", q.deleted, c.deleted);
    expect_count("in_dlq", q.in_dlq, c.moved_to_dlq);
  }
}

}  // namespace scenarios::detail

// The exploration engine: swarm profiles, schedules as lists, the heal phase, determinism
// whatever the thread count, and shrinking.
#include "sim/list_strategy.hpp"
#include "sim/simulation.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <pipesim/explore.hpp>
#include <set>

namespace {

const pipesim::scenario& bug(const std::string& name) {
  static std::map<std::string, pipesim::scenario> loaded;
  auto it = loaded.find(name);
  if (it == loaded.end()) {
    it = loaded
             .emplace(name, pipesim::scenario::load(PIPESIM_SOURCE_DIR "/scenarios/bugs/" + name +
                                                    ".json"))
             .first;
  }
  return it->second;
}

const pipesim::scenario& stop_during_callback() {
  static const pipesim::scenario sc =
      pipesim::scenario::load(PIPESIM_SOURCE_DIR "/scenarios/library/stop_during_callback.json");
  return sc;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(explore_test)

BOOST_AUTO_TEST_CASE(list_strategy_reduces_picks_and_is_nominal_past_its_end) {
  sim::list_strategy s({7, 0, 5});
  const sim::choice_point three{"x", 3};
  BOOST_TEST(s.pick(three) == 1U);  // 7 mod 3
  BOOST_TEST(s.pick(three) == 0U);
  BOOST_TEST(s.pick(sim::choice_point{"y", 10}) == 5U);
  BOOST_TEST(s.pick(sim::choice_point{"y", 10}) == 0U);  // past the end
}

BOOST_AUTO_TEST_CASE(phased_strategy_is_nominal_from_heal_time_on) {
  sim::phased_strategy s(std::make_unique<sim::list_strategy>(std::vector<std::uint64_t>{1, 1, 1}),
                         100);
  sim::choice_point cp{"x", 2};
  cp.at_us = 99;
  BOOST_TEST(s.pick(cp) == 1U);
  cp.at_us = 100;
  BOOST_TEST(s.pick(cp) == 0U);
}

BOOST_AUTO_TEST_CASE(swarm_profiles_are_a_function_of_the_seed_and_vary) {
  std::set<std::string> seen;
  int all_off = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    const pipesim::fault_profile p = pipesim::swarm_profile(pipesim::run_seed(1, i));
    BOOST_TEST((p == pipesim::swarm_profile(pipesim::run_seed(1, i))));
    seen.insert(p.to_string());
    all_off += p.classes_on() == 0;
  }
  // Seven classes each on with probability 1/2: many distinct profiles, few with nothing on.
  BOOST_TEST(seen.size() > 150U);
  BOOST_TEST(all_off < 10);
  BOOST_TEST(pipesim::run_seed(1, 0) != pipesim::run_seed(2, 0));
  BOOST_TEST(pipesim::run_seed(1, 0) != pipesim::run_seed(1, 1));
}

BOOST_AUTO_TEST_CASE(fault_profile_round_trips_and_names_bad_members) {
  pipesim::fault_profile p;
  p.duplicates = 0.05;
  p.delays = true;
  BOOST_TEST((pipesim::fault_profile::from_json(p.to_json()) == p));
  BOOST_TEST(p.to_string() ==
             "duplicates=0.05 reordering=off crashes=off throttling=off server_errors=off "
             "stale_handles=off delays=on");
  BOOST_CHECK_EXCEPTION(pipesim::fault_profile::from_json({{"duplicate", 0.1}}),
                        std::invalid_argument, [](const std::invalid_argument& e) {
                          return std::string(e.what()).find("\"duplicate\"") != std::string::npos;
                        });
  BOOST_CHECK_EXCEPTION(pipesim::fault_profile::from_json({{"crashes", 2}}), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what()).find("[0, 1]") != std::string::npos;
                        });
  // Every class off means the ideal value of each knob it drives.
  const nlohmann::json off = pipesim::fault_profile{}.knob_overrides();
  BOOST_TEST(off["sqs.duplicate.probability"] == 0.0);
  BOOST_TEST(off["api.server_error_probability"] == 0.0);
  BOOST_TEST(off["sqs.stale_delete.policy"] == "succeed_delete");
}

BOOST_AUTO_TEST_CASE(the_nominal_schedule_of_the_correct_consumer_passes) {
  const pipesim::run_report r =
      pipesim::run_schedule(stop_during_callback(), {}, pipesim::fault_profile{});
  BOOST_TEST(r.ok(), pipesim::describe_failure(r));
  for (const pipesim::choice_record& c : r.choice_log) BOOST_TEST(c.pick == 0U);
}

BOOST_AUTO_TEST_CASE(results_do_not_depend_on_the_number_of_jobs) {
  for (const auto strategy : {pipesim::explore_strategy::random, pipesim::explore_strategy::pct}) {
    pipesim::explore_options o;
    o.runs = 400;
    o.seed = 3;
    o.strategy = strategy;
    o.shrink = false;
    const pipesim::explore_result one = pipesim::explore(bug("not_idempotent"), o);
    o.jobs = 2;
    const pipesim::explore_result two = pipesim::explore(bug("not_idempotent"), o);
    BOOST_TEST(one.runs == two.runs, static_cast<int>(strategy));
    BOOST_TEST(one.events == two.events, static_cast<int>(strategy));
    BOOST_TEST(one.sim_time_us == two.sim_time_us, static_cast<int>(strategy));
    BOOST_TEST_REQUIRE(one.failure.has_value() == two.failure.has_value(),
                       static_cast<int>(strategy));
    if (one.failure) {
      BOOST_TEST(one.failure->run_index == two.failure->run_index);
      BOOST_TEST(one.failure->picks == two.failure->picks);
      BOOST_TEST(one.failure->report.digest == two.failure->report.digest);
    }
  }
}

BOOST_AUTO_TEST_CASE(coverage_counts_every_run_and_does_not_depend_on_the_number_of_jobs) {
  pipesim::explore_options o;
  o.runs = 200;
  o.seed = 5;
  const pipesim::explore_result one = pipesim::explore(stop_during_callback(), o);
  o.jobs = 2;
  const pipesim::explore_result two = pipesim::explore(stop_during_callback(), o);
  BOOST_TEST_REQUIRE(one.ok());
  BOOST_TEST_REQUIRE(one.coverage.size() == two.coverage.size());
  std::map<std::string, std::uint64_t> runs;
  for (std::size_t i = 0; i < one.coverage.size(); ++i) {
    BOOST_TEST(one.coverage[i].id == two.coverage[i].id);
    BOOST_TEST(one.coverage[i].runs == two.coverage[i].runs, one.coverage[i].id);
    BOOST_TEST(one.coverage[i].hits == two.coverage[i].hits, one.coverage[i].id);
    BOOST_TEST(one.coverage[i].runs <= one.runs);
    BOOST_TEST(one.coverage[i].hits >= one.coverage[i].runs);
    runs[one.coverage[i].id] = one.coverage[i].runs;
  }
  // Every run stops the execution while its callback step waits for an answer: the callback
  // path's stop row is reached in all of them, once per run, and its Stopping message is sent.
  BOOST_TEST(runs.at("sagemaker.callback.waiting_for_answer.stop_requested") == one.runs);
  BOOST_TEST(runs.at("sagemaker.execution.executing.stop_requested") == one.runs);
  // The stop comes 8 minutes after the callback message, past any delay: never while delayed.
  BOOST_TEST(runs.at("stop.callback_message_delayed") == 0U);
  // Nothing a run reached is missing from the catalog.
  for (const auto& c : one.coverage)
    BOOST_TEST(c.description != "(not declared by any model)", c.id);
  // A swarm with duplicates and reordering on reaches the races the scenario lists.
  for (const char* id : {"stop.callback_message_in_flight", "delivery.stopping_before_original",
                         "delivery.after_answer", "sqs.duplicate_delivered"}) {
    BOOST_TEST(runs.at(id) > 0U, id);
  }
  BOOST_TEST(one.unreached_required.empty());
}

BOOST_AUTO_TEST_CASE(shards_make_every_run_once_and_sum_to_the_unsharded_coverage) {
  pipesim::explore_options o;
  o.runs = 150;
  o.seed = 9;
  const pipesim::explore_result whole = pipesim::explore(stop_during_callback(), o);
  BOOST_TEST_REQUIRE(whole.ok());
  std::uint64_t runs = 0;
  std::uint64_t events = 0;
  std::map<std::string, std::uint64_t> covered;
  o.shard_count = 4;  // 150 runs: shards of 38, 38, 37 and 37
  for (std::uint64_t i = 0; i < o.shard_count; ++i) {
    o.shard_index = i;
    const pipesim::explore_result shard = pipesim::explore(stop_during_callback(), o);
    BOOST_TEST(shard.runs == (i < 2 ? 38U : 37U));
    runs += shard.runs;
    events += shard.events;
    for (const auto& c : shard.coverage) covered[c.id] += c.runs;
  }
  BOOST_TEST(runs == whole.runs);
  BOOST_TEST(events == whole.events);  // the same runs, with the same seeds
  for (const auto& c : whole.coverage) BOOST_TEST(covered[c.id] == c.runs, c.id);
  o.shard_index = 4;
  BOOST_CHECK_THROW(pipesim::explore(stop_during_callback(), o), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(shrinking_keeps_the_failure_and_needs_fewer_deviations) {
  pipesim::explore_options o;
  o.runs = 2000;
  o.seed = 1;
  o.shrink = false;
  const pipesim::explore_result raw = pipesim::explore(bug("deletes_before_answer"), o);
  BOOST_TEST_REQUIRE(raw.failure.has_value());
  o.shrink = true;
  const pipesim::explore_result shrunk = pipesim::explore(bug("deletes_before_answer"), o);
  BOOST_TEST_REQUIRE(shrunk.failure.has_value());
  const pipesim::explore_failure& f = *shrunk.failure;
  BOOST_TEST(f.run_index == raw.failure->run_index);
  BOOST_TEST(f.failed_check == "liveness");
  BOOST_TEST(pipesim::first_failed_check(f.report) != "");
  BOOST_TEST(f.deviations.size() < raw.failure->deviations.size());
  BOOST_TEST(f.deviations.size() <= 2U);
  // Only classes the original run had on can remain on.
  BOOST_TEST(f.fault_profile.classes_on() <= f.original_fault_profile.classes_on());
  if (f.fault_profile.duplicates > 0) BOOST_TEST(f.original_fault_profile.duplicates > 0);
  if (f.fault_profile.crashes > 0) BOOST_TEST(f.original_fault_profile.crashes > 0);
  // The shrunk run replays exactly from its options.
  const pipesim::run_report again = pipesim::run(bug("deletes_before_answer"), f.replay_options());
  BOOST_TEST(again.choices == f.report.choices);
  BOOST_TEST(!again.ok());
}

BOOST_AUTO_TEST_CASE(a_correct_consumer_passes_swarm_runs_with_pct_too) {
  pipesim::explore_options o;
  o.runs = 200;
  o.seed = 11;
  o.strategy = pipesim::explore_strategy::pct;
  const pipesim::explore_result r = pipesim::explore(stop_during_callback(), o);
  BOOST_TEST(!r.failure.has_value(),
             (r.failure ? pipesim::describe_failure(r.failure->report) : std::string()));
  BOOST_TEST(r.expected_steps > 10U);
}

// A Lambda handler of one's own, explored: a hand-off that stops after the first record of its
// batch (a "return" inside the loop). Lambda deletes the rest of a successful batch, so when two
// callback messages share a batch one is lost; exploration finds that schedule.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (the whole batch is deleted on
// success).
BOOST_AUTO_TEST_CASE(exploration_finds_a_bug_in_a_users_lambda_handler) {
  class first_record_only final : public pipesim::lambda::handler {
   public:
    nlohmann::json handle(const nlohmann::json& event, pipesim::lambda::context& ctx) override {
      for (const nlohmann::json& r : event["Records"]) {
        const nlohmann::json body = nlohmann::json::parse(r["body"].get<std::string>());
        const std::string token = body["token"].get<std::string>();
        if (!ctx.exists("job/" + token)) {
          ctx.created("job/" + token, token);
          ctx.after(std::chrono::minutes(30), [token](pipesim::context& job) {
            job.deleted("job/" + token);
            job.sagemaker("SendPipelineExecutionStepSuccess",
                          {{"CallbackToken", token},
                           {"ClientRequestToken", "job-" + token + "-success-idempotency-key"}});
          });
        }
        return nullptr;  // the bug: one record per batch
      }
      return nullptr;
    }
  };
  static const pipesim::scenario sc =
      pipesim::scenario::load(PIPESIM_SOURCE_DIR "/scenarios/lambda/fails_whole_batch.json");
  pipesim::explore_options o;
  o.runs = 2000;
  o.seed = 1;
  o.lambda_handlers["fn"] = [] { return std::make_unique<first_record_only>(); };
  const pipesim::explore_result r = pipesim::explore(sc, o);
  BOOST_TEST_REQUIRE(r.failure.has_value());
  BOOST_TEST(
      (r.failure->failed_check == "no_lost_callback" || r.failure->failed_check == "liveness"),
      r.failure->failed_check);
}

BOOST_AUTO_TEST_SUITE_END()

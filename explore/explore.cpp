// The exploration engine: many runs (in parallel, deterministically), then shrinking.
#include "explore/shrink.hpp"
#include "scenarios/public_api.hpp"
#include "sim/list_strategy.hpp"
#include "sim/pct_strategy.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <pipesim/explore.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pipesim {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::unique_ptr<sim::strategy> inner_strategy(const explore_options& o, std::uint64_t seed,
                                              std::uint64_t expected_steps) {
  if (o.strategy == explore_strategy::pct) {
    return std::make_unique<sim::pct_strategy>(seed, o.pct_depth, expected_steps);
  }
  return std::make_unique<sim::random_strategy>(seed);
}

scenarios::run_options base_options(const explore_options& o, std::uint64_t seed,
                                    const fault_profile& profile, const heal_plan& heal) {
  scenarios::run_options r;
  r.seed = seed;
  r.trace = false;
  r.consumers = o.consumers;
  r.lambda_handlers = o.lambda_handlers;
  detail::apply_faults(r, profile);
  r.heal_at_us = heal.heal_at_us;
  r.heal_deadline_us = heal.heal_deadline_us;
  return r;
}

std::optional<sim::time_us> microseconds(const std::optional<duration>& d) {
  return d ? std::optional<sim::time_us>(d->count()) : std::nullopt;
}

bool before(const std::optional<sim::time_us>& t, sim::time_us limit) { return t && *t < limit; }

bool failed(const scenarios::run_report& r, const std::string& check) {
  auto named = [&](const scenarios::check_result& c) { return !c.ok && c.id == check; };
  return std::any_of(r.invariants.begin(), r.invariants.end(), named) ||
         std::any_of(r.expectations.begin(), r.expectations.end(), named);
}

// A schedule as its deviations keyed by (label, occurrence of that label): the n-th
// "consumer.worker.killed" picks 1, everything else is nominal. Unlike a positional list it keeps
// its meaning when a change elsewhere adds or removes choice points (a fault class switched off,
// an earlier deviation dropped), which is what lets the shrinker try those changes.
class keyed_strategy final : public sim::strategy {
 public:
  using key = std::pair<std::string, std::uint64_t>;
  explicit keyed_strategy(std::map<key, std::uint64_t> picks) : picks_(std::move(picks)) {}
  std::uint64_t pick(const sim::choice_point& cp) override {
    const std::uint64_t n = seen_[std::string(cp.label)]++;
    const auto it = picks_.find(key{std::string(cp.label), n});
    return it == picks_.end() ? 0 : it->second % cp.options;
  }
  std::string_view name() const noexcept override { return "keyed"; }

 private:
  std::map<key, std::uint64_t> picks_;
  std::map<std::string, std::uint64_t> seen_;
};

std::map<keyed_strategy::key, std::uint64_t> keyed(const std::vector<choice_record>& log) {
  std::map<keyed_strategy::key, std::uint64_t> out;
  std::map<std::string, std::uint64_t> seen;
  for (const choice_record& c : log) {
    const std::uint64_t n = seen[c.label]++;
    if (c.pick != 0) out[{c.label, n}] = c.pick;
  }
  return out;
}

std::vector<std::uint64_t> trimmed(std::vector<std::uint64_t> picks) {
  while (!picks.empty() && picks.back() == 0) picks.pop_back();
  return picks;
}

struct verdict {
  bool ok = true;
  scenarios::run_milestones milestones;
  std::string failed_check;
  std::uint64_t events = 0;
  sim::time_us sim_time_us = 0;
  std::vector<std::uint64_t> picks;  // only for a failure
  std::map<std::string, std::uint64_t> reached;
};

// Runs f(i) for i in [0, n) on `jobs` threads; the first exception is rethrown here.
template <typename F>
void parallel_for(std::size_t n, unsigned jobs, F&& f) {
  if (jobs <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        f(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < std::min<std::size_t>(jobs, n); ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

std::string first_failed_check(const scenarios::run_report& r) {
  for (const auto* v : {&r.invariants, &r.expectations}) {
    for (const scenarios::check_result& c : *v) {
      if (!c.ok) return c.id;
    }
  }
  return {};
}

run_report run_schedule(const scenario& public_sc, const std::vector<std::uint64_t>& picks,
                        const fault_profile& profile,
                        const std::map<std::string, consumer_factory>& consumers,
                        std::optional<duration> heal_at, bool keep_trace) {
  const scenarios::scenario& sc = detail::scenario_access::parsed(public_sc);
  const heal_plan heal = detail::plan_heal(sc, consumers, microseconds(heal_at), std::nullopt);
  scenarios::run_options opts;
  opts.consumers = consumers;
  opts.trace = keep_trace;
  opts.keep_trace_lines = keep_trace;
  detail::apply_faults(opts, profile);
  opts.heal_at_us = heal.heal_at_us;
  opts.heal_deadline_us = heal.heal_deadline_us;
  opts.strategy = std::make_unique<sim::phased_strategy>(
      std::make_unique<sim::list_strategy>(picks), heal.heal_at_us);
  return scenarios::run_scenario(sc, std::move(opts));
}

std::string describe_failure(const scenarios::run_report& r) {
  std::ostringstream os;
  for (const auto* checks : {&r.invariants, &r.expectations}) {
    for (const scenarios::check_result& c : *checks) {
      if (!c.ok) os << "FAIL " << c.name << ": " << c.detail << '\n';
    }
  }
  os << "deviations from the nominal schedule:";
  bool any = false;
  for (std::size_t i = 0; i < r.choice_log.size(); ++i) {
    const choice_record& c = r.choice_log[i];
    if (c.pick == 0) continue;
    any = true;
    os << "\n  #" << i << " at " << sim::format_duration(c.at_us) << "  " << c.label << " = "
       << c.pick << " (of " << c.options << ")";
  }
  if (!any) os << " none";
  return os.str();
}

void detail::apply_faults(scenarios::run_options& options, const fault_profile& profile) {
  options.knob_overrides = profile.knob_overrides();
  options.hosts.crash_probability = profile.crashes;
}

heal_plan plan_heal(const scenario& sc, const std::map<std::string, consumer_factory>& consumers,
                    std::optional<duration> heal_at, std::optional<duration> heal_deadline) {
  return detail::plan_heal(detail::scenario_access::parsed(sc), consumers, microseconds(heal_at),
                           microseconds(heal_deadline));
}

heal_plan detail::plan_heal(const scenarios::scenario& sc,
                            const std::map<std::string, consumer_factory>& consumers,
                            std::optional<sim::time_us> heal_at_us,
                            std::optional<sim::time_us> heal_deadline_us) {
  heal_plan plan;
  scenarios::run_options opts;
  opts.trace = false;
  opts.consumers = consumers;
  opts.strategy = std::make_unique<sim::nominal_strategy>();
  plan.nominal = scenarios::run_scenario(sc, std::move(opts)).milestones;

  sim::time_us last_action = 0;
  for (const scenarios::action_spec& a : sc.actions) last_action = std::max(last_action, a.at_us);
  const sim::time_us span =
      std::max({last_action, plan.nominal.all_terminal_us.value_or(0),
                plan.nominal.all_terminal_us ? 0 : plan.nominal.last_activity_us.value_or(0)});
  constexpr sim::time_us k_margin_us = 5 * sim::k_minute_us;
  plan.heal_at_us = heal_at_us.value_or(std::min(
      std::max(last_action + k_margin_us, span + std::max(k_margin_us, span / 4)), sc.until_us));

  sim::time_us visibility_us = 0;
  sim::time_us delay_us = 0;
  for (const scenarios::queue_spec& q : sc.queues) {
    const bool read =
        std::any_of(sc.consumers.begin(), sc.consumers.end(),
                    [&](const scenarios::consumer_spec& c) { return c.queue == q.name; });
    if (read) {
      // SQS's default VisibilityTimeout is 30 seconds.
      visibility_us =
          std::max(visibility_us, q.visibility_timeout_us.value_or(30 * sim::k_second_us));
    }
    delay_us = std::max(delay_us, q.delay_us.value_or(0));
  }
  sim::time_us work_us = 0;
  for (const scenarios::consumer_spec& c : sc.consumers) {
    if (c.lambda) {
      // A Lambda consumer's work: its invoke, and the external job its handler may start (the
      // built-in handlers' JOB_DURATION / JOB_DURATION_MAX environment variables).
      sim::time_us job_us = 0;
      for (const char* name : {"JOB_DURATION", "JOB_DURATION_MAX"}) {
        const auto v = c.lambda->environment.find(name);
        if (v == c.lambda->environment.end()) continue;
        try {
          job_us = std::max(job_us, sim::parse_duration(v->second));
        } catch (const sim::duration_error&) {
          // the handler raises on it at run time; nothing to add here
        }
      }
      work_us = std::max(work_us, c.lambda->timeout_us + job_us);
      continue;
    }
    work_us = std::max({work_us, c.work.max_us, c.cleanup.max_us});
  }
  plan.heal_deadline_us = heal_deadline_us.value_or(span + 2 * visibility_us + delay_us + work_us +
                                                    10 * sim::k_minute_us);
  return plan;
}

run_options explore_failure::replay_options() const {
  run_options r;
  r.seed = seed;
  r.picks = picks;
  r.knob_overrides = fault_profile.knob_overrides();
  r.crash_probability = fault_profile.crashes;
  r.heal_at = duration(heal_at_us);
  r.heal_deadline = duration(heal_deadline_us);
  return r;
}

explore_failure detail::shrink(const scenarios::scenario& sc, const explore_options& o,
                               const failing_run& run, const heal_plan& heal) {
  const std::uint64_t run_index = run.run_index;
  const std::uint64_t seed = run.seed;
  const fault_profile& profile = run.profile;
  std::vector<std::uint64_t> picks = run.picks;
  const std::string& failed_check = run.failed_check;
  const clock_type::time_point t0 = clock_type::now();
  explore_failure f;
  f.heal_at_us = heal.heal_at_us;
  f.heal_deadline_us = heal.heal_deadline_us;
  f.run_index = run_index;
  f.seed = seed;
  f.original_fault_profile = profile;
  f.failed_check = failed_check;
  f.original_choices = picks.size();

  fault_profile current_profile = profile;
  std::vector<std::uint64_t> current = trimmed(std::move(picks));
  std::vector<choice_record> current_log;
  std::uint64_t runs = 0;
  // Does the candidate still fail the same check? If so it becomes the current schedule, in the
  // canonical form the run itself recorded (picks reduced to their ranges, nominal tail cut).
  auto try_schedule = [&](const fault_profile& p, std::unique_ptr<sim::strategy> candidate) {
    if (runs >= o.max_shrink_runs) return false;
    ++runs;
    scenarios::run_options opts = base_options(o, seed, p, heal);
    opts.strategy = std::make_unique<sim::phased_strategy>(std::move(candidate), heal.heal_at_us);
    scenarios::run_report r = scenarios::run_scenario(sc, std::move(opts));
    if (!failed(r, failed_check)) return false;
    current = trimmed(r.choices);
    current_log = std::move(r.choice_log);
    current_profile = p;
    return true;
  };
  auto still_fails = [&](const fault_profile& p, const std::vector<std::uint64_t>& candidate) {
    return try_schedule(p, std::make_unique<sim::list_strategy>(candidate));
  };
  auto still_fails_keyed = [&](const fault_profile& p,
                               std::map<keyed_strategy::key, std::uint64_t> candidate) {
    return try_schedule(p, std::make_unique<keyed_strategy>(std::move(candidate)));
  };

  // The original schedule as a list: it must fail again (it is the same run).
  still_fails(current_profile, current);
  for (bool progress = true; progress && runs < o.max_shrink_runs;) {
    progress = false;
    // 1. The shortest failing prefix (everything after it nominal), by bisection.
    for (std::size_t lo = 0, hi = current.size(); lo < hi;) {
      const std::size_t mid = lo + (hi - lo) / 2;
      const std::vector<std::uint64_t> prefix(current.begin(),
                                              current.begin() + static_cast<std::ptrdiff_t>(mid));
      if (still_fails(current_profile, prefix)) {
        hi = std::min(mid, current.size());
        progress = true;
      } else {
        lo = mid + 1;
      }
    }
    // 2. Whole chunks back to nominal, halving the chunk size (delta debugging).
    for (std::size_t size = std::max<std::size_t>(current.size() / 2, 1); size >= 1; size /= 2) {
      for (std::size_t start = 0; start < current.size(); start += size) {
        const std::size_t end = std::min(start + size, current.size());
        if (std::all_of(current.begin() + static_cast<std::ptrdiff_t>(start),
                        current.begin() + static_cast<std::ptrdiff_t>(end),
                        [](std::uint64_t p) { return p == 0; })) {
          continue;
        }
        std::vector<std::uint64_t> candidate = current;
        std::fill(candidate.begin() + static_cast<std::ptrdiff_t>(start),
                  candidate.begin() + static_cast<std::ptrdiff_t>(end), 0);
        if (still_fails(current_profile, candidate)) progress = true;
      }
      if (size == 1) break;
    }
    // 3. Smaller values: the least pick that still fails, by bisection (shorter delays,
    //    earlier racers).
    for (std::size_t i = 0; i < current.size(); ++i) {
      if (current[i] <= 1) continue;
      std::uint64_t lo = 1;
      std::uint64_t hi = current[i];
      while (lo < hi && i < current.size()) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        std::vector<std::uint64_t> candidate = current;
        candidate[i] = mid;
        if (still_fails(current_profile, candidate)) {
          progress = true;
          hi = i < current.size() ? std::min(mid, current[i]) : mid;
        } else {
          lo = mid + 1;
        }
      }
    }
    // 4. Each remaining deviation dropped on its own, by label and occurrence, so the choice
    //    points after it keep their picks even when dropping it changes how many come before.
    {
      const auto deviations = keyed(current_log);
      for (const auto& [k, pick] : deviations) {
        auto candidate = keyed(current_log);
        if (candidate.erase(k) == 0) continue;  // already gone with an earlier drop
        (void)pick;
        if (still_fails_keyed(current_profile, std::move(candidate))) progress = true;
      }
    }
    // 5. Fault classes the failure does not need, off (the schedule kept by label).
    for (const fault_class& c : fault_classes()) {
      fault_profile candidate = current_profile;
      c.set(candidate, false, 0.0);
      if (!(candidate == current_profile) && still_fails_keyed(candidate, keyed(current_log))) {
        progress = true;
      }
    }
  }

  f.fault_profile = current_profile;
  f.picks = current;
  f.shrink_runs = runs;
  // The shrunk run once more, traced, exactly as a replay will see it.
  pipesim::run_options replay = f.replay_options();
  replay.consumers = o.consumers;
  replay.lambda_handlers = o.lambda_handlers;
  scenarios::run_options opts = scenarios::internal_options(replay, seed);
  opts.keep_trace_lines = true;
  f.report = scenarios::run_scenario(sc, std::move(opts));
  for (std::size_t i = 0; i < f.report.choice_log.size(); ++i) {
    const choice_record& c = f.report.choice_log[i];
    if (c.pick != 0) f.deviations.push_back(deviation{i, c.at_us, c.label, c.pick, c.options});
  }
  f.shrink_seconds = seconds_since(t0);
  return f;
}

explore_result explore(const scenario& public_sc, const explore_options& o) {
  const scenarios::scenario& sc = detail::scenario_access::parsed(public_sc);
  if (o.shard_count == 0 || o.shard_index >= o.shard_count) {
    throw std::invalid_argument("explore: shard " + std::to_string(o.shard_index) + " of " +
                                std::to_string(o.shard_count) +
                                " (a shard index runs from 0 to the shard count - 1)");
  }
  explore_result result;
  const heal_plan heal =
      detail::plan_heal(sc, o.consumers, microseconds(o.heal_at), microseconds(o.heal_deadline));
  result.heal_at_us = heal.heal_at_us;
  result.heal_deadline_us = heal.heal_deadline_us;
  if (o.strategy == explore_strategy::pct) {
    // PCT needs k, the number of choice points in a run: measured on the nominal schedule with
    // every fault class on, so the change points spread over the faults' decision sites too.
    fault_profile all_on;
    for (const fault_class& c : fault_classes()) c.set(all_on, true, 0.2);
    scenarios::run_options opts = base_options(o, o.seed, o.fault_profile.value_or(all_on), heal);
    opts.strategy = std::make_unique<sim::nominal_strategy>();
    result.expected_steps =
        std::max<std::uint64_t>(scenarios::run_scenario(sc, std::move(opts)).choices.size(), 1);
  }
  const std::uint64_t batch = std::max<std::uint64_t>(64, 32ULL * std::max(o.jobs, 1U));
  const clock_type::time_point t0 = clock_type::now();
  // The run indices this exploration makes, in order: all of them, or one shard's (every
  // shard_count-th from shard_index, so shards share the early and the late runs alike).
  const std::uint64_t stride = std::max<std::uint64_t>(o.shard_count, 1);
  const std::uint64_t first = o.shard_index;
  const std::uint64_t planned = first < o.runs ? (o.runs - first + stride - 1) / stride : 0;
  const auto run_index = [&](std::uint64_t position) { return first + position * stride; };
  std::optional<std::uint64_t> failing;
  std::uint64_t failing_position = 0;
  std::vector<verdict> verdicts;
  std::map<std::string, explore_result::situation_coverage> covered;
  for (std::uint64_t base = 0; base < planned && !failing; base += batch) {
    const std::uint64_t n = std::min(batch, planned - base);
    verdicts.assign(n, verdict{});
    parallel_for(n, o.jobs, [&](std::size_t i) {
      const std::uint64_t seed = run_seed(o.seed, run_index(base + i));
      const fault_profile profile = o.fault_profile.value_or(swarm_profile(seed));
      scenarios::run_options opts = base_options(o, seed, profile, heal);
      opts.strategy = std::make_unique<sim::phased_strategy>(
          inner_strategy(o, seed, result.expected_steps), result.heal_at_us);
      scenarios::run_report r = scenarios::run_scenario(sc, std::move(opts));
      verdict& v = verdicts[i];
      v.ok = r.ok();
      v.milestones = r.milestones;
      v.events = r.events;
      v.sim_time_us = r.sim_time_us;
      v.reached = std::move(r.reached);
      if (!v.ok) {
        v.failed_check = first_failed_check(r);
        v.picks = std::move(r.choices);
      }
    });
    result.runs_executed += n;
    for (const verdict& v : verdicts) {
      result.events_executed += v.events;
      result.sim_time_executed_us += v.sim_time_us;
    }
    // Runs are judged in index order, so the first failure is the same whatever the thread count.
    for (std::uint64_t i = 0; i < n; ++i) {
      ++result.runs;
      result.events += verdicts[i].events;
      result.sim_time_us += verdicts[i].sim_time_us;
      const scenarios::run_milestones& m = verdicts[i].milestones;
      result.runs_reaching_callback_message += before(m.first_callback_message_us, heal.heal_at_us);
      result.runs_reaching_receive += before(m.first_receive_us, heal.heal_at_us);
      result.runs_reaching_answer += before(m.first_answer_us, heal.heal_at_us);
      for (const auto& [id, hits] : verdicts[i].reached) {
        explore_result::situation_coverage& c = covered[id];
        ++c.runs;
        c.hits += hits;
      }
      if (!verdicts[i].ok) {
        failing = run_index(base + i);
        failing_position = base + i;
        break;
      }
    }
    if (o.progress) o.progress(result.runs, planned);
  }
  result.seconds = seconds_since(t0);
  // The catalog, in its order, with what the runs reached; a situation reached but not in the
  // catalog would be a model that forgot to declare it, so it is listed too, never dropped.
  for (const sim::situation& s : scenarios::situations(sc)) {
    explore_result::situation_coverage c = covered[s.id];
    c.id = s.id;
    c.description = s.description;
    result.coverage.push_back(std::move(c));
    covered.erase(s.id);
  }
  for (auto& [id, c] : covered) {
    c.id = id;
    c.description = "(not declared by any model)";
    result.coverage.push_back(std::move(c));
  }
  for (const std::string& id : sc.expect.reached) {
    const auto it = std::find_if(result.coverage.begin(), result.coverage.end(),
                                 [&](const auto& c) { return c.id == id; });
    if (it == result.coverage.end() || it->runs == 0) result.unreached_required.push_back(id);
  }
  const std::pair<std::uint64_t, const char*> reached[] = {
      {result.runs_reaching_callback_message, "a callback message (SageMaker's SQS send)"},
      {result.runs_reaching_receive, "a consumer receive"},
      {result.runs_reaching_answer, "a Send* answer"}};
  for (const auto& [runs, what] : reached) {
    // Only a pass needs the caveat: a failure speaks for itself.
    if (runs == 0 && result.runs > 0 && !failing) {
      result.warnings.push_back(
          std::string("faults never reached ") + what + ": in none of the " +
          std::to_string(result.runs) + " runs did one happen before the heal point (" +
          sim::format_duration(heal.heal_at_us) + "); a later --heal-at lets faults reach it");
    }
  }
  if (failing) {
    const verdict& v = verdicts[failing_position % batch];
    const std::uint64_t seed = run_seed(o.seed, *failing);
    const fault_profile profile = o.fault_profile.value_or(swarm_profile(seed));
    // Without shrinking the failing run is still replayed with its trace, through the same path
    // with no shrink runs allowed.
    explore_options shrink_options = o;
    if (!o.shrink) shrink_options.max_shrink_runs = 0;
    result.failure =
        detail::shrink(sc, shrink_options,
                       detail::failing_run{*failing, seed, profile, v.picks, v.failed_check}, heal);
  }
  return result;
}

}  // namespace pipesim

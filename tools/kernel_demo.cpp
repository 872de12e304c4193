// The kernel demo model.
#include "kernel_demo.hpp"

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>

namespace pipesim::tools {
namespace {

struct board {
  std::deque<std::uint64_t> jobs;
  std::uint64_t next_job = 1;
};

void post(sim::simulation& s, board& b, sim::lane_id lane, kernel_demo_result& r) {
  const std::uint64_t job = b.next_job++;
  b.jobs.push_back(job);
  ++r.jobs_posted;
  s.record("job_posted", {{"job", job}});
  // Option 0 (nominal) is the shortest gap.
  const sim::time_us gap = s.choose_between("demo.arrival_gap_s", 1, 4) * sim::k_second_us;
  s.schedule_after(
      gap, [&s, &b, lane, &r] { post(s, b, lane, r); }, lane);
}

void poll(sim::simulation& s, board& b, sim::lane_id lane, sim::rng& work_rng,
          std::uint64_t& done) {
  const std::string& who = s.lane_name(lane);
  if (b.jobs.empty()) {
    s.schedule_after(
        2 * sim::k_second_us, [&, lane] { poll(s, b, lane, work_rng, done); }, lane);
    return;
  }
  const std::uint64_t job = b.jobs.front();
  b.jobs.pop_front();
  s.record("job_taken", {{"job", job}, {"worker", who}});
  const sim::time_us work = work_rng.between(1, 3) * sim::k_second_us;
  s.schedule_after(
      work,
      [&, lane, job] {
        ++done;
        s.record("job_done", {{"job", job}, {"worker", s.lane_name(lane)}});
        poll(s, b, lane, work_rng, done);
      },
      lane);
}

}  // namespace

kernel_demo_result run_kernel_demo(sim::simulation& s, sim::time_us horizon_us) {
  kernel_demo_result r;
  board b;
  const sim::lane_id producer = s.lane("producer");
  const sim::lane_id worker_a = s.lane("worker-a");
  const sim::lane_id worker_b = s.lane("worker-b");
  // Work durations come from named streams, not choice points: they are data, not schedule.
  sim::rng work_a = s.stream("demo.work.worker-a");
  sim::rng work_b = s.stream("demo.work.worker-b");
  s.schedule_at(
      0, [&] { post(s, b, producer, r); }, producer);
  s.schedule_at(
      0, [&] { poll(s, b, worker_a, work_a, r.jobs_done_a); }, worker_a);
  s.schedule_at(
      0, [&] { poll(s, b, worker_b, work_b, r.jobs_done_b); }, worker_b);
  r.run = s.run(sim::run_limits{horizon_us, 1'000'000});
  return r;
}

}  // namespace pipesim::tools

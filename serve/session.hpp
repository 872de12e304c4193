// One serve session: a scenario's world (or an empty one) that external requests and clock moves
// drive, one at a time, on the thread that owns it. Every input (request, clock move) is recorded
// in the trace at its virtual time, so `pipesim replay` re-runs the session without clients.
#pragma once

#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"
#include "wire/endpoint.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace serve {

/// The scenario a session runs when none is given: no queues, pipelines, consumers or actions;
/// clients create what they need (CreateQueue, CreatePipeline).
nlohmann::json empty_scenario_document();

class session {
 public:
  using reply_fn = std::function<void(const models::api_result&)>;

  /// `trace_sink` receives every trace line as it is recorded (nullptr: the trace is kept only
  /// in its digest).
  session(const scenarios::scenario& sc, std::ostream* trace_sink, bool keep_trace_lines = false);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Runs one call at the current virtual time. `reply` runs once: before submit returns for an
  /// answer available now, later (from inside advance) for a parked long poll. Returns whether the
  /// call was answered already.
  bool submit(const wire::call& c, reply_fn reply);

  /// Moves the clock to `to_us` (not before now), running every event up to it.
  void advance_to(sim::time_us to_us);
  /// Runs until nothing is pending (or the world is quiescent, or the scenario's horizon).
  void advance_until_idle();
  /// Runs the events of the next instant that has any; false when nothing is pending.
  bool advance_to_next_event();

  sim::time_us now() const noexcept;
  std::uint64_t pending_events() const noexcept;
  /// Calls not yet answered (parked long polls).
  std::size_t parked() const noexcept { return parked_; }

  /// What `pipesim run --json` prints for the world as of now.
  nlohmann::json report_json();
  /// The trace header line and the end line (`pipesim replay` checks the digest and count).
  nlohmann::json trace_header(const std::string& version);
  nlohmann::json trace_end();
  const std::vector<std::string>& trace_lines() const;

  const scenarios::scenario& scenario() const noexcept { return sc_; }

 private:
  models::api_result sagemaker_call(const std::string& operation, const nlohmann::json& params);
  void settle();

  scenarios::scenario sc_;
  std::unique_ptr<scenarios::stepped_run> run_;
  sim::lane_id clients_lane_;
  std::uint64_t requests_ = 0;
  std::size_t parked_ = 0;

  struct pipeline_record;
  std::map<std::string, std::unique_ptr<pipeline_record>> pipelines_;  // by name
};

}  // namespace serve

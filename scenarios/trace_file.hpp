// Trace files: what `pipesim run --trace`, `pipesim explore` and `pipesim serve` write and
// `pipesim replay` reads. One JSON header line (format version, pipesim version, seed, knobs, the
// scenario itself, and for an explored run its fault overrides and heal phase), the event lines,
// and an end line with the record count, the events' digest, every choice pick and a file digest.
//
// The file digest chains the header line and the rest of the end line, whose "digest" covers the
// events: editing any part of a trace (the seed, a knob, a pick, an event) is detected on reading
// and reported as an edited file, never mistaken for a replay that diverged.
#pragma once

#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace scenarios {

/// The trace file format this pipesim writes and reads.
constexpr int k_trace_format = 2;

/// A trace file that cannot be used as one (unreadable, not a trace, truncated, edited) or
/// written: bad input or environment (exit 2), unlike a replay that diverges.
class trace_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes a trace file atomically: lines go to PATH.tmp, renamed to PATH only when the end line
/// is written, so a killed run never leaves a half trace that looks whole.
class trace_writer {
 public:
  /// Opens PATH.tmp for writing; throws trace_error naming the path on failure.
  explicit trace_writer(std::string path);
  /// Removes the temporary file if finish() was never called.
  ~trace_writer();
  trace_writer(const trace_writer&) = delete;
  trace_writer& operator=(const trace_writer&) = delete;

  /// Writes the header line (first, once).
  void header(const nlohmann::json& header_line);
  /// The stream event lines go to (hand it to sim::trace::set_sink).
  std::ostream& stream() noexcept { return out_; }
  /// Adds the file digest to `end_line` (which must hold the events' "digest"), writes it,
  /// flushes, and renames PATH.tmp to PATH.
  void finish(nlohmann::json end_line);

 private:
  std::string path_;
  std::string tmp_path_;
  std::string header_;
  std::ofstream out_;
  bool finished_ = false;
};

struct recorded_trace {
  nlohmann::json header;
  std::vector<std::string> events;
  nlohmann::json end;
};

/// Reads and verifies a trace file. Throws trace_error naming the path and what is wrong.
recorded_trace read_trace(const std::string& path);

/// The header of a run's trace (the resolved knobs come from the report).
nlohmann::json trace_header(const scenario& sc, const run_report& r, const char* version);
/// The end line of a run's trace, before the file digest is added.
nlohmann::json trace_end(const run_report& r);
/// Writes a finished run whose trace lines were kept.
void write_trace(const std::string& path, const nlohmann::json& header, const run_report& r);
/// Adds what an explored run needs to be replayed: fault knobs, crash rate and heal phase.
void add_replay_settings(nlohmann::json& header, const run_options& o);

/// The scenario a trace was recorded from and the options that re-run it exactly.
scenario trace_scenario(const recorded_trace& t, const std::string& path);
run_options trace_replay_options(const recorded_trace& t);

struct replay_outcome {
  bool identical = false;
  std::size_t diverged_at = 0;  ///< Index of the first differing event (when !identical).
  std::string recorded;         ///< That event as recorded ("" if the recording ended).
  std::string replayed;         ///< That event as replayed ("" if the replay ended).
  /// The Lambda invoke the divergence happened in ("invoke <request id> of <function>"), if any:
  /// a user's handler that is not deterministic (wall clock, random, threads) shows up there.
  std::string invocation;
  run_report report;  ///< The replayed run.
};

/// Re-runs a verified trace and compares it event by event.
replay_outcome replay(const recorded_trace& t, const std::string& path);

}  // namespace scenarios

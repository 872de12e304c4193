// A run laid out as a sequence diagram: lanes (actors), rows (the drawn events in trace order),
// the marks on each lane, the arrows between lanes, and the failed checks pinned at their time.
// Built once from a trace file; every view (HTML, Chrome trace, Mermaid) draws from this.
#pragma once

#include "sim/time.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace report {

/// Who a lane stands for. The order here is the order lanes are drawn, left to right.
enum class lane_kind {
  actions,
  execution,
  step,
  queue,
  consumer,
  lambda,
  invocation,
  faults,
  other
};

/// "actions", "execution", ...
const char* to_string(lane_kind k) noexcept;

struct lane {
  lane_kind kind = lane_kind::other;
  std::string key;        ///< Unique: "queue:callbacks", "invoke:27abedaf-...".
  std::string title;      ///< What the header shows: "queue callbacks".
  std::string execution;  ///< The execution ARN the lane belongs to ("" for shared lanes).
};

/// One drawn trace record. Rows keep trace order; time only grows down the rows.
struct row {
  sim::time_us t_us = 0;
  std::size_t event = 0;  ///< Index into timeline::events.
  /// Virtual time since the previous row when it is long enough to be drawn as a gap (0: none).
  sim::time_us gap_us = 0;
  /// The executions the row is about ("" entries never appear; empty: about none in particular,
  /// shown whatever the filter).
  std::vector<std::string> executions;
};

/// A mark on one lane at one row.
struct mark {
  std::size_t row = 0;
  std::size_t lane = 0;
  std::string label;
  /// Style class: "status", "send", "stopping", "receive", "call-ok", "call-error", "fault",
  /// "warn", "delete", "faint", "error", "stop".
  std::string style;
};

/// An arrow from one lane at one row to another lane at a later (or the same) row.
struct arrow {
  std::size_t from_row = 0;
  std::size_t from_lane = 0;
  std::size_t to_row = 0;
  std::size_t to_lane = 0;
  std::string label;
  /// "delivery", "redelivery", "duplicate", "stopping", "delete", "call-ok", "call-error",
  /// "dlq".
  std::string style;
  std::string message_id;  ///< For the SQS arrows.
};

/// A failed invariant or expectation, pinned at the row where it was found (the last row for a
/// check made when the run ended).
struct pin {
  std::size_t row = 0;
  std::string id;    ///< Stable check id ("liveness", "expect.execution.run.status").
  std::string text;  ///< What failed, with its detail.
};

struct timeline {
  std::string title;     ///< "stop_during_callback, seed 1".
  std::string subtitle;  ///< "436 records, digest ..., result FAIL".
  std::vector<lane> lanes;
  std::vector<row> rows;
  std::vector<mark> marks;
  std::vector<arrow> arrows;
  std::vector<pin> pins;
  /// The drawn records, whole, for hovering (row::event indexes this).
  std::vector<nlohmann::json> events;
  std::vector<std::string> executions;  ///< Every execution ARN, in order of appearance.
  std::size_t records = 0;              ///< Records in the trace.
  /// Records not drawn, by type: empty long polls and nominal choices, which would bury the rest.
  std::size_t undrawn = 0;
  sim::time_us end_us = 0;  ///< The time of the last record.
};

/// A gap longer than this between two rows is drawn as a break in the time axis.
constexpr sim::time_us k_gap_threshold_us = 1'000'000;

/// Lays out a run from its trace: the header line, the event lines and the end line, as a trace
/// file holds them (see scenarios/trace_file.hpp). Event lines that are not JSON objects are
/// skipped; a record of a type this version does not know is drawn on the "other" lane with
/// its type, never dropped.
timeline build_timeline(const nlohmann::json& header, const std::vector<std::string>& events,
                        const nlohmann::json& end);

/// "arn:...:pipeline/train/execution/abc" -> "train/abc".
std::string short_execution(const std::string& arn);

}  // namespace report

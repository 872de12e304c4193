// The views of a timeline: a self-contained HTML page, Chrome's Trace Event Format, and a
// Mermaid sequence diagram.
#pragma once

#include "report/timeline.hpp"

#include <string>

namespace report {

/// One HTML file that needs nothing else: inline SVG drawn here (so the page reads without
/// scripts, and tests can parse it), inline CSS, and a small script for hovering (the whole
/// record), collapsing a lane and filtering by execution. Nothing is fetched.
std::string to_html(const timeline& t);

/// Trace Event Format JSON (what Perfetto and chrome://tracing open): a thread per lane, an
/// instant event per mark, a complete event per status span and per Lambda invocation, and a
/// flow event per arrow. Timestamps are virtual microseconds.
std::string to_chrome(const timeline& t);

/// A Mermaid `sequenceDiagram`: a participant per lane, a message per arrow, a note per status
/// change, the stop and the failed checks; each arrow labelled with its virtual time.
std::string to_mermaid(const timeline& t);

}  // namespace report

// The Mermaid view: a sequenceDiagram to paste into an issue or a pull request. Mermaid has no
// time axis, so each line starts with its virtual time; details (faint marks) are left out to
// keep it short enough to read where it is pasted.
#include "report/views.hpp"

#include <algorithm>

namespace report {

namespace {

// Text Mermaid takes as a label: ';' and '#' start statements and entities there, '<' and '>'
// are read as HTML, and a label ends at the line.
std::string clean(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case ';':
        out += ',';
        break;
      case '#':
        out += "no. ";
        break;
      case '<':
        out += '(';
        break;
      case '>':
        out += ')';
        break;
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      case '%':
        out += " percent";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string id(std::size_t lane) { return "L" + std::to_string(lane); }

std::string arrow_of(const std::string& style) {
  if (style == "delete" || style == "dlq") return "-->>";
  if (style == "call-error") return "-x";
  return "->>";
}

}  // namespace

std::string to_mermaid(const timeline& t) {
  std::string out = "sequenceDiagram\n";
  out += "  title " + clean(t.title) + "\n";
  for (std::size_t l = 0; l < t.lanes.size(); ++l) {
    out += "  participant " + id(l) + " as " + clean(t.lanes[l].title) + "\n";
  }
  // Arrows at their receiving row, notes at theirs; in row order.
  struct line {
    std::size_t row;
    std::size_t order;
    std::string text;
  };
  std::vector<line> lines;
  std::size_t order = 0;
  const auto at = [&](std::size_t row) { return sim::format_duration(t.rows[row].t_us) + " "; };
  for (const arrow& a : t.arrows) {
    lines.push_back({a.to_row, order++,
                     "  " + id(a.from_lane) + arrow_of(a.style) + id(a.to_lane) + ": " +
                         clean(at(a.to_row) + a.label)});
  }
  for (const mark& m : t.marks) {
    const bool note = m.style == "status" || m.style == "stop" || m.style == "fault" ||
                      m.style == "error" || m.style == "stopping" || m.style == "warn";
    if (!note) continue;
    lines.push_back(
        {m.row, order++, "  Note over " + id(m.lane) + ": " + clean(at(m.row) + m.label)});
  }
  for (const pin& p : t.pins) {
    const std::string span = t.lanes.empty() ? "" : id(0) + "," + id(t.lanes.size() - 1);
    if (span.empty()) continue;
    lines.push_back({p.row, order++, "  Note over " + span + ": " + clean("FAIL " + p.text)});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) {
    return a.row != b.row ? a.row < b.row : a.order < b.order;
  });
  for (const line& l : lines) out += l.text + "\n";
  return out;
}

}  // namespace report

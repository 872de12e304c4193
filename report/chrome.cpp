// The Chrome view: the Trace Event Format (the "JSON Object Format" of Google's Trace Event
// Format document, which Perfetto and chrome://tracing open). One process; a thread per lane,
// named and sorted as the HTML draws them; timestamps are virtual microseconds, which is the
// format's unit.
#include "report/views.hpp"

namespace report {

using nlohmann::json;

namespace {

int tid(std::size_t lane) { return static_cast<int>(lane) + 1; }

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string to_chrome(const timeline& t) {
  json events = json::array();
  events.push_back({{"name", "process_name"},
                    {"ph", "M"},
                    {"pid", 1},
                    {"tid", 0},
                    {"args", {{"name", "pipesim: " + t.title}}}});
  for (std::size_t l = 0; l < t.lanes.size(); ++l) {
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", 1},
                      {"tid", tid(l)},
                      {"args", {{"name", t.lanes[l].title}}}});
    events.push_back({{"name", "thread_sort_index"},
                      {"ph", "M"},
                      {"pid", 1},
                      {"tid", tid(l)},
                      {"args", {{"sort_index", l}}}});
  }
  // Spans: an execution's or step's status lasts until its next status; an invocation lasts
  // from its first mark to its last.
  std::vector<std::vector<const mark*>> by_lane(t.lanes.size());
  for (const mark& m : t.marks) by_lane[m.lane].push_back(&m);
  for (std::size_t l = 0; l < t.lanes.size(); ++l) {
    const lane_kind k = t.lanes[l].kind;
    const std::vector<const mark*>& marks = by_lane[l];
    if (k == lane_kind::execution || k == lane_kind::step) {
      std::vector<const mark*> statuses;
      for (const mark* m : marks) {
        if (m->style == "status" && starts_with(m->label, "is ")) statuses.push_back(m);
      }
      for (std::size_t i = 0; i < statuses.size(); ++i) {
        const sim::time_us from = t.rows[statuses[i]->row].t_us;
        const sim::time_us to =
            i + 1 < statuses.size() ? t.rows[statuses[i + 1]->row].t_us : t.end_us;
        events.push_back({{"name", statuses[i]->label.substr(3)},
                          {"cat", "status"},
                          {"ph", "X"},
                          {"ts", from},
                          {"dur", to - from},
                          {"pid", 1},
                          {"tid", tid(l)}});
      }
    } else if (k == lane_kind::invocation && !marks.empty()) {
      const sim::time_us from = t.rows[marks.front()->row].t_us;
      const sim::time_us to = t.rows[marks.back()->row].t_us;
      events.push_back({{"name", t.lanes[l].title},
                        {"cat", "invocation"},
                        {"ph", "X"},
                        {"ts", from},
                        {"dur", to - from},
                        {"pid", 1},
                        {"tid", tid(l)}});
    }
  }
  for (const mark& m : t.marks) {
    events.push_back({{"name", m.label},
                      {"cat", m.style},
                      {"ph", "i"},
                      {"s", "t"},
                      {"ts", t.rows[m.row].t_us},
                      {"pid", 1},
                      {"tid", tid(m.lane)},
                      {"args", t.events[t.rows[m.row].event]}});
  }
  // Arrows as flow events: a start on the sender's thread, a finish bound to the receiver's.
  for (std::size_t i = 0; i < t.arrows.size(); ++i) {
    const arrow& a = t.arrows[i];
    events.push_back({{"name", a.label},
                      {"cat", a.style},
                      {"ph", "s"},
                      {"id", i + 1},
                      {"ts", t.rows[a.from_row].t_us},
                      {"pid", 1},
                      {"tid", tid(a.from_lane)}});
    events.push_back({{"name", a.label},
                      {"cat", a.style},
                      {"ph", "f"},
                      {"bp", "e"},
                      {"id", i + 1},
                      {"ts", t.rows[a.to_row].t_us},
                      {"pid", 1},
                      {"tid", tid(a.to_lane)}});
  }
  for (const pin& p : t.pins) {
    events.push_back({{"name", "FAIL " + p.text},
                      {"cat", "check"},
                      {"ph", "i"},
                      {"s", "g"},
                      {"ts", t.rows.empty() ? 0 : t.rows[p.row].t_us},
                      {"pid", 1},
                      {"tid", 0},
                      {"args", {{"check", p.id}}}});
  }
  const json out{{"traceEvents", events},
                 {"displayTimeUnit", "ms"},
                 {"otherData", {{"title", t.title}, {"subtitle", t.subtitle}}}};
  return out.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace report

// The HTML view: the diagram is drawn here as SVG, positions included, so the page reads without
// its script; the script only re-lays it out (a lane collapsed, an execution filtered) with the
// same arithmetic as layout() below, and shows a record when hovered.
#include "report/views.hpp"

#include <algorithm>
#include <string_view>

namespace report {

using nlohmann::json;

namespace {

// The geometry, shared with the script through the page's layout JSON.
constexpr int k_left = 110;      // the time column
constexpr int k_column = 180;    // a lane
constexpr int k_collapsed = 26;  // a collapsed lane
constexpr int k_row = 20;        // a row
constexpr int k_gap = 28;        // the break drawn before a gap row
constexpr std::size_t k_label_chars = 27;
constexpr std::size_t k_head_chars = 22;  // bold, in a box

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters from a handler's output would make the document invalid XML.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

// A label that fits its lane; the whole record is one hover away. Cuts on a UTF-8 boundary.
std::string fit(const std::string& s, std::size_t chars = k_label_chars) {
  if (s.size() <= chars) return s;
  std::size_t cut = chars - 1;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "\xE2\x80\xA6";
}

// JSON inside a <script> element: '<' escaped so no "</script>" or "<!--" can end it early, and
// bytes that are not UTF-8 (a handler may print anything) replaced.
std::string script_json(const json& j) {
  const std::string raw = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

struct geometry {
  std::vector<int> lane_x;  // a lane's centre
  std::vector<int> row_y;   // a row's centre
  int width = 0;
  int height = 0;
};

geometry layout(const timeline& t) {
  geometry g;
  int x = k_left;
  for (std::size_t i = 0; i < t.lanes.size(); ++i) {
    g.lane_x.push_back(x + k_column / 2);
    x += k_column;
  }
  g.width = x + 20;
  int y = 10;
  for (const row& r : t.rows) {
    if (r.gap_us > 0) y += k_gap;
    g.row_y.push_back(y + k_row / 2);
    y += k_row;
  }
  g.height = y + 40;
  return g;
}

std::string ids_of(const row& r, const timeline& t) {
  std::string out;
  for (const std::string& e : r.executions) {
    const auto it = std::find(t.executions.begin(), t.executions.end(), e);
    if (it == t.executions.end()) continue;
    out += (out.empty() ? "" : " ") + std::to_string(it - t.executions.begin());
  }
  return out;
}

std::string arrow_path(int x1, int y1, int x2, int y2) {
  if (x1 == x2) {  // to its own lane: a loop out to the right
    return "M" + std::to_string(x1) + " " + std::to_string(y1) + " C" + std::to_string(x1 + 50) +
           " " + std::to_string(y1) + " " + std::to_string(x2 + 50) + " " + std::to_string(y2) +
           " " + std::to_string(x2 + 6) + " " + std::to_string(y2);
  }
  const int end = x2 + (x2 > x1 ? -6 : 6);  // stop short of the mark's dot
  return "M" + std::to_string(x1) + " " + std::to_string(y1) + " L" + std::to_string(end) + " " +
         std::to_string(y2);
}

constexpr std::string_view k_style = R"css(
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; color: #1a202c; }
body { margin: 0; background: #fff; }
header { padding: 10px 16px; border-bottom: 1px solid #e2e8f0; background: #f7fafc; }
h1 { font-size: 17px; margin: 0 0 2px; }
header p { margin: 2px 0; color: #4a5568; }
.controls { margin-top: 6px; display: flex; gap: 18px; align-items: center; flex-wrap: wrap; }
.failures { margin: 6px 0 0; padding: 0; list-style: none; }
.failures li { color: #c53030; font-weight: 600; cursor: pointer; }
.legend span { margin-right: 10px; white-space: nowrap; }
.legend i { display: inline-block; width: 18px; height: 3px; vertical-align: middle; margin-right: 4px; }
#heads { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #cbd5e0; }
#heads svg, #chart svg { display: block; }
.lane-head rect { fill: #edf2f7; stroke: #cbd5e0; }
.lane-head text { font-weight: 600; font-size: 12px; }
.lane-head { cursor: pointer; }
.lane-head.execution rect, .lane-head.step rect { fill: #ebf4ff; }
.lane-head.queue rect { fill: #f0fff4; }
.lane-head.consumer rect, .lane-head.invocation rect, .lane-head.lambda rect { fill: #fffaf0; }
.lane-head.faults rect { fill: #fff5f7; }
.lane-head.collapsed text { display: none; }
.lifeline { stroke: #e2e8f0; stroke-width: 1; }
.time { fill: #4a5568; font-size: 11px; font-variant-numeric: tabular-nums; }
.gap rect { fill: #f7fafc; }
.gap line { stroke: #a0aec0; stroke-dasharray: 4 3; }
.gap text { fill: #718096; font-size: 11px; font-style: italic; }
.band.stop { fill: #fffaf0; }
.mark circle { fill: #4a5568; }
.mark text { font-size: 11.5px; dominant-baseline: middle; }
.mark.status circle { fill: #2b6cb0; }
.mark.status text { fill: #2b6cb0; font-weight: 600; }
.mark.send circle { fill: #6b46c1; }
.mark.receive circle { fill: #2f855a; }
.mark.stopping circle, .mark.stop circle { fill: #dd6b20; r: 6; }
.mark.stopping text, .mark.stop text { fill: #c05621; font-weight: 700; }
.mark.call-ok circle { fill: #38a169; }
.mark.call-error circle, .mark.error circle { fill: #e53e3e; }
.mark.call-error text, .mark.error text { fill: #c53030; font-weight: 600; }
.mark.fault circle { fill: #d53f8c; r: 5; }
.mark.fault text { fill: #b83280; font-weight: 600; }
.mark.warn circle { fill: #d69e2e; }
.mark.warn text { fill: #975a16; }
.mark.delete circle { fill: #718096; }
.mark.faint circle { fill: #cbd5e0; }
.mark.faint text { fill: #718096; }
.hide-faint .mark.faint { display: none; }
.collapsed-lane text { display: none; }
.arrow { fill: none; stroke-width: 1.6; }
.arrow.delivery { stroke: #2f855a; }
.arrow.redelivery { stroke: #d69e2e; stroke-dasharray: 6 3; }
.arrow.duplicate { stroke: #d53f8c; stroke-dasharray: 2 3; stroke-width: 2; }
.arrow.stopping { stroke: #dd6b20; stroke-width: 3; }
.arrow.delete { stroke: #718096; stroke-dasharray: 1 3; }
.arrow.call, .arrow.call-ok { stroke: #38a169; }
.arrow.call-error { stroke: #e53e3e; }
.arrow.dlq { stroke: #9b2c2c; stroke-width: 2.5; }
.arrow:hover, .mark:hover text { stroke-width: 3.5; text-decoration: underline; }
.pin line { stroke: #e53e3e; stroke-width: 2; }
.pin rect { fill: #fff5f5; stroke: #e53e3e; }
.pin text { fill: #c53030; font-weight: 700; font-size: 12px; dominant-baseline: middle; }
#tip { position: fixed; z-index: 5; max-width: 620px; max-height: 70vh; overflow: auto; background: #1a202c; color: #f7fafc;
       font: 11px ui-monospace, monospace; white-space: pre-wrap; padding: 8px 10px; border-radius: 4px; pointer-events: none; }
)css";

constexpr std::string_view k_script = R"js(
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) {
    errors.push(String(e.message));
    document.body.setAttribute("data-errors", errors.join("\n"));
  });
  var G = JSON.parse(document.getElementById("pipesim-layout").textContent);
  var EVENTS = JSON.parse(document.getElementById("pipesim-events").textContent);
  var collapsed = {};
  var chart = document.getElementById("chart-svg");
  var heads = document.getElementById("heads-svg");
  var select = document.getElementById("execution");
  var tip = document.getElementById("tip");
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function shown(row) {
    var want = select.value;
    if (want === "") return true;
    var ex = G.rows[row].x;
    return ex.length === 0 || ex.indexOf(+want) >= 0;
  }
  // A lane of another execution than the one filtered for is hidden (its width is 0).
  function laneShown(l) {
    var want = select.value;
    return want === "" || G.lane_execution[l] < 0 || G.lane_execution[l] === +want;
  }
  function laneWidth(l) {
    if (!laneShown(l)) return 0;
    return collapsed[l] ? G.collapsed : G.column;
  }
  // The same arithmetic as layout() in report/html.cpp.
  function layout() {
    var laneX = [], x = G.left;
    for (var l = 0; l < G.lanes; l++) {
      var w = laneWidth(l);
      laneX.push(x + w / 2);
      x += w;
    }
    var rowY = [], y = 10;
    for (var r = 0; r < G.rows.length; r++) {
      if (!shown(r)) { rowY.push(null); continue; }
      if (G.rows[r].gap) y += G.gap;
      rowY.push(y + G.row / 2);
      y += G.row;
    }
    var width = x + 20, height = y + 40;
    chart.setAttribute("width", width); chart.setAttribute("height", height);
    heads.setAttribute("width", width);
    all("#heads-svg .lane-head").forEach(function (g) {
      var l = +g.dataset.lane, w = laneWidth(l);
      g.style.display = w === 0 ? "none" : "";
      if (w === 0) return;
      g.setAttribute("transform", "translate(" + (laneX[l] - w / 2) + ",0)");
      g.querySelector("rect").setAttribute("width", w - 4);
      g.classList.toggle("collapsed", !!collapsed[l]);
    });
    all("#chart-svg .lifeline").forEach(function (ln) {
      var l = +ln.dataset.lane;
      ln.style.display = laneShown(l) ? "" : "none";
      ln.setAttribute("x1", laneX[l]); ln.setAttribute("x2", laneX[l]); ln.setAttribute("y2", height);
    });
    all("#chart-svg [data-row]").forEach(function (el) {
      var r = +el.dataset.row, y = rowY[r];
      if (y === null) { el.style.display = "none"; return; }
      el.style.display = "";
      if (el.classList.contains("mark")) {
        var l = +el.dataset.lane;
        if (!laneShown(l)) { el.style.display = "none"; return; }
        el.setAttribute("transform", "translate(" + laneX[l] + "," + y + ")");
        el.classList.toggle("collapsed-lane", !!collapsed[l]);
      } else {
        el.setAttribute("transform", "translate(0," + y + ")");
      }
    });
    all("#chart-svg .arrow").forEach(function (a) {
      var y1 = rowY[+a.dataset.r1], y2 = rowY[+a.dataset.r2];
      if (y1 === null || y2 === null || !laneShown(+a.dataset.l1) || !laneShown(+a.dataset.l2)) {
        a.style.display = "none";
        return;
      }
      a.style.display = "";
      var x1 = laneX[+a.dataset.l1], x2 = laneX[+a.dataset.l2];
      var d;
      if (x1 === x2) d = "M" + x1 + " " + y1 + " C" + (x1 + 50) + " " + y1 + " " + (x2 + 50) + " " + y2 + " " + (x2 + 6) + " " + y2;
      else d = "M" + x1 + " " + y1 + " L" + (x2 + (x2 > x1 ? -6 : 6)) + " " + y2;
      a.setAttribute("d", d);
    });
    all("#chart-svg .rule").forEach(function (el) { el.setAttribute("x2", width); });
  }
  all("#heads-svg .lane-head").forEach(function (g) {
    g.addEventListener("click", function () {
      var l = +g.dataset.lane;
      collapsed[l] = !collapsed[l];
      layout();
    });
  });
  // "#execution=N" in the address filters on load (a link to one execution of a large run).
  var chosen = /[#&]execution=(\d+)/.exec(window.location.hash);
  if (chosen && +chosen[1] < select.options.length - 1) select.value = chosen[1];
  select.addEventListener("change", function () {
    window.location.hash = select.value === "" ? "" : "execution=" + select.value;
    layout();
  });
  document.getElementById("details").addEventListener("change", function (e) {
    chart.classList.toggle("hide-faint", !e.target.checked);
  });
  all(".failures li").forEach(function (li) {
    li.addEventListener("click", function () {
      var pin = document.querySelector('#chart-svg .pin[data-pin="' + li.dataset.pin + '"]');
      if (pin) pin.scrollIntoView({ block: "center" });
    });
  });
  document.addEventListener("mousemove", function (e) {
    var el = e.target.closest ? e.target.closest("[data-e]") : null;
    if (!el) { tip.hidden = true; return; }
    tip.textContent = JSON.stringify(EVENTS[+el.dataset.e], null, 2);
    tip.hidden = false;
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) x = Math.max(0, e.clientX - tip.offsetWidth - 14);
    if (y + tip.offsetHeight > window.innerHeight) y = Math.max(0, window.innerHeight - tip.offsetHeight - 4);
    tip.style.left = x + "px"; tip.style.top = y + "px";
  });
  layout();
  document.body.setAttribute("data-status", "ready");
})();
)js";

}  // namespace

std::string to_html(const timeline& t) {
  const geometry g = layout(t);
  std::string h;
  h.reserve(4096 + t.rows.size() * 600);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"generator\" content=\"pipesim report\">\n";
  h += "<title>pipesim: " + escape(t.title) + "</title>\n<style>";
  h += k_style;
  h += "</style>\n</head>\n<body data-status=\"loading\">\n<header>\n<h1>" + escape(t.title) +
       "</h1>\n<p>" + escape(t.subtitle) + "</p>\n";
  if (!t.pins.empty()) {
    h += "<ul class=\"failures\">\n";
    for (std::size_t i = 0; i < t.pins.size(); ++i) {
      h += "<li data-pin=\"" + std::to_string(i) + "\">FAIL " + escape(t.pins[i].text) + " (at " +
           sim::format_duration(t.rows.empty() ? 0 : t.rows[t.pins[i].row].t_us) + ")</li>\n";
    }
    h += "</ul>\n";
  }
  h += "<div class=\"controls\"><label>Execution <select id=\"execution\"><option "
       "value=\"\">all</option>";
  for (std::size_t i = 0; i < t.executions.size(); ++i) {
    h += "<option value=\"" + std::to_string(i) + "\">" + escape(short_execution(t.executions[i])) +
         "</option>";
  }
  h += "</select></label><label><input type=\"checkbox\" id=\"details\" checked> details</label>";
  h += "<span>click a lane's name to collapse it; hover anything for its record</span>";
  if (t.undrawn > 0) {
    h += "<span>" + std::to_string(t.undrawn) +
         " records not drawn (empty long polls, nominal choices)</span>";
  }
  h += "</div>\n<div class=\"controls legend\">"
       "<span><i style=\"background:#2f855a\"></i>delivery</span>"
       "<span><i style=\"background:#d69e2e\"></i>redelivery</span>"
       "<span><i style=\"background:#d53f8c\"></i>duplicate</span>"
       "<span><i style=\"background:#dd6b20\"></i>Stopping message</span>"
       "<span><i style=\"background:#718096\"></i>delete</span>"
       "<span><i style=\"background:#38a169\"></i>call ok</span>"
       "<span><i style=\"background:#e53e3e\"></i>call error</span>"
       "<span><i style=\"background:#9b2c2c\"></i>to DLQ</span></div>\n</header>\n";

  // Lane names, in a strip that stays on top while the diagram scrolls.
  h += "<div id=\"heads\"><svg id=\"heads-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
       std::to_string(g.width) + "\" height=\"34\">\n";
  h += "<text x=\"8\" y=\"21\" font-weight=\"600\">virtual time</text>\n";
  for (std::size_t l = 0; l < t.lanes.size(); ++l) {
    const lane& ln = t.lanes[l];
    h += "<g class=\"lane-head " + std::string(to_string(ln.kind)) + "\" data-lane=\"" +
         std::to_string(l) + "\" data-kind=\"" + to_string(ln.kind) + "\" data-key=\"" +
         escape(ln.key) + "\" transform=\"translate(" + std::to_string(g.lane_x[l] - k_column / 2) +
         ",0)\"><title>" + escape(ln.title) + "</title><rect x=\"2\" y=\"4\" width=\"" +
         std::to_string(k_column - 4) + "\" height=\"26\" rx=\"3\"/><text x=\"8\" y=\"21\">" +
         escape(fit(ln.title, k_head_chars)) + "</text></g>\n";
  }
  h += "</svg></div>\n";

  h += "<div id=\"chart\"><svg id=\"chart-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
       std::to_string(g.width) + "\" height=\"" + std::to_string(g.height) + "\">\n";
  h += "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
       "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" "
       "fill=\"context-stroke\"/></marker></defs>\n";
  // Bands under everything: the stop's rows and the gaps.
  // The rows that hold the stop, found in one pass over the marks.
  std::vector<bool> stop_rows(t.rows.size(), false);
  for (const mark& m : t.marks) {
    if (m.style == "stop" || m.style == "stopping") stop_rows[m.row] = true;
  }
  h += "<g id=\"bands\">\n";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (stop_rows[r]) {
      h += "<g data-row=\"" + std::to_string(r) + "\" transform=\"translate(0," +
           std::to_string(g.row_y[r]) + ")\"><rect class=\"band stop\" x=\"0\" y=\"" +
           std::to_string(-k_row / 2) + "\" width=\"" + std::to_string(g.width) + "\" height=\"" +
           std::to_string(k_row) + "\"/></g>\n";
    }
    if (t.rows[r].gap_us > 0) {
      h += "<g class=\"gap\" data-row=\"" + std::to_string(r) + "\" transform=\"translate(0," +
           std::to_string(g.row_y[r]) + ")\"><rect x=\"0\" y=\"" +
           std::to_string(-k_row / 2 - k_gap + 4) + "\" width=\"" + std::to_string(g.width) +
           "\" height=\"" + std::to_string(k_gap - 8) + "\"/><line class=\"rule\" x1=\"0\" y1=\"" +
           std::to_string(-k_row / 2 - k_gap / 2) + "\" x2=\"" + std::to_string(g.width) +
           "\" y2=\"" + std::to_string(-k_row / 2 - k_gap / 2) + "\"/><text x=\"8\" y=\"" +
           std::to_string(-k_row / 2 - k_gap / 2 - 3) + "\">" +
           escape(sim::format_duration(t.rows[r].gap_us)) + " later</text></g>\n";
    }
  }
  h += "</g>\n<g id=\"lifelines\">\n";
  for (std::size_t l = 0; l < t.lanes.size(); ++l) {
    h += "<line class=\"lifeline\" data-lane-line=\"" + std::to_string(l) + "\" data-lane=\"" +
         std::to_string(l) + "\" x1=\"" + std::to_string(g.lane_x[l]) + "\" y1=\"0\" x2=\"" +
         std::to_string(g.lane_x[l]) + "\" y2=\"" + std::to_string(g.height) + "\"/>\n";
  }
  h += "</g>\n<g id=\"times\">\n";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (r > 0 && t.rows[r - 1].t_us == t.rows[r].t_us && t.rows[r].gap_us == 0) continue;
    h += "<g data-row=\"" + std::to_string(r) + "\" transform=\"translate(0," +
         std::to_string(g.row_y[r]) + ")\"><text class=\"time\" x=\"8\" y=\"4\">" +
         escape(sim::format_duration(t.rows[r].t_us)) + "</text></g>\n";
  }
  h += "</g>\n<g id=\"arrows\">\n";
  for (const arrow& a : t.arrows) {
    h += "<path class=\"arrow " + a.style + "\" data-e=\"" +
         std::to_string(t.rows[a.to_row].event) + "\" data-r1=\"" + std::to_string(a.from_row) +
         "\" data-l1=\"" + std::to_string(a.from_lane) + "\" data-r2=\"" +
         std::to_string(a.to_row) + "\" data-l2=\"" + std::to_string(a.to_lane) +
         (a.message_id.empty() ? "" : "\" data-message=\"" + escape(a.message_id)) +
         "\" marker-end=\"url(#head)\" d=\"" +
         arrow_path(g.lane_x[a.from_lane], g.row_y[a.from_row], g.lane_x[a.to_lane],
                    g.row_y[a.to_row]) +
         "\"><title>" + escape(a.label) + "</title></path>\n";
  }
  h += "</g>\n<g id=\"marks\">\n";
  for (const mark& m : t.marks) {
    const row& r = t.rows[m.row];
    h += "<g class=\"mark " + m.style + "\" data-row=\"" + std::to_string(m.row) +
         "\" data-lane=\"" + std::to_string(m.lane) + "\" data-e=\"" + std::to_string(r.event) +
         "\" data-x=\"" + ids_of(r, t) + "\" transform=\"translate(" +
         std::to_string(g.lane_x[m.lane]) + "," + std::to_string(g.row_y[m.row]) +
         ")\"><circle r=\"4\"/><text x=\"8\" y=\"0\">" + escape(fit(m.label)) + "</text><title>" +
         escape(m.label) + "</title></g>\n";
  }
  h += "</g>\n<g id=\"pins\">\n";
  for (std::size_t i = 0; i < t.pins.size(); ++i) {
    const pin& p = t.pins[i];
    h += "<g class=\"pin\" data-pin=\"" + std::to_string(i) + "\" data-check=\"" + escape(p.id) +
         "\" data-row=\"" + std::to_string(p.row) + "\" transform=\"translate(0," +
         std::to_string(g.row_y.empty() ? 0 : g.row_y[p.row]) +
         ")\"><line class=\"rule\" x1=\"0\" y1=\"" + std::to_string(k_row / 2) + "\" x2=\"" +
         std::to_string(g.width) + "\" y2=\"" + std::to_string(k_row / 2) + "\"/><text x=\"" +
         std::to_string(k_left) + "\" y=\"" +
         std::to_string(k_row / 2 + 12 + 14 * static_cast<int>(i)) + "\">FAIL " + escape(p.text) +
         "</text></g>\n";
  }
  h += "</g>\n</svg></div>\n<div id=\"tip\" hidden></div>\n";

  json rows = json::array();
  for (const row& r : t.rows) {
    json ex = json::array();
    for (const std::string& e : r.executions) {
      const auto it = std::find(t.executions.begin(), t.executions.end(), e);
      if (it != t.executions.end()) ex.push_back(it - t.executions.begin());
    }
    rows.push_back({{"gap", r.gap_us > 0}, {"x", ex}});
  }
  json lane_execution = json::array();
  for (const lane& l : t.lanes) {
    const auto it = std::find(t.executions.begin(), t.executions.end(), l.execution);
    lane_execution.push_back(l.execution.empty() || it == t.executions.end()
                                 ? std::int64_t{-1}
                                 : static_cast<std::int64_t>(it - t.executions.begin()));
  }
  const json geometry_json{{"left", k_left},
                           {"column", k_column},
                           {"collapsed", k_collapsed},
                           {"row", k_row},
                           {"gap", k_gap},
                           {"lanes", t.lanes.size()},
                           {"lane_execution", lane_execution},
                           {"rows", rows}};
  h += "<script type=\"application/json\" id=\"pipesim-layout\">" + script_json(geometry_json) +
       "</script>\n";
  h += "<script type=\"application/json\" id=\"pipesim-events\">" + script_json(json(t.events)) +
       "</script>\n<script>";
  h += k_script;
  h += "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace report

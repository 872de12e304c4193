// Trace files: writing, reading, verifying and replaying.
#include "trace_file.hpp"

#include "sim/strategy.hpp"
#include "sim/time.hpp"
#include "sim/trace.hpp"

#include <cstdio>

namespace scenarios {

using nlohmann::json;

namespace {

std::uint64_t file_digest(const std::string& header_line, json end_line) {
  end_line.erase("file_digest");
  return sim::digest_line(end_line.dump(), sim::digest_line(header_line, sim::k_digest_basis));
}

}  // namespace

trace_writer::trace_writer(std::string path) : path_(std::move(path)), tmp_path_(path_ + ".tmp") {
  out_.open(tmp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw trace_error("cannot write the trace file " + tmp_path_);
}

trace_writer::~trace_writer() {
  if (!finished_) {
    out_.close();
    std::remove(tmp_path_.c_str());
  }
}

void trace_writer::header(const json& header_line) {
  header_ = header_line.dump();
  out_ << header_ << '\n';
}

void trace_writer::finish(json end_line) {
  end_line["file_digest"] = sim::format_digest(file_digest(header_, end_line));
  out_ << end_line.dump() << '\n';
  out_.flush();
  out_.close();
  if (!out_ || std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    throw trace_error("cannot write the trace file " + path_);
  }
  finished_ = true;
}

recorded_trace read_trace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw trace_error(path + ": cannot read the file");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto bad = [&](const std::string& why) { return trace_error(path + ": " + why); };
  if (lines.empty()) throw bad("empty file, not a pipesim trace");
  recorded_trace t;
  t.header = json::parse(lines.front(), nullptr, false);
  if (t.header.is_discarded() || !t.header.is_object() || !t.header.contains("pipesim_trace")) {
    throw bad("line 1 is not a pipesim trace header");
  }
  if (t.header["pipesim_trace"] != k_trace_format) {
    throw bad("trace format " + t.header["pipesim_trace"].dump() + ", this pipesim reads format " +
              std::to_string(k_trace_format) + " (re-record it with this version)");
  }
  t.end = json::parse(lines.back(), nullptr, false);
  if (lines.size() < 2 || t.end.is_discarded() || !t.end.is_object() ||
      !t.end.value("end", false)) {
    throw bad("truncated trace: no end line (the run that wrote it did not finish)");
  }
  t.events.assign(lines.begin() + 1, lines.end() - 1);
  std::uint64_t digest = sim::k_digest_basis;
  for (const std::string& l : t.events) digest = sim::digest_line(l, digest);
  if (t.events.size() != t.end.value("records", std::uint64_t{0}) ||
      sim::format_digest(digest) != t.end.value("digest", std::string())) {
    throw bad("edited or damaged trace: its event lines do not match the digest in its end line");
  }
  if (!t.end.contains("file_digest") ||
      sim::format_digest(file_digest(lines.front(), t.end)) != t.end.value("file_digest", "")) {
    throw bad(
        "edited trace: its header or end line (seed, knobs, scenario or choice picks) does "
        "not match the file digest in its end line");
  }
  return t;
}

json trace_header(const scenario& sc, const run_report& r, const char* version) {
  return {{"pipesim_trace", k_trace_format},
          {"version", version},
          {"file", sc.file},
          {"seed", r.seed},
          {"profile", r.profile},
          {"strategy", r.strategy},
          {"knobs", r.knobs},
          {"scenario", sc.document}};
}

namespace {

// What failed, so a report drawn from the file alone can pin it (the checks are made after the
// events, and are not events).
json failed_checks(const run_report& r) {
  json out = json::array();
  for (const auto* checks : {&r.invariants, &r.expectations}) {
    for (const check_result& c : *checks) {
      if (!c.ok) out.push_back({{"id", c.id}, {"name", c.name}, {"detail", c.detail}});
    }
  }
  return out;
}

}  // namespace

json trace_end(const run_report& r) {
  return {{"end", true},
          {"records", r.trace_records},
          {"digest", sim::format_digest(r.digest)},
          {"choices", r.choices},
          {"failed", failed_checks(r)}};
}

void write_trace(const std::string& path, const json& header, const run_report& r) {
  trace_writer file(path);
  file.header(header);
  for (const std::string& line : r.trace_lines) file.stream() << line << '\n';
  file.finish(trace_end(r));
}

void add_replay_settings(json& header, const run_options& o) {
  header["knob_overrides"] = o.knob_overrides;
  header["crash_probability"] = o.hosts.crash_probability;
  if (o.heal_at_us) header["heal_at_us"] = *o.heal_at_us;
  if (o.heal_deadline_us) header["heal_deadline_us"] = *o.heal_deadline_us;
}

scenario trace_scenario(const recorded_trace& t, const std::string& path) {
  if (!t.header.contains("scenario")) {
    throw trace_error(path + ": the trace holds no scenario (a kernel demo trace is not replayed)");
  }
  return parse_scenario(t.header.at("scenario"), path);
}

run_options trace_replay_options(const recorded_trace& t) {
  run_options options;
  options.seed = t.header.at("seed").get<std::uint64_t>();
  options.strategy =
      std::make_unique<sim::replay_strategy>(t.end.at("choices").get<std::vector<std::uint64_t>>());
  // A run found by `pipesim explore` carries its fault profile as knob overrides, an injected
  // crash rate and its heal phase; a plain `pipesim run` trace has none of them.
  if (t.header.contains("knob_overrides")) options.knob_overrides = t.header["knob_overrides"];
  options.hosts.crash_probability = t.header.value("crash_probability", 0.0);
  if (t.header.contains("heal_at_us")) {
    options.heal_at_us = t.header["heal_at_us"].get<sim::time_us>();
  }
  if (t.header.contains("heal_deadline_us")) {
    options.heal_deadline_us = t.header["heal_deadline_us"].get<sim::time_us>();
  }
  options.keep_trace_lines = true;
  return options;
}

namespace {

// The user's code running at recorded event `at`: a worker program whose call or output it is,
// or the invoke open then (the last lambda.invoked before it, unless that invoke's handler had
// returned already: then the divergence is outside any handler).
std::string invocation_at(const std::vector<std::string>& events, std::size_t at) {
  if (at < events.size()) {
    const json e = json::parse(events[at], nullptr, false);
    if (e.is_object() && e.value("type", "").rfind("consumer.worker_", 0) == 0) {
      return "worker " + e.value("consumer", "") +
             " (at t=" + sim::format_duration(e.value("t", sim::time_us{0})) + ")";
    }
  }
  for (std::size_t i = std::min(at, events.size()); i-- > 0;) {
    const json e = json::parse(events[i], nullptr, false);
    if (!e.is_object()) continue;
    const std::string type = e.value("type", "");
    if (type == "lambda.handler_returned" || type == "lambda.invocation_ended") return "";
    if (type == "lambda.invoked") {
      return "invoke " + e.value("request_id", "") + " of " + e.value("mapping", "") +
             " (its handler ran at t=" + sim::format_duration(e.value("t", sim::time_us{0})) + ")";
    }
  }
  return "";
}

}  // namespace

replay_outcome replay(const recorded_trace& t, const std::string& path) {
  // A user's handler's "code" is relative to the scenario file, which the header names.
  const std::string file = t.header.value("file", "");
  const scenario sc = trace_scenario(t, file.empty() ? path : file);
  replay_outcome out;
  out.report = run_scenario(sc, trace_replay_options(t));
  const std::vector<std::string>& replayed = out.report.trace_lines;
  const std::size_t n = std::min(t.events.size(), replayed.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (t.events[i] != replayed[i]) {
      out.diverged_at = i;
      out.invocation = invocation_at(t.events, i);
      out.recorded = t.events[i];
      out.replayed = replayed[i];
      return out;
    }
  }
  if (t.events.size() != replayed.size()) {
    out.diverged_at = n;
    if (n < t.events.size()) out.recorded = t.events[n];
    if (n < replayed.size()) out.replayed = replayed[n];
    return out;
  }
  out.identical = true;
  return out;
}

}  // namespace scenarios

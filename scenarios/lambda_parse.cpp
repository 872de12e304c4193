// The "lambda" member of a consumer entry (see detail/lambda_parse.hpp).
#include "scenarios/detail/lambda_parse.hpp"

#include "models/lambda/mapping.hpp"

#include <unistd.h>

namespace scenarios::detail {

const std::vector<std::pair<const char*, lambda_handler>>& lambda_handler_names() {
  static const std::vector<std::pair<const char*, lambda_handler>> names{
      {"hand_off", lambda_handler::hand_off},
      {"hand_off_ignores_stopping", lambda_handler::hand_off_ignores_stopping},
      {"poll_by_raising", lambda_handler::poll_by_raising},
      {"batch_answer", lambda_handler::batch_answer},
      {"returns_early", lambda_handler::returns_early},
      {"fails_whole_batch", lambda_handler::fails_whole_batch},
      {"answers_twice", lambda_handler::answers_twice},
      {"raises_in_error_handler", lambda_handler::raises_in_error_handler}};
  return names;
}

std::string resolve_path(const std::string& scenario_file, std::string path) {
  if (!path.empty() && path.front() == '/') return path;
  while (path.rfind("./", 0) == 0) path.erase(0, 2);
  const std::size_t slash = scenario_file.find_last_of('/');
  std::string base = slash == std::string::npos ? "" : scenario_file.substr(0, slash + 1);
  if (base.empty() || base.front() != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd)) base = std::string(cwd) + "/" + base;
  }
  return base + path;
}

std::optional<std::int64_t> parse_wall_clock_guard(checker& c, const json& object,
                                                   const std::string& pointer) {
  if (!object.contains("wall_clock_guard")) return std::nullopt;
  const std::string p = child(pointer, "wall_clock_guard");
  const auto g = c.duration(object["wall_clock_guard"], p);
  if (!g) return std::nullopt;
  if (*g < sim::k_millisecond_us || *g > 3'600 * sim::k_second_us) {
    c.expected(p, "a duration from 1ms to 1h", object["wall_clock_guard"]);
    return std::nullopt;
  }
  return *g / sim::k_millisecond_us;
}

namespace {

// The member of the lambda object an AWS validation message is about.
std::string member_of(const std::string& message) {
  if (message.find("visibility timeout") != std::string::npos) return "timeout";
  if (message.find("BatchSize") != std::string::npos) return "batch_size";
  if (message.find("window") != std::string::npos || message.find("Batching") != std::string::npos)
    return "batching_window";
  if (message.find("aximumConcurrency") != std::string::npos) return "maximum_concurrency";
  if (message.find("ilter") != std::string::npos) return "filter";
  return "";
}

// A user's handler: {"runtime": "python"|"node"|Lambda's name, "code": dir relative to the
// scenario file, "handler": "module.function", "interpreter"?, "wall_clock_guard"?}.
std::optional<runtimes::runtime_spec> parse_runtime(checker& c, const json& l,
                                                    const std::string& lp,
                                                    const std::string& scenario_file) {
  runtimes::runtime_spec r;
  const std::size_t problems_before = c.problems.size();
  if (auto name = c.text(l["runtime"], child(lp, "runtime"))) {
    if (auto lang = runtimes::language_of(*name)) {
      r.lang = *lang;
      r.runtime = *name;
    } else {
      std::string names;
      for (const std::string& n : runtimes::runtime_names())
        names += (names.empty() ? "" : ", ") + n;
      c.fail(child(lp, "runtime"), "expected one of " + names + ", got \"" + *name + "\"");
    }
  }
  if (!l.contains("code")) {
    c.fail(lp,
           "missing \"code\" (the folder of the handler's code, relative to the scenario file)");
  } else if (auto code = c.text(l["code"], child(lp, "code"))) {
    std::string dir = resolve_path(scenario_file, *code);
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    r.code_dir = dir;
  }
  if (!l.contains("handler")) {
    c.fail(lp, r.lang == runtimes::language::python
                   ? "missing \"handler\" (\"module.function\", e.g. \"app.lambda_handler\")"
                   : "missing \"handler\" (\"file.export\", e.g. \"index.handler\")");
  } else if (auto h = c.text(l["handler"], child(lp, "handler"))) {
    r.handler = *h;
  }
  r.interpreter = r.lang == runtimes::language::python ? "python3" : "node";
  if (l.contains("interpreter")) {
    r.interpreter = c.text(l["interpreter"], child(lp, "interpreter")).value_or(r.interpreter);
  }
  if (auto g = parse_wall_clock_guard(c, l, lp)) r.wall_clock_guard_ms = *g;
  if (c.problems.size() != problems_before) return std::nullopt;
  const runtimes::located where = runtimes::locate_handler(r.lang, r.code_dir, r.handler);
  if (!where.problem.empty()) {
    c.fail(
        child(lp, where.problem.find("code directory") != std::string::npos ? "code" : "handler"),
        where.problem);
    return std::nullopt;
  }
  r.handler_file = where.file;
  if (!runtimes::on_path(r.interpreter)) {
    c.fail(child(lp, l.contains("interpreter") ? "interpreter" : "runtime"),
           "the interpreter \"" + r.interpreter + "\" is not " +
               (r.interpreter.find('/') == std::string::npos ? "on PATH" : "an executable file") +
               " (install it, or name one with \"interpreter\")");
    return std::nullopt;
  }
  return r;
}

}  // namespace

void parse_lambda(checker& c, const json& k, const std::string& p,
                  const std::vector<queue_spec>& queues, const std::string& scenario_file,
                  consumer_spec& spec) {
  const std::size_t problems_before = c.problems.size();
  // The long-polling consumer's settings mean nothing for a Lambda function.
  for (const char* member :
       {"behavior", "work", "cleanup", "poll_wait", "max_messages", "extend_visibility",
        "use_client_request_token", "outputs", "crash_probability", "failure_reason"}) {
    if (k.contains(member)) {
      c.fail(child(p, member),
             "does not apply to a consumer with \"lambda\" (the function's "
             "settings go inside \"lambda\")");
    }
  }
  const std::string lp = child(p, "lambda");
  const json& l = k["lambda"];
  if (!c.object(l, lp)) return;
  c.only(l, lp, members("/$defs/lambda"));
  lambda_spec out;
  if (l.contains("runtime")) {
    out.runtime = parse_runtime(c, l, lp, scenario_file);
  } else {
    for (const char* member : {"code", "interpreter", "wall_clock_guard"}) {
      if (l.contains(member)) {
        c.fail(child(lp, member),
               "applies only to a user's handler (with \"runtime\": \"python\" or \"node\")");
      }
    }
    if (!l.contains("handler")) {
      c.fail(lp, "missing \"handler\" (a built-in handler name, or with \"runtime\" your own)");
    } else {
      out.handler =
          c.one_of<lambda_handler>(l["handler"], child(lp, "handler"), lambda_handler_names())
              .value_or(lambda_handler::hand_off);
    }
  }
  if (l.contains("batch_size")) {
    out.batch_size = c.integer(l["batch_size"], child(lp, "batch_size"), 1, 10'000).value_or(10);
  }
  if (l.contains("batching_window")) {
    out.batching_window_us =
        c.seconds(l["batching_window"], child(lp, "batching_window"), 0, 300).value_or(0);
  }
  if (l.contains("report_batch_item_failures")) {
    out.report_batch_item_failures =
        c.boolean(l["report_batch_item_failures"], child(lp, "report_batch_item_failures"))
            .value_or(false);
  }
  if (l.contains("maximum_concurrency")) {
    out.maximum_concurrency =
        c.integer(l["maximum_concurrency"], child(lp, "maximum_concurrency"), 2, 1000);
  }
  if (l.contains("timeout")) {
    out.timeout_us = c.seconds(l["timeout"], child(lp, "timeout"), 1, 900).value_or(out.timeout_us);
  }
  if (l.contains("duration")) {
    out.duration = c.range(l["duration"], child(lp, "duration")).value_or(out.duration);
  }
  if (l.contains("environment") && c.object(l["environment"], child(lp, "environment"))) {
    for (const auto& [name, value] : l["environment"].items()) {
      if (!value.is_string()) {
        c.expected(child(child(lp, "environment"), name),
                   "a string (environment variables are strings)", value);
      } else {
        out.environment[name] = value.get<std::string>();
      }
    }
  }
  if (l.contains("filter")) {
    if (auto e = models::lambda::validate_filter_criteria(l["filter"])) {
      c.fail(child(lp, "filter"),
             "Lambda would refuse this filter: " + e->code + ": " + e->message);
    } else {
      out.filter = l["filter"];
    }
  }
  // What CreateEventSourceMapping checks against the queue, with AWS's answer.
  const auto q = std::find_if(queues.begin(), queues.end(),
                              [&](const queue_spec& qs) { return qs.name == spec.queue; });
  if (q != queues.end() && c.problems.size() == problems_before) {
    models::lambda::function_config f;
    f.timeout_us = out.timeout_us;
    models::lambda::mapping_config m;
    m.batch_size = out.batch_size;
    m.batching_window_us = out.batching_window_us;
    m.report_batch_item_failures = out.report_batch_item_failures;
    m.maximum_concurrency = out.maximum_concurrency;
    m.filter_criteria = out.filter;
    const sim::time_us visibility = q->visibility_timeout_us.value_or(30 * sim::k_second_us);
    if (auto e = models::lambda::validate_mapping(m, f, q->fifo, visibility)) {
      const std::string member = member_of(e->message);
      c.fail(member.empty() ? lp : child(lp, member),
             "Lambda would refuse this event source mapping on queue \"" + spec.queue +
                 "\": " + e->code + ": " + e->message);
    }
  }
  spec.lambda = std::move(out);
}

}  // namespace scenarios::detail

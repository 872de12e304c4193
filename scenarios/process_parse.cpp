// The "process" member of a consumer entry (see detail/lambda_parse.hpp).
#include "runtimes/spec.hpp"
#include "scenarios/detail/lambda_parse.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace scenarios::detail {

void parse_process(checker& c, const json& k, const std::string& pointer,
                   const std::string& scenario_file, consumer_spec& spec) {
  const std::string pp = child(pointer, "process");
  const json& o = k["process"];
  if (!c.object(o, pp)) return;
  c.only(o, pp, members("/$defs/process"));
  // The members of a built-in consumer describe pipesim's own polling loop; a program of the
  // user's polls as it is written.
  for (const char* member :
       {"behavior", "work", "cleanup", "poll_wait", "max_messages", "extend_visibility",
        "use_client_request_token", "outputs", "failure_reason", "lambda"}) {
    if (k.contains(member)) {
      c.fail(child(pointer, member),
             "does not apply to a consumer that is your own program (\"process\"): it polls, "
             "answers and deletes as its code says");
    }
  }
  process_spec p;
  const std::size_t problems_before = c.problems.size();
  p.cwd = resolve_path(scenario_file, ".");
  if (o.contains("cwd")) {
    if (auto dir = c.text(o["cwd"], child(pp, "cwd"))) {
      p.cwd = resolve_path(scenario_file, *dir);
      struct stat st {};
      if (::stat(p.cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        c.fail(child(pp, "cwd"), "the directory " + p.cwd + " does not exist");
    }
  }
  while (p.cwd.size() > 1 && p.cwd.back() == '/') p.cwd.pop_back();
  if (p.cwd.size() > 2 && p.cwd.compare(p.cwd.size() - 2, 2, "/.") == 0)
    p.cwd.resize(p.cwd.size() - 2);
  const std::string cp = child(pp, "command");
  if (!o.contains("command")) {
    c.fail(pp,
           "missing \"command\" (the program and its arguments, e.g. [\"python3\", "
           "\"worker.py\"])");
  } else if (!o["command"].is_array() || o["command"].empty()) {
    c.expected(cp, "a non-empty array of strings (the program, then its arguments)", o["command"]);
  } else {
    for (std::size_t i = 0; i < o["command"].size(); ++i) {
      if (auto a = c.text(o["command"][i], child(cp, i), i == 0)) p.command.push_back(*a);
    }
  }
  if (o.contains("queue")) {
    if (auto q = c.text(o["queue"], child(pp, "queue"))) {
      if (!spec.queue.empty() && spec.queue != *q && k.contains("queue")) {
        c.fail(child(pp, "queue"), "names queue \"" + *q + "\" but the consumer's \"queue\" is \"" +
                                       spec.queue + "\" (give one of them)");
      }
    }
  }
  if (o.contains("environment") && c.object(o["environment"], child(pp, "environment"))) {
    for (const auto& [name, value] : o["environment"].items()) {
      if (!value.is_string()) {
        c.expected(child(child(pp, "environment"), name),
                   "a string (environment variables are strings)", value);
      } else {
        p.environment[name] = value.get<std::string>();
      }
    }
  }
  if (auto g = parse_wall_clock_guard(c, o, pp)) p.wall_clock_guard_ms = *g;
  if (c.problems.size() != problems_before) return;
  // The program: a name on PATH as the shell finds it, or a path relative to the scenario file
  // (so "./worker.sh" next to the scenario works from any directory).
  std::string& program = p.command.front();
  if (program.find('/') != std::string::npos) program = resolve_path(scenario_file, program);
  if (!runtimes::on_path(program)) {
    c.fail(child(cp, 0),
           "the program \"" + program + "\" is not " +
               (program.find('/') == std::string::npos ? "on PATH" : "an executable file"));
    return;
  }
  spec.process = std::move(p);
}

}  // namespace scenarios::detail

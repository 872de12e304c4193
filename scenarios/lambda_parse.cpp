// The "lambda" member of a consumer entry (see detail/lambda_parse.hpp).
#include "scenarios/detail/lambda_parse.hpp"

#include "models/lambda/mapping.hpp"

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

}  // namespace

void parse_lambda(checker& c, const json& k, const std::string& p,
                  const std::vector<queue_spec>& queues, consumer_spec& spec) {
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
  if (!l.contains("handler")) {
    c.fail(lp, "missing \"handler\" (a built-in handler name)");
  } else {
    out.handler =
        c.one_of<lambda_handler>(l["handler"], child(lp, "handler"), lambda_handler_names())
            .value_or(lambda_handler::hand_off);
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

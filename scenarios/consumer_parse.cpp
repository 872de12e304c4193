// Parsing and checking a scenario's "consumers" (see detail/consumer_parse.hpp).
#include "scenarios/detail/consumer_parse.hpp"

#include "scenarios/behaviour_parse.hpp"
#include "scenarios/detail/lambda_parse.hpp"
#include "scenarios/public_api.hpp"

#include <algorithm>
#include <set>

namespace scenarios::detail {

namespace {

void parse_crash_probability(checker& c, const json& k, const std::string& p, consumer_spec& spec) {
  if (!k.contains("crash_probability")) return;
  const json& v = k["crash_probability"];
  if (!v.is_number() || v.get<double>() < 0.0 || v.get<double>() > 1.0) {
    c.expected(child(p, "crash_probability"), "a number from 0 to 1", v);
  } else {
    spec.crash_probability = v.get<double>();
  }
}

}  // namespace

void parse_consumers(checker& c, const json& consumers, scenario& out) {
  const std::string base = "/consumers";
  if (!consumers.is_array()) {
    c.expected(base, "an array of consumers", consumers);
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    const json& k = consumers[i];
    const std::string p = child(base, i);
    if (!c.object(k, p)) continue;
    c.only(k, p, members("/$defs/consumer"));
    consumer_spec spec;
    if (!k.contains("name")) {
      c.fail(p, "missing \"name\"");
    } else if (auto n = c.text(k["name"], child(p, "name"))) {
      spec.name = *n;
      if (!names.insert(*n).second)
        c.fail(child(p, "name"), "duplicate consumer name \"" + *n + "\"");
    }
    // A worker program may name its queue inside "process" (where its command is).
    const bool process_queue = !k.contains("queue") && k.contains("process") &&
                               k["process"].is_object() && k["process"].contains("queue");
    const std::string qp = process_queue ? child(child(p, "process"), "queue") : child(p, "queue");
    if (!k.contains("queue") && !process_queue) {
      c.fail(p, "missing \"queue\" (the name of a queue in /queues)");
    } else if (auto q = c.text(process_queue ? k["process"]["queue"] : k["queue"], qp)) {
      spec.queue = *q;
      if (std::none_of(out.queues.begin(), out.queues.end(),
                       [&](const queue_spec& qs) { return qs.name == *q; })) {
        c.fail(qp, "expected the name of a queue in /queues, got \"" + *q + "\"");
      }
    }
    if (k.contains("process")) {
      detail::parse_process(c, k, p, out.file, spec);
      parse_crash_probability(c, k, p, spec);
      out.consumers.push_back(std::move(spec));
      continue;
    }
    if (k.contains("lambda")) {
      // A Lambda function behind an event source mapping: its own settings.
      detail::parse_lambda(c, k, p, out.queues, out.file, spec);
      out.consumers.push_back(std::move(spec));
      continue;
    }
    if (!k.contains("behavior")) {
      c.fail(p,
             "missing \"behavior\" (or \"lambda\" for a Lambda function, or \"process\" for "
             "your own worker program)");
    } else {
      spec.behavior = c.one_of<consumer_behavior>(
                           k["behavior"], child(p, "behavior"),
                           {{"succeed", consumer_behavior::succeed},
                            {"fail", consumer_behavior::fail},
                            {"ignore_stopping", consumer_behavior::ignore_stopping},
                            {"never_answer", consumer_behavior::never_answer},
                            {"crash_before_delete", consumer_behavior::crash_before_delete},
                            {"slow", consumer_behavior::slow},
                            {"not_idempotent", consumer_behavior::not_idempotent},
                            {"delete_before_answer", consumer_behavior::delete_before_answer}})
                          .value_or(consumer_behavior::succeed);
    }
    if (k.contains("work")) spec.work = c.range(k["work"], child(p, "work")).value_or(spec.work);
    if (k.contains("cleanup")) {
      spec.cleanup = c.range(k["cleanup"], child(p, "cleanup")).value_or(spec.cleanup);
    }
    if (k.contains("poll_wait")) {
      spec.poll_wait_us = c.seconds(k["poll_wait"], child(p, "poll_wait"), 0, 20).value_or(0);
    }
    if (k.contains("max_messages")) {
      spec.max_messages = c.integer(k["max_messages"], child(p, "max_messages"), 1, 10).value_or(1);
    }
    if (k.contains("extend_visibility")) {
      spec.extend_visibility =
          c.boolean(k["extend_visibility"], child(p, "extend_visibility")).value_or(false);
      if (spec.extend_visibility && spec.behavior == consumer_behavior::slow) {
        c.fail(child(p, "extend_visibility"),
               "contradicts \"behavior\": \"slow\", which is the consumer that never extends "
               "the visibility timeout (use \"succeed\" with extend_visibility, or drop it)");
      }
    }
    if (k.contains("use_client_request_token")) {
      spec.use_client_request_token =
          c.boolean(k["use_client_request_token"], child(p, "use_client_request_token"))
              .value_or(true);
    }
    if (k.contains("outputs")) {
      const std::string op = child(p, "outputs");
      if (c.object(k["outputs"], op)) {
        for (const auto& [oname, value] : k["outputs"].items()) {
          if (!value.is_string())
            c.expected(child(op, oname), "a string (output values are strings)", value);
        }
        spec.outputs = k["outputs"];
      }
    }
    parse_crash_probability(c, k, p, spec);
    if (k.contains("failure_reason")) {
      spec.failure_reason =
          c.text(k["failure_reason"], child(p, "failure_reason"), false).value_or("");
    }
    out.consumers.push_back(std::move(spec));
  }
}

}  // namespace scenarios::detail

// The scenario's "mocks" (see detail/lambda_parse.hpp): for each service (its SigV4 signing name)
// and operation, the replies a user's handler gets, in the spirit of Step Functions Local's mock
// configuration
// (https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html).
#include "scenarios/detail/lambda_parse.hpp"

namespace scenarios::detail {

namespace {

bool valid_pointer(const std::string& p) { return p.empty() || p.front() == '/'; }

void parse_pointer(checker& c, const json& op, const std::string& p, const char* member,
                   std::string& out) {
  if (!op.contains(member)) return;
  if (auto v = c.text(op[member], child(p, member))) {
    if (!valid_pointer(*v)) {
      c.expected(child(p, member), "a JSON pointer into the request, such as \"/JobName\"",
                 op[member]);
    } else {
      out = *v;
    }
  }
}

runtimes::mock_reply parse_reply(checker& c, const json& r, const std::string& p) {
  runtimes::mock_reply out;
  if (!c.object(r, p)) return out;
  c.only(r, p, members("/$defs/mock_reply"));
  if (r.contains("response") == r.contains("error")) {
    c.fail(p, "expected exactly one of \"response\" (the operation's output) or \"error\"");
  }
  if (r.contains("response") && c.object(r["response"], child(p, "response"))) {
    out.response = r["response"];
  }
  if (r.contains("error")) {
    const std::string ep = child(p, "error");
    const json& e = r["error"];
    if (c.object(e, ep)) {
      c.only(e, ep, members("/$defs/mock_reply/properties/error"));
      out.is_error = true;
      if (!e.contains("code")) {
        c.fail(ep,
               "missing \"code\" (the AWS error name, e.g. \"ConcurrentRunsExceededException\")");
      } else {
        out.error_code = c.text(e["code"], child(ep, "code")).value_or("");
      }
      if (e.contains("message"))
        out.error_message = c.text(e["message"], child(ep, "message"), false).value_or("");
      if (e.contains("status")) {
        out.http_status =
            static_cast<int>(c.integer(e["status"], child(ep, "status"), 400, 599).value_or(400));
      }
    }
  }
  if (r.contains("times"))
    out.times = c.integer(r["times"], child(p, "times"), 1, 1'000'000).value_or(1);
  return out;
}

runtimes::mock_operation parse_operation(checker& c, const json& op, const std::string& p) {
  runtimes::mock_operation out;
  if (!c.object(op, p)) return out;
  c.only(op, p, members("/$defs/mock_operation"));
  if (!op.contains("replies")) {
    c.fail(p, "missing \"replies\" (a list of {\"response\": {...}} or {\"error\": {...}})");
  } else if (!op["replies"].is_array() || op["replies"].empty()) {
    c.expected(child(p, "replies"), "a non-empty array of replies", op["replies"]);
  } else {
    for (std::size_t i = 0; i < op["replies"].size(); ++i)
      out.replies.push_back(parse_reply(c, op["replies"][i], child(child(p, "replies"), i)));
  }
  if (op.contains("choose"))
    out.choose = c.boolean(op["choose"], child(p, "choose")).value_or(false);
  parse_pointer(c, op, p, "creates", out.creates);
  parse_pointer(c, op, p, "deletes", out.deletes);
  parse_pointer(c, op, p, "token", out.token);
  if (op.contains("when_exists")) {
    if (out.creates.empty()) c.fail(child(p, "when_exists"), "needs \"creates\"");
    out.when_exists = parse_reply(c, op["when_exists"], child(p, "when_exists"));
  }
  if (op.contains("completes")) {
    const std::string cp = child(p, "completes");
    const json& k = op["completes"];
    if (out.creates.empty())
      c.fail(cp, "needs \"creates\": the job that completes is the resource it names");
    if (c.object(k, cp)) {
      c.only(k, cp, members("/$defs/mock_operation/properties/completes"));
      runtimes::mock_completion m;
      if (!k.contains("after")) {
        c.fail(cp, "missing \"after\" (how long the job runs: a duration or {\"min\", \"max\"})");
      } else if (auto d = c.range(k["after"], child(cp, "after"))) {
        m.after_min_us = d->min_us;
        m.after_max_us = d->max_us;
      }
      if (k.contains("answer")) {
        m.succeeds = c.one_of<bool>(k["answer"], child(cp, "answer"),
                                    {{"success", true}, {"failure", false}})
                         .value_or(true);
      }
      if (k.contains("outputs") && c.object(k["outputs"], child(cp, "outputs"))) {
        for (const auto& [name, value] : k["outputs"].items()) {
          if (!value.is_string()) c.expected(child(child(cp, "outputs"), name), "a string", value);
        }
        m.outputs = k["outputs"];
      }
      if (k.contains("failure_reason")) {
        m.failure_reason = c.text(k["failure_reason"], child(cp, "failure_reason")).value_or("");
      }
      out.completes = m;
    }
  }
  return out;
}

}  // namespace

void parse_mocks(checker& c, const json& mocks, scenario& out) {
  const std::string base = "/mocks";
  if (!c.object(mocks, base)) return;
  auto table = std::make_shared<runtimes::mock_table>();
  for (const auto& [service, ops] : mocks.items()) {
    const std::string sp = child(base, service);
    if (service == "sqs") {
      c.fail(sp, "SQS is simulated, not mocked (its queues are the scenario's \"queues\")");
      continue;
    }
    if (!c.object(ops, sp)) continue;
    for (const auto& [operation, op] : ops.items()) {
      (*table)[service][operation] = parse_operation(c, op, child(sp, operation));
    }
  }
  out.mocks = std::move(table);
}

}  // namespace scenarios::detail

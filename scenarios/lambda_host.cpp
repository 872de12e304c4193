// The Lambda consumer: the mapping, the environments' modules, the context and external jobs.
#include "scenarios/lambda_host.hpp"

#include "models/sqs/service.hpp"

namespace scenarios {

using nlohmann::json;

namespace {

std::string make_uuid(sim::rng& ids) {
  static const char* k_hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 36; ++i) {
    id += (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : k_hex[ids.below(16)];
  }
  return id;
}

// The callback token of a record's body, if it is a callback message.
std::string token_of(const json& record) {
  const json body = json::parse(record.value("body", std::string()), nullptr, false);
  if (body.is_object() && body.contains("token") && body["token"].is_string()) {
    return body["token"].get<std::string>();
  }
  return "";
}

}  // namespace

// What the world looks like from outside the function: an external job (an ECS task, a Glue
// job) that a handler started. It is not the function: the environment's fate does not touch it.
class lambda_host::job_context final : public pipesim::context {
 public:
  explicit job_context(lambda_host& h) : h_(h) {}
  pipesim::duration now() const override { return pipesim::duration(h_.sim_.now()); }
  const std::string& name() const override { return h_.spec_.name; }
  const std::string& queue_url() const override { return h_.queue_url_; }
  pipesim::api_result sagemaker(std::string_view op, const json& request) override {
    return to_public(h_.sagemaker_(op, request));
  }
  pipesim::api_result sqs(std::string_view op, const json& request) override {
    return to_public(h_.sqs_.call(op, request));
  }
  void after(pipesim::duration delay, std::function<void(pipesim::context&)> work) override {
    ++h_.pending_jobs_;
    h_.sim_.schedule_after(
        delay.count(),
        [&h = h_, work = std::move(work)] {
          --h.pending_jobs_;
          job_context c(h);
          try {
            work(c);
          } catch (const pipesim::crashed&) {
            h.sim_.record("lambda.job_crashed", {{"mapping", h.spec_.name}});
          }
        },
        h_.jobs_lane_);
  }
  std::int64_t choose_between(std::string_view what, std::int64_t lo, std::int64_t hi) override {
    return h_.sim_.choose_between("lambda." + h_.spec_.name + "." + std::string(what), lo, hi);
  }
  bool chance(std::string_view what, double p) override {
    return p > 0.0 && h_.sim_.chance("lambda." + h_.spec_.name + "." + std::string(what), p);
  }
  std::string uuid() override { return make_uuid(h_.ids_); }
  void created(const std::string& resource, const std::string& token) override {
    h_.effects_.created(effect_record{h_.sim_.now(), h_.spec_.name, resource, token, true});
    log("effect", {{"resource", resource}, {"effect", "created"}, {"token", token}});
  }
  void deleted(const std::string& resource) override {
    h_.effects_.deleted(effect_record{h_.sim_.now(), h_.spec_.name, resource, {}, false});
    log("effect", {{"resource", resource}, {"effect", "deleted"}});
  }
  bool exists(const std::string& resource) const override { return h_.effects_.exists(resource); }
  void log(std::string_view type, const json& fields) override {
    if (!h_.sim_.trace().enabled()) return;
    json f = fields.is_object() ? fields : json{{"value", fields}};
    f["consumer"] = h_.spec_.name;
    h_.sim_.record("consumer." + std::string(type), f);
  }
  [[noreturn]] void crash() override { throw pipesim::crashed{}; }

 protected:
  lambda_host& h_;
};

// The Lambda context of one invoke.
class lambda_host::invoke_context final : public pipesim::lambda::context {
 public:
  invoke_context(lambda_host& h, const models::lambda::invocation& inv, handled_set& handled)
      : h_(h), jobs_(h), inv_(inv), handled_(handled) {}

  const std::string& aws_request_id() const override { return inv_.request_id; }
  const std::string& invoked_function_arn() const override { return h_.function_arn_; }
  const std::string& function_name() const override { return h_.spec_.name; }
  const std::string& memory_limit_in_mb() const override { return h_.memory_text_; }
  std::int64_t remaining_time_in_millis() const override {
    const sim::time_us left = inv_.deadline_us - h_.sim_.now();
    return left > 0 ? left / sim::k_millisecond_us : 0;
  }
  const std::string* env(std::string_view name) const override {
    const auto it = h_.spec_.lambda->environment.find(std::string(name));
    return it == h_.spec_.lambda->environment.end() ? nullptr : &it->second;
  }
  bool cold_start() const override { return inv_.cold; }
  void handled(const std::string& message_id) override { handled_.message_ids.insert(message_id); }

  pipesim::duration now() const override { return jobs_.now(); }
  const std::string& name() const override { return jobs_.name(); }
  const std::string& queue_url() const override { return jobs_.queue_url(); }
  pipesim::api_result sagemaker(std::string_view op, const json& request) override {
    if ((op == "SendPipelineExecutionStepSuccess" || op == "SendPipelineExecutionStepFailure") &&
        request.contains("CallbackToken") && request["CallbackToken"].is_string()) {
      handled_.tokens.insert(request["CallbackToken"].get<std::string>());
    }
    return jobs_.sagemaker(op, request);
  }
  pipesim::api_result sqs(std::string_view op, const json& request) override {
    return jobs_.sqs(op, request);
  }
  void after(pipesim::duration delay, std::function<void(pipesim::context&)> work) override {
    jobs_.after(delay, std::move(work));
  }
  std::int64_t choose_between(std::string_view what, std::int64_t lo, std::int64_t hi) override {
    return jobs_.choose_between(what, lo, hi);
  }
  bool chance(std::string_view what, double p) override { return jobs_.chance(what, p); }
  std::string uuid() override { return jobs_.uuid(); }
  void created(const std::string& resource, const std::string& token) override {
    if (!token.empty()) handled_.tokens.insert(token);
    jobs_.created(resource, token);
  }
  void deleted(const std::string& resource) override { jobs_.deleted(resource); }
  bool exists(const std::string& resource) const override { return jobs_.exists(resource); }
  void log(std::string_view type, const json& fields) override { jobs_.log(type, fields); }
  [[noreturn]] void crash() override { throw pipesim::crashed{}; }

 private:
  lambda_host& h_;
  job_context jobs_;
  const models::lambda::invocation& inv_;
  handled_set& handled_;
};

namespace {

models::lambda::esm_config esm_config_of(const consumer_spec& spec, models::sqs::service& sqs,
                                         const std::string& region,
                                         const models::knob_values& knobs,
                                         const host_options& options) {
  const lambda_spec& l = *spec.lambda;
  models::lambda::esm_config c;
  c.name = spec.name;
  c.queue_url = sqs.queue_url(spec.queue);
  c.source.queue_arn = sqs.queue_arn(spec.queue);
  c.source.region = region;
  c.function.name = spec.name;
  c.function.timeout_us = l.timeout_us;
  c.function.memory_mb = knobs.integer("lambda.fn.memory_mb");
  c.mapping.batch_size = l.batch_size;
  c.mapping.batching_window_us = l.batching_window_us;
  c.mapping.report_batch_item_failures = l.report_batch_item_failures;
  c.mapping.maximum_concurrency = l.maximum_concurrency;
  c.mapping.filter_criteria = l.filter;
  c.duration_min_us = l.duration.min_us;
  c.duration_max_us = l.duration.max_us;
  c.crash_probability = options.crash_probability;
  return c;
}

}  // namespace

lambda_host::lambda_host(sim::simulation& s, const consumer_spec& spec, const std::string& region,
                         const std::string& account, models::sqs::service& sqs,
                         sagemaker_call_fn sagemaker, pipesim::lambda::handler_factory factory,
                         effect_log& effects, const models::knob_values& lambda_knobs,
                         host_options options)
    : sim_(s),
      spec_(spec),
      queue_url_(sqs.queue_url(spec.queue)),
      function_arn_("arn:aws:lambda:" + region + ":" + account + ":function:" + spec.name),
      memory_text_(std::to_string(lambda_knobs.integer("lambda.fn.memory_mb"))),
      sqs_(sqs),
      sagemaker_(std::move(sagemaker)),
      factory_(std::move(factory)),
      effects_(effects),
      options_(options),
      jobs_lane_(s.lane("lambda." + spec.name + ".jobs")),
      ids_(s.stream("lambda." + spec.name + ".handler_ids")),
      esm_(s, sqs, lambda_knobs, esm_config_of(spec, sqs, region, lambda_knobs, options), *this) {}

lambda_host::~lambda_host() = default;

std::optional<models::api_error> lambda_host::start() { return esm_.start(); }

models::lambda::invocation_result lambda_host::invoke(const models::lambda::invocation& inv) {
  if (on_deliver_) {
    for (std::size_t i = 0; i < inv.event["Records"].size(); ++i) on_deliver_();
  }
  auto& module = modules_[inv.environment];
  if (!module) module = factory_();  // init: the module loads in a new environment
  handled_set& handled = handled_[inv.request_id];
  invoke_context ctx(*this, inv, handled);
  models::lambda::invocation_result r;
  try {
    r.response = module->handle(inv.event, ctx);
  } catch (const pipesim::lambda::raised& e) {
    r.raised = true;
    r.error_type = e.error_type();
    r.error_message = e.what();
  } catch (const pipesim::crashed&) {
    r.runtime_exited = true;
  }
  if (sim_.trace().enabled()) {
    sim_.record("lambda.handler_returned", {{"mapping", spec_.name},
                                            {"request_id", inv.request_id},
                                            {"raised", r.raised},
                                            {"error_type", r.error_type},
                                            {"response", r.response}});
  }
  return r;
}

void lambda_host::environment_gone(std::uint64_t environment) { modules_.erase(environment); }

void lambda_host::settled(const std::string& request_id, const std::vector<json>& deleted) {
  const auto it = handled_.find(request_id);
  if (it == handled_.end()) return;
  for (const json& record : deleted) {
    const std::string token = token_of(record);
    if (token.empty()) continue;  // not a callback message
    const std::string id = record.value("messageId", "");
    if (it->second.tokens.count(token) == 0 && it->second.message_ids.count(id) == 0 && on_lost_) {
      on_lost_("Lambda deleted message " + id + " (callback token " + token + ") of invoke " +
               request_id + " of " + spec_.name +
               ", which the handler never handled: no answer, no job, not marked handled");
    }
  }
  handled_.erase(it);
}

}  // namespace scenarios

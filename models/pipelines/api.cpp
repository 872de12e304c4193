// The SageMaker operation table (name -> handler, which also lists the operations), the service
// facade, and the operations that start executions: StartPipelineExecution and
// RetryPipelineExecution.
#include "models/pipelines/detail/service_impl.hpp"
#include "models/pipelines/detail/validation.hpp"

namespace models::pipelines {

using namespace detail;
using models::api_result;
using nlohmann::json;

api_result service::impl::execution_not_found(const std::string& arn) {
  return api_result::failure(k_not_found, "Pipeline execution '" + arn + "' does not exist.");
}

std::optional<std::size_t> service::impl::find_pipeline(const std::string& name_or_arn) const {
  std::string name = name_or_arn;
  const auto slash = name_or_arn.rfind(":pipeline/");
  if (name_or_arn.rfind("arn:", 0) == 0 && slash != std::string::npos)
    name = name_or_arn.substr(slash + 10);
  auto it = pipeline_index.find(name);
  if (it == pipeline_index.end()) return std::nullopt;
  return it->second;
}

api_result service::impl::start(const json& req) {
  if (auto err = check_string(req, "PipelineName", true, 1, 2048, pipeline_name_pattern,
                              k_pipeline_name_pattern))
    return *err;
  if (auto err = check_string(req, "PipelineExecutionDisplayName", false, 1, 82,
                              display_name_pattern, k_display_name_pattern))
    return *err;
  if (auto err = check_string(req, "PipelineExecutionDescription", false, 0, 3072)) return *err;
  if (auto err = check_token(req, true)) return *err;
  if (auto err = check_parallelism(req)) return *err;
  if (auto err = check_string(req, "MlflowExperimentName", false, 1, 256)) return *err;
  if (auto v = req.find("PipelineVersionId");
      v != req.end() && !v->is_null() && (!v->is_number_integer() || v->get<std::int64_t>() < 1))
    return invalid("pipelineVersionId", *v, "Member must have value greater than or equal to 1");
  if (auto sel = req.find("SelectiveExecutionConfig"); sel != req.end() && !sel->is_null())
    return api_result::failure(k_validation, "SelectiveExecutionConfig is not modeled by pipesim");
  json params = req.value("PipelineParameters", json::array());
  if (!params.is_array()) return invalid("pipelineParameters", params, "Member must be a list");
  if (params.size() > 200)
    return invalid("pipelineParameters", params,
                   "Member must have length less than or equal to 200");
  for (const json& p : params) {
    if (!p.is_object()) return invalid("pipelineParameters", p, "Member must be a structure");
    if (auto err =
            check_string(p, "Name", true, 1, 256, parameter_name_pattern, k_parameter_name_pattern))
      return *err;
    if (auto err = check_string(p, "Value", true, 0, 1024)) return *err;
  }
  if (auto r = replay("StartPipelineExecution", req)) return *r;
  const auto pi = find_pipeline(req["PipelineName"].get<std::string>());
  if (!pi)
    return api_result::failure(
        k_not_found, "Pipeline '" + req["PipelineName"].get<std::string>() + "' does not exist.");
  const pipeline_record& p = pipelines[*pi];
  // Parameters: declared ones only, converted to the declared type; defaults fill the rest.
  std::map<std::string, json> values;
  for (const parameter_def& pd : p.definition->parameters)
    if (!pd.default_value.is_null()) values[pd.name] = pd.default_value;
  for (const json& pj : params) {
    const std::string name = pj["Name"].get<std::string>();
    const std::string value = pj["Value"].get<std::string>();
    auto pd = std::find_if(p.definition->parameters.begin(), p.definition->parameters.end(),
                           [&](const parameter_def& d) { return d.name == name; });
    if (pd == p.definition->parameters.end())
      return api_result::failure(
          k_validation, "Parameter '" + name + "' is not defined in the pipeline definition.");
    json typed = typed_output(pd->type, value);
    if (pd->type != "String" && typed.is_string())
      return api_result::failure(k_validation, "Value '" + value + "' of parameter '" + name +
                                                   "' is not a valid " + pd->type + ".");
    values[name] = typed;
  }
  for (const parameter_def& pd : p.definition->parameters)
    if (values.count(pd.name) == 0)
      return api_result::failure(k_validation,
                                 "Parameter '" + pd.name + "' has no value and no default.");
  if (auto err = over_limit()) return *err;

  auto e = std::make_unique<execution>();
  e->id = random_chars(ids, 12, "abcdefghijklmnopqrstuvwxyz0123456789");
  e->arn = p.arn + "/execution/" + e->id;
  while (execution_index.count(e->arn) != 0) {
    e->id = random_chars(ids, 12, "abcdefghijklmnopqrstuvwxyz0123456789");
    e->arn = p.arn + "/execution/" + e->id;
  }
  e->pipeline = *pi;
  e->pipeline_name = p.name;
  e->created = e->last_modified = sim.now();
  e->display_name =
      req.value("PipelineExecutionDisplayName",
                "execution-" + std::to_string(options.epoch_unix_ms + sim.now() / 1000));
  e->description = req.value("PipelineExecutionDescription", "");
  e->parameters = std::move(values);
  e->parameters_request = params;
  e->max_parallel = p.max_parallel;
  if (req.contains("ParallelismConfiguration") && req["ParallelismConfiguration"].is_object()) {
    e->max_parallel =
        req["ParallelismConfiguration"]["MaxParallelExecutionSteps"].get<std::int64_t>();
    e->parallelism_requested = true;
  }
  e->machine = std::make_unique<execution_machine>(sim, e->arn);
  e->history = {execution_status::executing};
  e->steps.resize(p.definition->steps.size());
  e->lane = sim.lane("sagemaker." + e->id);
  execution& ref = *e;
  execution_index[e->arn] = executions.size();
  executions.push_back(std::move(e));
  trace("pipeline.execution_status", [&] {
    return json{{"execution", ref.arn},
                {"from", nullptr},
                {"to", "Executing"},
                {"event", "execution_started"}};
  });
  arm_timeout(ref);
  api_result result = api_result::success({{"PipelineExecutionArn", ref.arn}});
  remember("StartPipelineExecution", req, result);
  advance(ref);
  return result;
}

api_result service::impl::retry(const json& req) {
  if (auto err = check_execution_arn(req, "PipelineExecutionArn", true)) return *err;
  if (auto err = check_token(req, true)) return *err;
  if (auto err = check_parallelism(req)) return *err;
  if (auto r = replay("RetryPipelineExecution", req)) return *r;
  const std::string arn = req["PipelineExecutionArn"].get<std::string>();
  execution* e = find_execution(arn);
  if (e == nullptr) return execution_not_found(arn);
  const execution_status status = e->machine->status();
  const bool stopped_ok = knobs.text("execution.retry_from") == "Failed_or_Stopped";
  if (!(status == execution_status::failed || (stopped_ok && status == execution_status::stopped)))
    return api_result::failure(k_validation, "Pipeline execution with status '" +
                                                 std::string(to_string(status)) +
                                                 "' cannot be retried.");
  if (e->fail_step_reached)  // [DG-Steps]
    return api_result::failure(k_validation,
                               "Pipeline execution that failed at a FailStep cannot be retried.");
  if (auto err = over_limit()) return *err;
  if (req.contains("ParallelismConfiguration") && req["ParallelismConfiguration"].is_object())
    e->max_parallel =
        req["ParallelismConfiguration"]["MaxParallelExecutionSteps"].get<std::int64_t>();
  api_result result = api_result::success({{"PipelineExecutionArn", arn}});
  remember("RetryPipelineExecution", req, result);
  e->failure_seen = false;
  e->stop_failure = false;
  e->failure_reason.clear();
  execution_event(*e, events::retry_requested{});  // Re-runs Failed and Stopped steps.
  advance(*e);
  return result;
}
const std::vector<service::impl::operation_row>& service::impl::operation_table() {
  static const std::vector<operation_row> rows{
      {"StartPipelineExecution", &impl::start},
      {"StopPipelineExecution", &impl::stop},
      {"DescribePipelineExecution", &impl::describe},
      {"ListPipelineExecutionSteps", &impl::list_steps},
      {"ListPipelineExecutions", &impl::list_executions},
      {"RetryPipelineExecution", &impl::retry},
      {"SendPipelineExecutionStepSuccess", &impl::answer_success},
      {"SendPipelineExecutionStepFailure", &impl::answer_failure},
  };
  return rows;
}

api_result service::impl::dispatch(std::string_view op, const json& req) {
  if (!req.is_object() && !req.is_null())
    return api_result::failure("SerializationException", "The request body must be a JSON object");
  const json& r = req.is_null() ? json::object() : req;
  for (const operation_row& row : operation_table())
    if (op == row.name) return (this->*row.handler)(r);
  return api_result::failure("UnknownOperationException", "Unknown operation " + std::string(op));
}

api_result service::impl::answer_success(const json& req) {
  return answer("SendPipelineExecutionStepSuccess", req, true);
}
api_result service::impl::answer_failure(const json& req) {
  return answer("SendPipelineExecutionStepFailure", req, false);
}

// ---------------------------------------------------------------------------------------------
// The facade

service::service(sim::simulation& s, const models::knob_values& knob_values, send_message_fn send,
                 service_options options)
    : impl_(std::make_unique<impl>(s, knob_values, std::move(send), std::move(options))) {}
service::~service() = default;

std::string service::create_pipeline(const std::string& name, const json& definition,
                                     behaviour_map behaviour,
                                     std::optional<std::int64_t> max_parallel_steps) {
  return create_pipeline(name,
                         std::make_shared<const pipeline_definition>(parse_definition(definition)),
                         std::move(behaviour), max_parallel_steps);
}

std::string service::create_pipeline(const std::string& name,
                                     std::shared_ptr<const pipeline_definition> definition,
                                     behaviour_map behaviour,
                                     std::optional<std::int64_t> max_parallel_steps) {
  if (!detail::hyphenated_name(name, 255))
    throw definition_error("/PipelineName",
                           "expected a pipeline name matching [a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}");
  pipeline_record p{name,
                    "arn:aws:sagemaker:" + impl_->options.region + ":" + impl_->options.account +
                        ":pipeline/" + name,
                    std::move(definition), std::move(behaviour), max_parallel_steps};
  for (const auto& [step, b] : p.behaviour) {
    if (p.definition->find(step) == nullptr)
      throw definition_error("/" + step, "behaviour for a step the definition does not have");
    (void)b;
  }
  if (max_parallel_steps && *max_parallel_steps < 1)
    throw definition_error("/ParallelismConfiguration/MaxParallelExecutionSteps",
                           "expected an integer >= 1");
  auto it = impl_->pipeline_index.find(name);
  if (it != impl_->pipeline_index.end()) {
    impl_->pipelines[it->second] = std::move(p);
  } else {
    impl_->pipeline_index[name] = impl_->pipelines.size();
    impl_->pipelines.push_back(std::move(p));
  }
  return impl_->pipelines[impl_->pipeline_index[name]].arn;
}

api_result service::call(std::string_view operation, const json& request) {
  api_result r;
  if (impl_->sim.chance("pipelines.api.throttle",
                        impl_->knobs.number("api.throttle_probability"))) {
    // [BC-Retry]: a throttled call is refused before it has any effect; SDKs retry it.
    r = api_result::failure("ThrottlingException", "Rate exceeded");
  } else if (impl_->sim.chance("pipelines.api.server_error",
                               impl_->knobs.number("api.server_error_probability"))) {
    // A 5xx says nothing about whether the request was carried out (the caller cannot tell a
    // failure before the effect from a lost answer after it), so both are choice points.
    r = models::server_error(impl_->sim.choose("pipelines.api.server_error.kind", 3),
                             [&] { return impl_->dispatch(operation, request); });
  } else {
    r = impl_->dispatch(operation, request);
  }
  if (impl_->sim.trace().enabled()) {
    json fields = {{"operation", operation}, {"outcome", r.ok() ? "ok" : r.error->code}};
    if (r.ok() && r.response.contains("PipelineExecutionArn"))
      fields["execution"] = r.response["PipelineExecutionArn"];
    impl_->sim.record("pipeline.api_call", fields);
  }
  return r;
}

const std::vector<std::string>& service::operations() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names;
    for (const impl::operation_row& row : impl::operation_table()) names.emplace_back(row.name);
    return names;
  }();
  return ops;
}

const std::set<std::string>& service::error_codes() {
  static const std::set<std::string> codes{k_validation,
                                           k_not_found,
                                           k_conflict,
                                           k_limit,
                                           "SerializationException",
                                           "ThrottlingException",
                                           "InternalFailure",
                                           "ServiceUnavailable",
                                           "UnknownOperationException"};
  return codes;
}

}  // namespace models::pipelines

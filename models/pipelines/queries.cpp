// DescribePipelineExecution, ListPipelineExecutionSteps and ListPipelineExecutions.
#include "models/pipelines/detail/service_impl.hpp"

namespace models::pipelines {

using namespace detail;
using models::api_result;
using nlohmann::json;

namespace {

std::string metadata_key(const std::string& type) {
  static const std::map<std::string, std::string> keys{{"Training", "TrainingJob"},
                                                       {"Processing", "ProcessingJob"},
                                                       {"Transform", "TransformJob"},
                                                       {"Tuning", "TuningJob"},
                                                       {"AutoML", "AutoMLJob"},
                                                       {"CreateModel", "Model"},
                                                       {"Model", "Model"},
                                                       {"RegisterModel", "RegisterModel"},
                                                       {"QualityCheck", "QualityCheck"},
                                                       {"ClarifyCheck", "ClarifyCheck"},
                                                       {"EMR", "EMR"}};
  auto it = keys.find(type);
  return it == keys.end() ? "Job" : it->second;
}

std::string resource_kind(const std::string& type) {
  static const std::map<std::string, std::string> kinds{{"Training", "training-job"},
                                                        {"Processing", "processing-job"},
                                                        {"Transform", "transform-job"},
                                                        {"Tuning", "hyper-parameter-tuning-job"},
                                                        {"AutoML", "automl-job"},
                                                        {"CreateModel", "model"},
                                                        {"Model", "model"},
                                                        {"RegisterModel", "model-package"},
                                                        {"QualityCheck", "processing-job"},
                                                        {"ClarifyCheck", "processing-job"},
                                                        {"EMR", "cluster"}};
  auto it = kinds.find(type);
  return it == kinds.end() ? "job" : it->second;
}

}  // namespace

json service::impl::describe_body(const execution& e) const {
  json r = {
      {"PipelineArn", pipelines[e.pipeline].arn},
      {"PipelineExecutionArn", e.arn},
      {"PipelineExecutionDisplayName", e.display_name},
      {"PipelineExecutionStatus", to_string(e.machine->status())},
      {"PipelineExperimentConfig", {{"ExperimentName", e.pipeline_name}, {"TrialName", e.id}}},
      {"CreationTime", timestamp(e.created)},
      {"LastModifiedTime", timestamp(e.last_modified)}};
  if (!e.description.empty()) r["PipelineExecutionDescription"] = e.description;
  if (e.machine->status() == execution_status::failed)
    r["FailureReason"] = e.failure_reason.substr(0, 1300);
  if (e.max_parallel)
    r["ParallelismConfiguration"] = {{"MaxParallelExecutionSteps", *e.max_parallel}};
  return r;
}

api_result service::impl::describe(const json& req) {
  if (auto err = check_execution_arn(req, "PipelineExecutionArn", true)) return *err;
  const std::string arn = req["PipelineExecutionArn"].get<std::string>();
  const execution* e = find_execution(arn);
  if (e == nullptr) return execution_not_found(arn);
  return api_result::success(describe_body(*e));
}

// Pagination: NextToken is the decimal offset of the next item, prefixed to look opaque.
std::optional<api_result> service::impl::page_args(const json& req, std::size_t& offset,
                                                   std::size_t& max) {
  if (auto err = check_string(req, "NextToken", false, 0, 8192)) return *err;
  offset = 0;
  max = 50;
  if (auto m = req.find("MaxResults"); m != req.end() && !m->is_null()) {
    if (!m->is_number_integer() || m->get<std::int64_t>() < 1 || m->get<std::int64_t>() > 100)
      return invalid("maxResults", *m, "Member must have value between 1 and 100");
    max = m->get<std::size_t>();
  }
  if (auto t = req.find("NextToken"); t != req.end() && t->is_string()) {
    const std::string& s = t->get_ref<const std::string&>();
    if (s.rfind("pipesim-", 0) != 0 || s.size() == 8 ||
        s.find_first_not_of("0123456789", 8) != std::string::npos)
      return api_result::failure(k_validation, "Invalid pagination token: " + s);
    offset = std::stoull(s.substr(8));
  }
  if (auto o = req.find("SortOrder");
      o != req.end() && !o->is_null() && *o != "Ascending" && *o != "Descending")
    return invalid("sortOrder", *o, "Member must satisfy enum value set: [Ascending, Descending]");
  return std::nullopt;
}

json service::impl::step_entry(const execution& e, std::size_t i) const {
  const step_run& r = e.steps[i];
  const step_def& s = def(e).steps[i];
  json j = {{"StepName", s.name},
            {"StepStatus", to_string(r.machine->status())},
            {"StartTime", timestamp(r.start_time)},
            {"AttemptCount", r.attempt}};
  if (!s.display_name.empty()) j["StepDisplayName"] = s.display_name;
  if (!s.description.empty()) j["StepDescription"] = s.description;
  if (r.end_time >= 0) j["EndTime"] = timestamp(r.end_time);
  if (r.machine->status() == step_status::failed)
    j["FailureReason"] = r.failure_reason.substr(0, 1024);
  json md = json::object();
  switch (s.kind) {
    case step_kind::job:
      md[metadata_key(s.type)] = {{"Arn", "arn:aws:sagemaker:" + options.region + ":" +
                                              options.account + ":" + resource_kind(s.type) +
                                              "/pipelines-" + e.id + "-" + s.name}};
      break;
    case step_kind::lambda:
      md["Lambda"] = {{"Arn", s.lambda_arn}, {"OutputParameters", r.output_parameters}};
      break;
    case step_kind::callback:
      md["Callback"] = {{"CallbackToken", r.token},
                        {"SqsQueueUrl", s.sqs_queue_url},
                        {"OutputParameters", r.output_parameters}};
      break;
    case step_kind::condition:
      if (r.outcome) md["Condition"] = {{"Outcome", *r.outcome ? "True" : "False"}};
      break;
    case step_kind::fail:
      if (!r.fail_message.is_null()) md["Fail"] = {{"ErrorMessage", r.fail_message}};
      break;
  }
  j["Metadata"] = md;
  return j;
}

api_result service::impl::list_steps(const json& req) {
  if (auto err = check_execution_arn(req, "PipelineExecutionArn", false)) return *err;
  std::size_t offset = 0, max = 50;
  if (auto err = page_args(req, offset, max)) return *err;
  const std::string arn = req.value("PipelineExecutionArn", "");
  const execution* e = find_execution(arn);
  if (e == nullptr) return execution_not_found(arn);
  std::vector<std::size_t> started;
  for (std::size_t i = 0; i < e->steps.size(); ++i)
    if (e->steps[i].machine) started.push_back(i);
  // Newest first unless Ascending is asked for (pipesim choice; AWS names no default order).
  const bool ascending = req.value("SortOrder", "Descending") == "Ascending";
  std::sort(started.begin(), started.end(), [&](std::size_t a, std::size_t b) {
    return ascending ? e->steps[a].start_seq < e->steps[b].start_seq
                     : e->steps[a].start_seq > e->steps[b].start_seq;
  });
  json items = json::array();
  for (std::size_t k = offset; k < started.size() && items.size() < max; ++k)
    items.push_back(step_entry(*e, started[k]));
  json out = {{"PipelineExecutionSteps", items}};
  if (offset + max < started.size()) out["NextToken"] = "pipesim-" + std::to_string(offset + max);
  return api_result::success(out);
}

api_result service::impl::list_executions(const json& req) {
  if (auto err = check_string(req, "PipelineName", true, 1, 2048, pipeline_name_pattern,
                              k_pipeline_name_pattern))
    return *err;
  std::size_t offset = 0, max = 50;
  if (auto err = page_args(req, offset, max)) return *err;
  const std::string sort_by = req.value("SortBy", "CreationTime");
  if (sort_by != "CreationTime" && sort_by != "PipelineExecutionArn")
    return invalid("sortBy", req["SortBy"],
                   "Member must satisfy enum value set: [CreationTime, PipelineExecutionArn]");
  for (const char* t : {"CreatedAfter", "CreatedBefore"})
    if (req.contains(t) && !req[t].is_number())
      return invalid(lower_camel(t), req[t], "Member must be a timestamp (epoch seconds)");
  const auto pi = find_pipeline(req["PipelineName"].get<std::string>());
  if (!pi)
    return api_result::failure(
        k_not_found, "Pipeline '" + req["PipelineName"].get<std::string>() + "' does not exist.");
  std::vector<const execution*> found;
  for (const auto& e : executions) {
    if (e->pipeline != *pi) continue;
    const double t = timestamp(e->created);
    if (req.contains("CreatedAfter") && t <= req["CreatedAfter"].get<double>()) continue;
    if (req.contains("CreatedBefore") && t >= req["CreatedBefore"].get<double>()) continue;
    found.push_back(e.get());
  }
  const bool ascending = req.value("SortOrder", "Descending") == "Ascending";
  std::stable_sort(found.begin(), found.end(), [&](const execution* a, const execution* b) {
    if (sort_by == "PipelineExecutionArn") return ascending ? a->arn < b->arn : a->arn > b->arn;
    return ascending ? a->created < b->created : a->created > b->created;
  });
  if (!ascending && sort_by == "CreationTime") {
    // Equal creation times: newest (last created) first.
    std::stable_sort(found.begin(), found.end(), [&](const execution* a, const execution* b) {
      if (a->created != b->created) return a->created > b->created;
      return execution_index.at(a->arn) > execution_index.at(b->arn);
    });
  }
  json items = json::array();
  for (std::size_t k = offset; k < found.size() && items.size() < max; ++k) {
    const execution& e = *found[k];
    json s = {{"PipelineExecutionArn", e.arn},
              {"StartTime", timestamp(e.created)},
              {"PipelineExecutionStatus", to_string(e.machine->status())},
              {"PipelineExecutionDisplayName", e.display_name}};
    if (!e.description.empty()) s["PipelineExecutionDescription"] = e.description;
    if (e.machine->status() == execution_status::failed)
      s["PipelineExecutionFailureReason"] = e.failure_reason.substr(0, 3072);
    items.push_back(s);
  }
  json out = {{"PipelineExecutionSummaries", items}};
  if (offset + max < found.size()) out["NextToken"] = "pipesim-" + std::to_string(offset + max);
  return api_result::success(out);
}

}  // namespace models::pipelines

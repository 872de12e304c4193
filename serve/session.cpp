#include "serve/session.hpp"

#include "models/pipelines/definition.hpp"
#include "models/pipelines/service.hpp"
#include "models/sqs/service.hpp"
#include "scenarios/behaviour_parse.hpp"
#include "scenarios/trace_file.hpp"
#include "sim/simulation.hpp"

#include <algorithm>

namespace serve {

using nlohmann::json;
namespace pl = models::pipelines;

json empty_scenario_document() {
  return {{"pipesim", 1},
          {"name", "serve"},
          {"description", "An empty world: clients create their queues and pipelines."}};
}

// What DescribePipeline/ListPipelines answer for a registered pipeline. The model keeps the
// parsed definition; these are the members AWS echoes back.
struct session::pipeline_record {
  std::string name;
  std::string arn;
  std::string definition;  // as the client sent it
  std::string display_name;
  std::string description;
  std::string role_arn;
  std::string create_token;
  std::optional<std::int64_t> parallelism;
  sim::time_us created_us = 0;
  sim::time_us modified_us = 0;
  bool deleted = false;
};

namespace {

constexpr std::int64_t k_epoch_ms = 1'767'225'600'000;  // virtual time 0, as the models use

double timestamp(sim::time_us t) {
  return static_cast<double>(k_epoch_ms) / 1000.0 + static_cast<double>(t) / 1e6;
}

models::api_result validation(const std::string& message) {
  return models::api_result::failure("ValidationException", message);
}

bool is_string(const json& j, const char* key) { return j.contains(key) && j[key].is_string(); }

}  // namespace

session::session(const scenarios::scenario& sc, std::ostream* trace_sink, bool keep_trace_lines)
    : sc_(sc) {
  scenarios::run_options options;
  options.trace = true;
  options.trace_sink = trace_sink;
  options.keep_trace_lines = keep_trace_lines;
  run_ = std::make_unique<scenarios::stepped_run>(sc_, std::move(options));
  clients_lane_ = run_->simulation().lane("clients");
  run_->start();
  for (const scenarios::pipeline_spec& p : sc_.pipelines) {
    auto r = std::make_unique<pipeline_record>();
    r->name = p.name;
    r->arn = "arn:aws:sagemaker:" + sc_.region + ":" + sc_.account + ":pipeline/" + p.name;
    r->definition =
        p.definition.is_string() ? p.definition.get<std::string>() : p.definition.dump();
    r->display_name = p.name;
    r->role_arn = "arn:aws:iam::" + sc_.account + ":role/pipesim-scenario";
    r->parallelism = p.parallelism;
    pipelines_[p.name] = std::move(r);
  }
  // The scenario's own actions and consumers may run at time 0.
  settle();
}

session::~session() = default;

sim::time_us session::now() const noexcept { return run_->simulation().now(); }
std::uint64_t session::pending_events() const noexcept {
  return run_->simulation().pending_events();
}

void session::settle() { run_->advance(sim::run_limits{run_->simulation().now()}); }

bool session::submit(const wire::call& c, reply_fn reply) {
  sim::simulation& s = run_->simulation();
  const std::uint64_t n = ++requests_;
  s.record("serve.request", {{"n", n},
                             {"protocol", std::string(wire::to_string(c.proto))},
                             {"operation", c.operation},
                             {"params", c.params}});
  struct state {
    bool answered = false;
    bool parked = false;
  };
  auto st = std::make_shared<state>();
  auto finish = [this, n, st, reply = std::move(reply)](const models::api_result& r) {
    st->answered = true;
    if (st->parked) --parked_;
    run_->simulation().record("serve.response",
                              {{"n", n}, {"ok", r.ok()}, {"error", r.ok() ? "" : r.error->code}});
    reply(r);
  };
  if (c.sqs()) {
    run_->sqs().call_async(
        c.operation, c.params, [finish](models::api_result r) { finish(r); }, clients_lane_);
  } else {
    finish(sagemaker_call(c.operation, c.params));
  }
  settle();
  if (!st->answered) {
    st->parked = true;
    ++parked_;
  }
  return st->answered;
}

void session::advance_to(sim::time_us to_us) {
  sim::simulation& s = run_->simulation();
  if (to_us < s.now()) to_us = s.now();
  s.record("serve.advance", {{"to_us", to_us}});
  run_->advance(sim::run_limits{to_us});
}

void session::advance_until_idle() {
  run_->simulation().record("serve.advance", {{"until", "idle"}});
  run_->advance(sim::run_limits{sc_.until_us, sc_.max_events}, true);
}

bool session::advance_to_next_event() {
  sim::simulation& s = run_->simulation();
  if (s.pending_events() == 0) return false;
  const sim::time_us before = s.now();
  // One event shows where the next instant is; the rest of that instant follows. Recorded as
  // an advance to that instant, which replays identically (nothing lies in between).
  sim::run_limits one;
  one.max_events = 1;
  s.record("serve.advance", {{"next", true}});
  run_->advance(one);
  settle();
  return s.now() >= before;
}

json session::report_json() {
  json out = run_->report().to_json();
  out["scenario"] = sc_.name;
  return out;
}

json session::trace_header(const std::string& version) {
  const scenarios::run_report r = run_->report();
  return {{"pipesim_trace", scenarios::k_trace_format},
          {"version", version},
          {"serve", true},
          {"file", sc_.file},
          {"seed", r.seed},
          {"profile", r.profile},
          {"strategy", r.strategy},
          {"knobs", r.knobs},
          {"scenario", sc_.document}};
}

json session::trace_end() {
  const scenarios::run_report r = run_->report();
  return {{"end", true},
          {"records", r.trace_records},
          {"digest", sim::format_digest(r.digest)},
          {"choices", r.choices},
          {"sim_time_us", r.sim_time_us}};
}

const std::vector<std::string>& session::trace_lines() const {
  return run_->simulation().trace().lines();
}

models::api_result session::sagemaker_call(const std::string& op, const json& req) {
  const sim::time_us now_us = run_->simulation().now();
  const auto find = [&](const json& name_or_arn) -> pipeline_record* {
    if (!name_or_arn.is_string()) return nullptr;
    std::string name = name_or_arn.get<std::string>();
    const std::size_t slash = name.rfind(":pipeline/");
    if (slash != std::string::npos) name = name.substr(slash + 10);
    const auto it = pipelines_.find(name);
    return it == pipelines_.end() || it->second->deleted ? nullptr : it->second.get();
  };
  const auto not_found = [&](const json& name) {
    return models::api_result::failure(
        "ResourceNotFound", "Pipeline '" +
                                (name.is_string() ? name.get<std::string>() : name.dump()) +
                                "' does not exist.");
  };
  const auto missing = [](const char* member) {
    return validation(std::string("1 validation error detected: Value null at '") + member +
                      "' failed to satisfy constraint: Member must not be null");
  };

  if (op == "CreatePipeline" || op == "UpdatePipeline") {
    const bool create = op == "CreatePipeline";
    if (!is_string(req, "PipelineName")) return missing("pipelineName");
    const std::string name = req["PipelineName"];
    if (create && !is_string(req, "RoleArn")) return missing("roleArn");
    if (req.contains("PipelineDefinitionS3Location")) {
      return validation(
          "PipelineDefinitionS3Location is not simulated (pipesim has no S3): send "
          "the definition in PipelineDefinition.");
    }
    pipeline_record* existing = find(req["PipelineName"]);
    if (create && existing) {
      // Same name and idempotency token: the same request again (ClientRequestToken).
      if (req.value("ClientRequestToken", std::string()) == existing->create_token &&
          !existing->create_token.empty()) {
        return models::api_result::success({{"PipelineArn", existing->arn}});
      }
      return validation(
          "Pipeline names must be unique within an AWS account and region. Pipeline "
          "with name (" +
          name + ") already exists.");
    }
    if (!create && !existing) return not_found(req["PipelineName"]);
    if (create && !is_string(req, "PipelineDefinition")) return missing("pipelineDefinition");
    std::optional<std::int64_t> parallelism = existing ? existing->parallelism : std::nullopt;
    if (req.contains("ParallelismConfiguration")) {
      const json& p = req["ParallelismConfiguration"];
      if (!p.is_object() || !p.contains("MaxParallelExecutionSteps") ||
          !p["MaxParallelExecutionSteps"].is_number_integer()) {
        return validation("ParallelismConfiguration.MaxParallelExecutionSteps must be an integer.");
      }
      parallelism = p["MaxParallelExecutionSteps"].get<std::int64_t>();
    }
    std::string definition = existing ? existing->definition : std::string();
    if (is_string(req, "PipelineDefinition")) definition = req["PipelineDefinition"];
    const json parsed = json::parse(definition, nullptr, false);
    if (parsed.is_discarded()) return validation("PipelineDefinition is not valid JSON.");
    // Step behaviours: the scenario's for a pipeline of that name, else the documented defaults.
    pl::behaviour_map behaviour;
    for (const scenarios::pipeline_spec& p : sc_.pipelines) {
      if (p.name == name) behaviour = scenarios::parse_behaviour(p.steps);
    }
    std::string arn;
    try {
      arn = run_->sagemaker().create_pipeline(name, parsed, behaviour, parallelism);
    } catch (const pl::definition_error& e) {
      try {
        arn = run_->sagemaker().create_pipeline(name, parsed, {}, parallelism);
      } catch (const pl::definition_error& e2) {
        return validation(std::string("Invalid pipeline definition: ") + e2.what());
      }
      (void)e;
    }
    auto r = std::make_unique<pipeline_record>();
    if (existing) *r = *existing;
    r->name = name;
    r->arn = arn;
    r->definition = definition;
    r->parallelism = parallelism;
    r->modified_us = now_us;
    if (create) {
      r->created_us = now_us;
      r->create_token = req.value("ClientRequestToken", std::string());
      r->display_name = req.value("PipelineDisplayName", name);
      r->description = req.value("PipelineDescription", std::string());
      r->role_arn = req.value("RoleArn", std::string());
    } else {
      if (is_string(req, "PipelineDisplayName")) r->display_name = req["PipelineDisplayName"];
      if (is_string(req, "PipelineDescription")) r->description = req["PipelineDescription"];
      if (is_string(req, "RoleArn")) r->role_arn = req["RoleArn"];
    }
    pipelines_[name] = std::move(r);
    return models::api_result::success({{"PipelineArn", arn}});
  }
  if (op == "DescribePipeline") {
    if (!req.contains("PipelineName")) return missing("pipelineName");
    const pipeline_record* p = find(req["PipelineName"]);
    if (!p) return not_found(req["PipelineName"]);
    json out{{"PipelineArn", p->arn},
             {"PipelineName", p->name},
             {"PipelineDisplayName", p->display_name},
             {"PipelineDefinition", p->definition},
             {"RoleArn", p->role_arn},
             {"PipelineStatus", "Active"},
             {"CreationTime", timestamp(p->created_us)},
             {"LastModifiedTime", timestamp(p->modified_us)}};
    if (!p->description.empty()) out["PipelineDescription"] = p->description;
    if (p->parallelism) {
      out["ParallelismConfiguration"] = {{"MaxParallelExecutionSteps", *p->parallelism}};
    }
    return models::api_result::success(out);
  }
  if (op == "DeletePipeline") {
    if (!req.contains("PipelineName")) return missing("pipelineName");
    pipeline_record* p = find(req["PipelineName"]);
    if (!p) return not_found(req["PipelineName"]);
    p->deleted = true;
    return models::api_result::success({{"PipelineArn", p->arn}});
  }
  if (op == "ListPipelines") {
    const std::string prefix = req.value("PipelineNamePrefix", std::string());
    const std::string sort_by = req.value("SortBy", std::string("CreationTime"));
    const std::string order = req.value("SortOrder", std::string("Descending"));
    if (sort_by != "Name" && sort_by != "CreationTime") {
      return validation("Value '" + sort_by +
                        "' at 'sortBy' failed to satisfy constraint: Member "
                        "must satisfy enum value set: [Name, CreationTime]");
    }
    if (order != "Ascending" && order != "Descending") {
      return validation("Value '" + order +
                        "' at 'sortOrder' failed to satisfy constraint: Member "
                        "must satisfy enum value set: [Ascending, Descending]");
    }
    std::vector<const pipeline_record*> rows;
    for (const auto& [name, p] : pipelines_) {
      if (!p->deleted && name.compare(0, prefix.size(), prefix) == 0) rows.push_back(p.get());
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const pipeline_record* a, const pipeline_record* b) {
                       return sort_by == "Name" ? a->name < b->name : a->created_us < b->created_us;
                     });
    if (order == "Descending") std::reverse(rows.begin(), rows.end());
    std::size_t start = 0;
    if (is_string(req, "NextToken")) {
      for (const char ch : req["NextToken"].get<std::string>()) {
        if (ch < '0' || ch > '9' || start > 1'000'000) return validation("Invalid NextToken.");
        start = start * 10 + static_cast<std::size_t>(ch - '0');
      }
    }
    std::size_t max = 50;
    if (req.contains("MaxResults") && req["MaxResults"].is_number_integer()) {
      const std::int64_t m = req["MaxResults"];
      if (m < 1 || m > 100) return validation("MaxResults must be between 1 and 100.");
      max = static_cast<std::size_t>(m);
    }
    json summaries = json::array();
    for (std::size_t i = start; i < rows.size() && i < start + max; ++i) {
      const pipeline_record* p = rows[i];
      json row{{"PipelineArn", p->arn},
               {"PipelineName", p->name},
               {"PipelineDisplayName", p->display_name},
               {"RoleArn", p->role_arn},
               {"CreationTime", timestamp(p->created_us)},
               {"LastModifiedTime", timestamp(p->modified_us)}};
      if (!p->description.empty()) row["PipelineDescription"] = p->description;
      summaries.push_back(row);
    }
    json out{{"PipelineSummaries", summaries}};
    if (start + max < rows.size()) out["NextToken"] = std::to_string(start + max);
    return models::api_result::success(out);
  }
  if (op == "StartPipelineExecution" && req.contains("PipelineName") &&
      req["PipelineName"].is_string()) {
    std::string name = req["PipelineName"];
    const std::size_t slash = name.rfind(":pipeline/");
    if (slash != std::string::npos) name = name.substr(slash + 10);
    const auto it = pipelines_.find(name);
    if (it != pipelines_.end() && it->second->deleted) return not_found(req["PipelineName"]);
  }
  return run_->sagemaker().call(op, req);
}

}  // namespace serve

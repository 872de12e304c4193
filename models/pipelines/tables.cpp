// The effects' names and the three transition tables as Markdown, built from the tables the
// machines run, so the README copy cannot drift unnoticed (tests/models/pipelines/machines_test).
#include "models/pipelines/callback_machine.hpp"
#include "models/pipelines/effects.hpp"
#include "models/pipelines/execution_machine.hpp"
#include "models/pipelines/service.hpp"
#include "models/pipelines/step_machine.hpp"

#include <algorithm>
#include <array>

namespace models::pipelines {
namespace {

constexpr std::array<std::string_view, 12> k_effect_names{
    "none",
    "stop_running_steps",
    "rerun_ended_steps",
    "stop_work",
    "start_callback_timer",
    "send_stopping_message",
    "abandon_message_send",
    "end_step_succeeded",
    "end_step_failed",
    "end_stopping_step_after_success",
    "end_stopping_step_after_failure",
    "fail_step_timed_out",
};

std::string markdown(const std::vector<table_row>& rows) {
  std::string out = "| Start | Event | Next | Action | Guard |\n|---|---|---|---|---|\n";
  for (const table_row& r : rows) {
    out += "| `" + r.from + "` | `" + r.event + "` | `" + r.to + "` | " +
           (r.action == "none" ? std::string("") : "`" + r.action + "`") + " | " +
           (r.guard == "none" ? std::string("") : "`" + r.guard + "`") + " |\n";
  }
  return out;
}

}  // namespace

std::string_view to_string(effect e) noexcept {
  return k_effect_names.at(static_cast<std::size_t>(e));
}

std::string transition_tables_markdown() {
  return "Execution (`execution_machine.cpp`):\n\n" + markdown(execution_machine::table()) +
         "\nStep (`step_machine.cpp`):\n\n" + markdown(step_machine::table()) +
         "\nCallback path, one per callback attempt (`callback_machine.cpp`):\n\n" +
         markdown(callback_machine::table());
}

std::string row_situation(std::string_view machine, std::string_view from, std::string_view event) {
  std::string id = "sagemaker.";
  id += machine;
  id += '.';
  id += from;
  id += '.';
  id += event;
  return id;
}

std::vector<sim::situation> situations() {
  std::vector<sim::situation> out;
  const auto rows = [&](const char* machine, const char* title,
                        const std::vector<table_row>& table) {
    for (const table_row& r : table) {
      out.push_back({row_situation(machine, r.from, r.event),
                     std::string(title) + " row: " + r.from + " --" + r.event + "--> " + r.to});
    }
  };
  rows("execution", "execution", execution_machine::table());
  rows("step", "step", step_machine::table());
  rows("callback", "callback path", callback_machine::table());
  out.push_back(
      {"sagemaker.answer_rejected", "a Send* answer came for a token whose step no longer waits"});
  out.push_back(
      {"sagemaker.stop_replayed", "a StopPipelineExecution replayed its ClientRequestToken"});
  return out;
}

}  // namespace models::pipelines

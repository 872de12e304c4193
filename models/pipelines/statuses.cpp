// Names of the pipelines statuses.
#include "models/pipelines/statuses.hpp"

#include <array>

namespace models::pipelines {
namespace {
constexpr std::array<std::string_view, 5> k_execution{"Executing", "Stopping", "Stopped", "Failed",
                                                      "Succeeded"};
constexpr std::array<std::string_view, 6> k_step{"Starting", "Executing", "Stopping",
                                                 "Stopped",  "Failed",    "Succeeded"};
constexpr std::array<std::string_view, 8> k_callback{
    "token_issued",     "waiting_for_answer", "stopping_message_pending", "stopping_message_sent",
    "answered_success", "answered_failure",   "message_send_failed",      "timed_out"};
}  // namespace

std::string_view to_string(execution_status s) noexcept {
  return k_execution.at(static_cast<std::size_t>(s));
}
std::string_view to_string(step_status s) noexcept {
  return k_step.at(static_cast<std::size_t>(s));
}
std::string_view to_string(callback_state s) noexcept {
  return k_callback.at(static_cast<std::size_t>(s));
}

std::optional<execution_status> parse_execution_status(std::string_view s) noexcept {
  for (std::size_t i = 0; i < k_execution.size(); ++i)
    if (k_execution[i] == s) return static_cast<execution_status>(i);
  return std::nullopt;
}
std::optional<step_status> parse_step_status(std::string_view s) noexcept {
  for (std::size_t i = 0; i < k_step.size(); ++i)
    if (k_step[i] == s) return static_cast<step_status>(i);
  return std::nullopt;
}

}  // namespace models::pipelines

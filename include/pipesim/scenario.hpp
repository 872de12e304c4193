// Scenario files: loading and validating them. Every error names the file, the JSON pointer of
// the bad field and what was expected. The format is documented in scenarios/README.md and
// scenarios/scenario.schema.json (installed with pipesim).
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pipesim {

/// One problem in a scenario file.
struct problem {
  std::string pointer;  ///< JSON pointer of the bad field ("" for the whole document).
  std::string message;  ///< What was expected, and what was found.
};

/// Thrown when a scenario does not load, with every problem found. what() is one line per
/// problem: "<file>: <pointer>: <message>".
class scenario_error : public std::runtime_error {
 public:
  scenario_error(std::string file, std::vector<problem> problems);
  const std::string& file() const noexcept { return file_; }
  const std::vector<problem>& problems() const noexcept { return problems_; }

 private:
  std::string file_;
  std::vector<problem> problems_;
};

namespace detail {
struct scenario_access;
}

/// A validated scenario. Cheap to copy (the parsed contents are shared and immutable).
class scenario {
 public:
  /// Reads and validates a scenario file; definition_file paths are relative to it. Throws
  /// scenario_error (an unreadable file or invalid JSON included).
  static scenario load(const std::string& path);
  /// Validates a scenario document; `file` names it in messages and anchors relative paths.
  static scenario parse(const nlohmann::json& document, const std::string& file = "<inline>");

  const std::string& name() const;
  const std::string& file() const;
  /// What AWS allows but is most likely a mistake (see `pipesim validate`).
  const std::vector<problem>& warnings() const;

  struct impl;

 private:
  explicit scenario(std::shared_ptr<const impl> p) : impl_(std::move(p)) {}
  friend struct detail::scenario_access;
  std::shared_ptr<const impl> impl_;
};

}  // namespace pipesim

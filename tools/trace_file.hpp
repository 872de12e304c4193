// Writes a trace file atomically: lines go to PATH.tmp, which is renamed to PATH only when the
// end line is written, so a killed run never leaves a half trace that looks whole.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <fstream>
#include <string>

namespace pipesim::tools {

class trace_file {
 public:
  /// Opens PATH.tmp for writing; throws std::runtime_error naming the path on failure.
  explicit trace_file(std::string path);
  /// Removes the temporary file if finish() was never called.
  ~trace_file();
  trace_file(const trace_file&) = delete;
  trace_file& operator=(const trace_file&) = delete;

  /// The stream event lines go to (hand it to sim::trace::set_sink).
  std::ostream& stream() noexcept { return out_; }
  /// Writes one JSON line (the header or the end record).
  void write_line(const nlohmann::json& line);
  /// Writes the end line, flushes, and renames PATH.tmp to PATH.
  void finish(const nlohmann::json& end_line);

 private:
  std::string path_;
  std::string tmp_path_;
  std::ofstream out_;
  bool finished_ = false;
};

}  // namespace pipesim::tools

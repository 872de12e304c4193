// Atomic trace file.
#include "trace_file.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <stdexcept>

namespace pipesim::tools {

trace_file::trace_file(std::string path) : path_(std::move(path)), tmp_path_(path_ + ".tmp") {
  out_.open(tmp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error("cannot write trace file " + tmp_path_);
}

trace_file::~trace_file() {
  if (!finished_) {
    out_.close();
    std::remove(tmp_path_.c_str());
  }
}

void trace_file::write_line(const nlohmann::json& line) { out_ << line.dump() << '\n'; }

void trace_file::finish(const nlohmann::json& end_line) {
  write_line(end_line);
  out_.flush();
  out_.close();
  if (!out_ || std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    throw std::runtime_error("cannot write trace file " + path_);
  }
  finished_ = true;
}

}  // namespace pipesim::tools

// What every fuzz target shares. A target is `LLVMFuzzerTestOneInput`: it feeds one input to a
// reader of pipesim's and lets only that reader's documented errors out of it; any other
// exception, a crash or a sanitizer report is a finding. Built with libFuzzer under clang
// (PIPESIM_FUZZ=ON), and, with driver.cpp, as a plain program that replays inputs in CTest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#define PIPESIM_FUZZ_TARGET \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)

namespace pipesim::fuzz {

inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace pipesim::fuzz

// What the public API's opaque types hold, for the library's own files (never installed).
#pragma once

#include "scenarios/scenario.hpp"

#include <memory>
#include <pipesim/scenario.hpp>
#include <utility>

namespace pipesim {

struct scenario::impl {
  scenarios::scenario parsed;
};

namespace detail {

/// The library's access to what a pipesim::scenario holds.
struct scenario_access {
  static const scenarios::scenario& parsed(const pipesim::scenario& s) { return s.impl_->parsed; }
  static pipesim::scenario wrap(scenarios::scenario sc) {
    return pipesim::scenario(
        std::make_shared<const pipesim::scenario::impl>(pipesim::scenario::impl{std::move(sc)}));
  }
};

}  // namespace detail
}  // namespace pipesim

#include "scenarios/runner.hpp"

#include <pipesim/run.hpp>

namespace scenarios {

/// The runner's options for the public ones (`scenario_seed`: the seed when `o` has none).
run_options internal_options(const pipesim::run_options& o, std::uint64_t scenario_seed);

}  // namespace scenarios

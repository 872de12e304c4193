// A user's own Lambda handler, run by the shim of its language (runtimes/PROTOCOL.md) as a
// pipesim::lambda::handler: one shim process per execution environment, its AWS calls answered
// by the simulated world (or the scenario's mocks) at the invoke's virtual instant, its output
// and calls recorded in the trace.
#pragma once

#include "runtimes/spec.hpp"

#include <functional>
#include <map>
#include <memory>
#include <pipesim/lambda.hpp>
#include <string>

namespace runtimes {

/// Everything one run's environments of one function share.
struct function_setup {
  runtime_spec spec;
  std::map<std::string, std::string> environment;  ///< The function's own variables.
  std::shared_ptr<const mock_table> mocks;
  /// Where a problem with the handler is reported: the scenario file and the JSON pointer of
  /// the consumer's "lambda" object (errors are scenario_errors there).
  std::string scenario_file;
  std::string pointer;
  /// A call the simulation can neither answer nor mock; the run fails with this message.
  std::function<void(const std::string&)> on_unsimulated_call;
};

/// The factory for one run: each environment it makes starts its own shim process on first use.
/// Everything that cannot work as given (the handler does not load, hangs past the wall-clock
/// guard, breaks the protocol) throws pipesim::scenario_error naming the handler file.
pipesim::lambda::handler_factory shim_factory(function_setup setup);

}  // namespace runtimes

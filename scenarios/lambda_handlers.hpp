// The built-in Lambda handlers of scenario files ("lambda": {"handler": ...}), written on the
// public handler API (<pipesim/lambda.hpp>) like any user's handler.
#pragma once

#include "scenarios/scenario.hpp"

#include <pipesim/lambda.hpp>

namespace scenarios {

/// The handler a scenario's "handler" names; one object per execution environment.
pipesim::lambda::handler_factory builtin_lambda_handler(lambda_handler kind);

}  // namespace scenarios

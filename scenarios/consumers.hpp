// The built-in consumers of scenario files, written on the public consumer API
// (<pipesim/consumer.hpp>) like any user's consumer.
#pragma once

#include "scenarios/scenario.hpp"

#include <pipesim/consumer.hpp>

namespace scenarios {

/// The consumer a scenario's "behavior" names: a worker that handles each callback message as a
/// job of its own (like a Lambda event source mapping with concurrency), answers with Send* and
/// deletes the message, each step as the behaviour dictates.
pipesim::consumer_factory builtin_consumer(const consumer_spec& spec);

}  // namespace scenarios

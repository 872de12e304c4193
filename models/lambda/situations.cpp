// The situations the Lambda event source mapping reaches (sim::simulation::reach), for behaviour
// coverage.
#include "models/lambda/mapping.hpp"

namespace models::lambda {

std::vector<sim::situation> situations() {
  return {
      {"lambda.cold_start", "an invoke started a new execution environment"},
      {"lambda.warm_start", "an invoke reused a warm environment (module state kept)"},
      {"lambda.batch_of_several", "an invoke got more than one record"},
      {"lambda.record_retried", "an invoke got a record Lambda had handed over before"},
      {"lambda.handler_raised", "a handler raised: the whole batch comes back"},
      {"lambda.invocation_timed_out", "an invoke ran past the function timeout"},
      {"lambda.runtime_exited", "an invoke's runtime died (Runtime.ExitError)"},
      {"lambda.batch_partially_failed",
       "a batch response listed some records: only those come back"},
      {"lambda.invalid_batch_response",
       "a batch response Lambda reads as a complete failure (bad itemIdentifier, ...)"},
      {"lambda.acknowledgement_lost", "Lambda never got a successful invoke's result"},
      {"lambda.throttled", "a batch was throttled (concurrency)"},
      {"lambda.message_filtered", "a message matched no filter and was deleted unseen"},
  };
}

}  // namespace models::lambda

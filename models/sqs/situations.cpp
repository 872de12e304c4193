// The situations the SQS model reaches (sim::simulation::reach), for behaviour coverage.
#include "models/sqs/service.hpp"

namespace models::sqs {

std::vector<sim::situation> situations() {
  return {
      {"sqs.message_redelivered", "a message was received again after its visibility ended"},
      {"sqs.duplicate_created", "SQS made a duplicate copy of a message (at-least-once)"},
      {"sqs.duplicate_delivered", "a duplicate copy of a message was received"},
      {"sqs.visibility_timeout_expired",
       "a received message became visible again: nobody deleted it within its visibility "
       "timeout (work outlived it, or the receiver died)"},
      {"sqs.visibility_released", "a receiver set a message's visibility timeout to 0"},
      {"sqs.moved_to_dlq", "a message moved to its dead-letter queue (maxReceiveCount)"},
      {"sqs.message_expired", "a message reached the queue's retention period"},
      {"sqs.stale_delete_ignored", "a delete with a stale receipt handle left the message in"},
      {"sqs.false_empty_receive", "a short poll answered empty although messages were there"},
  };
}

}  // namespace models::sqs

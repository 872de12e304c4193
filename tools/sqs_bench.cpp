// pipesim-bench-sqs: SQS model throughput and memory with 100k messages in flight on one queue.
// Wall-clock timing is fine here: this measures the simulator, it is not part of a simulation.
//
// Method:
//  1. Fill: send 100,000 messages (100-byte bodies) and receive them all with a 12-hour
//     visibility timeout, so 100,000 copies are in flight. Memory per message = growth of
//     malloc's in-use bytes (mallinfo2().uordblks) over the fill, divided by 100,000. This counts
//     every heap byte the model keeps per message (message record, indexes, census row, ids).
//  2. Steady state: with those 100,000 in flight, repeat SendMessage + ReceiveMessage +
//     DeleteMessage through service::call (full JSON request/response path) and report API
//     operations per second (3 per iteration).
// Runs for the ideal and aws_documented profiles (the latter asks choice points and records them).
#include "models/sqs/service.hpp"
#include "sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <malloc.h>
#include <string>

namespace {

using clock_type = std::chrono::steady_clock;
using nlohmann::json;

constexpr int k_in_flight = 100'000;
constexpr int k_iterations = 200'000;

std::size_t heap_in_use() { return mallinfo2().uordblks; }

void run(models::profile p) {
  sim::simulation s(42);
  models::sqs::service sqs(s, models::knob_values(models::sqs::knobs(), p));
  const std::string url =
      sqs.call("CreateQueue",
               {{"QueueName", "bench"}, {"Attributes", {{"VisibilityTimeout", "43200"}}}})
          .response["QueueUrl"];
  const std::string body(100, 'x');
  const json send_req{{"QueueUrl", url}, {"MessageBody", body}};
  const json recv10{{"QueueUrl", url}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", 0}};
  const json recv1{{"QueueUrl", url}, {"MaxNumberOfMessages", 1}, {"WaitTimeSeconds", 0}};

  // Let any send-to-visible latency pass before receiving.
  auto settle = [&] {
    const sim::time_us t = s.now() + 10 * sim::k_second_us;
    s.schedule_at(t, [] {});
    s.run({t});
  };

  const std::size_t heap0 = heap_in_use();
  const auto fill0 = clock_type::now();
  for (int i = 0; i < k_in_flight; ++i) sqs.call("SendMessage", send_req);
  settle();
  int in_flight = 0;
  while (in_flight < k_in_flight) {
    auto r = sqs.call("ReceiveMessage", recv10);
    if (!r.response.contains("Messages")) continue;  // short-poll sampling may miss
    in_flight += static_cast<int>(r.response["Messages"].size());
  }
  const double fill_s = std::chrono::duration<double>(clock_type::now() - fill0).count();
  const std::size_t heap1 = heap_in_use();

  int done = 0, empty = 0;
  const auto t0 = clock_type::now();
  for (int i = 0; i < k_iterations; ++i) {
    sqs.call("SendMessage", send_req);
    models::api_result r = sqs.call("ReceiveMessage", recv1);
    while (!r.response.contains("Messages")) {  // send latency or short-poll sampling
      ++empty;
      const sim::time_us t = s.now() + 20 * sim::k_millisecond_us;
      s.schedule_at(t, [] {});
      s.run({t});
      r = sqs.call("ReceiveMessage", recv1);
    }
    const std::string h = r.response["Messages"][0]["ReceiptHandle"];
    sqs.call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", h}});
    ++done;
  }
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  const auto c = sqs.counters(url);
  std::printf(
      "profile %-15s fill: %d messages sent+received in %.2f s; heap +%.1f MiB = %.0f "
      "bytes/message in flight (100-byte bodies)\n",
      std::string(models::to_string(p)).c_str(), k_in_flight, fill_s,
      static_cast<double>(heap1 - heap0) / (1024.0 * 1024.0),
      static_cast<double>(heap1 - heap0) / k_in_flight);
  std::printf(
      "profile %-15s steady state with %d in flight: %d x (send+receive+delete) in %.2f s = %.0f "
      "API ops/s (%.0f cycles/s; %d empty short polls retried; duplicates %llu)\n",
      std::string(models::to_string(p)).c_str(), k_in_flight, done, secs, 3.0 * done / secs,
      done / secs, empty, static_cast<unsigned long long>(c.duplicates_created));
}

}  // namespace

int main() {
  run(models::profile::ideal);
  run(models::profile::aws_documented);
  return 0;
}

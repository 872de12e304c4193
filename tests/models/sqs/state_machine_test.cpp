// Random operation sequences (send, receive, delete, change visibility, time advancing) against a
// queue and a simple reference model. Properties checked after every step:
//  - conservation: every copy that entered the queue is in exactly one census state, and the
//    census agrees with the counters (sent originals, duplicate copies, deleted, expired, DLQ);
//  - no receive returns a message inside its delay or visibility window (per copy);
//  - FIFO: a message is returned only after every earlier message of its group left the queue
//    (or precedes it in the same response).
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>

#include <algorithm>
#include <map>
#include <rapidcheck.h>
#include <set>
#include <tuple>

using namespace sqs_test;
using op = std::tuple<int, int, int, int>;

namespace {

struct reference {
  struct msg {
    std::string group;
    std::size_t order = 0;          // send order within the queue
    sim::time_us not_before = 0;    // end of delay
    sim::time_us hidden_until = 0;  // end of the latest known visibility window
  };
  std::map<std::string, msg> by_id;
  std::vector<std::string> send_order;
  std::vector<std::pair<std::string, std::string>> handles;  // (message id, handle)
};

bool terminal(message_state s) {
  return s == message_state::deleted || s == message_state::expired || s == message_state::in_dlq;
}

void check_conservation(env& e, const std::string& url, const std::string& dlq,
                        const reference& ref) {
  const auto census = e.svc.census(url);
  const auto c = e.svc.counters(url);
  std::size_t originals = 0, copies = 0, deleted = 0, expired = 0, in_dlq = 0;
  std::set<std::string> ids;
  for (const auto& row : census) {
    (row.copy == 0 ? originals : copies) += 1;
    if (row.copy == 0) RC_ASSERT(ids.insert(row.message_id).second);  // one original per id
    deleted += row.state == message_state::deleted ? 1 : 0;
    expired += row.state == message_state::expired ? 1 : 0;
    in_dlq += row.state == message_state::in_dlq ? 1 : 0;
  }
  RC_ASSERT(originals == c.sent);
  RC_ASSERT(originals == ref.send_order.size());
  RC_ASSERT(copies == c.duplicates_created);
  RC_ASSERT(deleted == c.deleted + c.purged);
  RC_ASSERT(expired == c.expired);
  RC_ASSERT(in_dlq == c.moved_to_dlq);
  for (const auto& id : ref.send_order) RC_ASSERT(ids.count(id) == 1u);
  const auto dc = e.svc.counters(dlq);
  RC_ASSERT(dc.arrived_from_redrive == c.moved_to_dlq);
  std::size_t dlq_arrivals = 0, dlq_copies = 0, dlq_in_dlq = 0;
  for (const auto& row : e.svc.census(dlq)) {
    dlq_arrivals += row.from_redrive ? 1 : 0;
    dlq_copies += !row.from_redrive && row.copy > 0 ? 1 : 0;
    RC_ASSERT((row.from_redrive || row.copy > 0));  // nothing is sent to the DLQ directly
    dlq_in_dlq += row.state == message_state::in_dlq ? 1 : 0;
  }
  RC_ASSERT(dlq_arrivals == dc.arrived_from_redrive);
  RC_ASSERT(dlq_copies == dc.duplicates_created);
  RC_ASSERT(dlq_in_dlq == 0u);  // the DLQ has no redrive policy of its own
  // The states the API reports agree with the census.
  std::size_t visible = 0, delayed = 0, inflight = 0;
  for (const auto& row : census) {
    visible += row.state == message_state::visible ? 1 : 0;
    delayed += row.state == message_state::delayed ? 1 : 0;
    inflight += row.state == message_state::in_flight ? 1 : 0;
  }
  RC_ASSERT(e.attribute(url, "ApproximateNumberOfMessages") == std::to_string(visible));
  RC_ASSERT(e.attribute(url, "ApproximateNumberOfMessagesDelayed") == std::to_string(delayed));
  RC_ASSERT(e.attribute(url, "ApproximateNumberOfMessagesNotVisible") == std::to_string(inflight));
}

void run_sequence(models::profile p, bool fifo, std::uint64_t seed, const std::vector<op>& ops) {
  env e(p, seed);
  const std::string dlq_name = fifo ? "dlq.fifo" : "dlq";
  json dlq_attrs = json::object();
  if (fifo) dlq_attrs["FifoQueue"] = "true";
  const auto dlq = e.create(dlq_name, dlq_attrs);
  json attrs{{"MessageRetentionPeriod", "60"},
             {"RedrivePolicy",
              json{{"deadLetterTargetArn", "arn:aws:sqs:us-east-1:123456789012:" + dlq_name},
                   {"maxReceiveCount", 2}}
                  .dump()}};
  if (fifo) attrs["FifoQueue"] = "true";
  const auto url = e.create(fifo ? "q.fifo" : "q", attrs);
  reference ref;
  int counter = 0;
  for (const auto& [kind, a, b, c] : ops) {
    const sim::time_us now = e.sim.now();
    switch (kind) {
      case 0:
      case 1: {  // send
        json extra = json::object();
        const std::string group = "g" + std::to_string(a % 3);
        std::int64_t delay = 0;
        if (fifo) {
          extra["MessageGroupId"] = group;
          extra["MessageDeduplicationId"] = "d" + std::to_string(counter);
        } else if (b % 3 == 0) {
          delay = b % 4;
          extra["DelaySeconds"] = delay;
        }
        auto r = e.send(url, "body" + std::to_string(counter++), extra);
        RC_ASSERT(r.ok());
        const std::string id = r.response["MessageId"];
        ref.by_id[id] =
            reference::msg{group, ref.send_order.size(), now + delay * sim::k_second_us, 0};
        ref.send_order.push_back(id);
        break;
      }
      case 2:
      case 3:
      case 4: {  // receive
        const std::int64_t vt = c % 11;
        const int max = 1 + a % 10;
        const std::size_t visible_before = e.count_in(url, message_state::visible);
        const auto moved_before = e.svc.counters(url).moved_to_dlq;
        auto msgs = e.receive(url, {{"MaxNumberOfMessages", max}, {"VisibilityTimeout", vt}});
        if (p == models::profile::ideal && !fifo) {
          // Liveness in the ideal profile: a short poll returns every visible copy it may, up to
          // the maximum (copies moved to the DLQ on the way are not returned).
          const std::size_t moved = e.svc.counters(url).moved_to_dlq - moved_before;
          RC_ASSERT(msgs.size() ==
                    std::min<std::size_t>(static_cast<std::size_t>(max), visible_before - moved));
        }
        // Copies of ids with duplicates may legitimately overlap; check windows per single copy.
        std::map<std::string, std::size_t> copies;
        for (const auto& row : e.svc.census(url)) copies[row.message_id] += 1;
        std::set<std::string> earlier_in_response;
        for (const auto& m : msgs) {
          const std::string id = m["MessageId"];
          RC_ASSERT(ref.by_id.count(id) == 1u);
          auto& rm = ref.by_id[id];
          RC_ASSERT(now >= rm.not_before);
          if (copies[id] == 1) RC_ASSERT(now >= rm.hidden_until);
          rm.hidden_until = now + vt * sim::k_second_us;
          ref.handles.emplace_back(id, m["ReceiptHandle"]);
          if (fifo) {
            std::map<std::string, message_state> state;
            for (const auto& row : e.svc.census(url)) state[row.message_id] = row.state;
            for (std::size_t i = 0; i < rm.order; ++i) {
              const auto& other = ref.send_order[i];
              if (ref.by_id[other].group != rm.group) continue;
              RC_ASSERT((terminal(state[other]) || earlier_in_response.count(other) == 1u));
            }
          }
          earlier_in_response.insert(id);
        }
        break;
      }
      case 5: {  // delete
        if (ref.handles.empty()) break;
        const auto& [id, h] = ref.handles[static_cast<std::size_t>(a) % ref.handles.size()];
        const auto r = e.del(url, h);
        RC_ASSERT((r.ok() || (fifo && r.error->code == "InvalidParameterValue")));
        (void)id;
        break;
      }
      case 6: {  // change visibility
        if (ref.handles.empty()) break;
        const auto& [id, h] = ref.handles[static_cast<std::size_t>(a) % ref.handles.size()];
        const std::int64_t vt = c % 21;
        const auto r = e.change(url, h, vt);
        if (r.ok())
          ref.by_id[id].hidden_until = now + vt * sim::k_second_us;
        else
          RC_ASSERT(
              (r.error->code == "InvalidParameterValue" || r.error->code == "MessageNotInflight"));
        break;
      }
      default:  // time advances
        e.advance(static_cast<sim::time_us>(b % 50) * sim::k_second_us / 2 + c);
        break;
    }
    check_conservation(e, url, dlq, ref);
  }
}

rc::Gen<std::vector<op>> operations() {
  // inRange scales with the generation size; resize keeps every operation kind and argument
  // equally likely while the list length still grows (to 200) and shrinks with the size.
  return rc::gen::scale(
      2.0,
      rc::gen::container<std::vector<op>>(rc::gen::resize(
          rc::kNominalSize, rc::gen::tuple(rc::gen::inRange(0, 8), rc::gen::inRange(0, 1000),
                                           rc::gen::inRange(0, 1000), rc::gen::inRange(0, 1000)))));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(state_machine_test)

RC_BOOST_PROP(standard_queue_conserves_messages_and_respects_windows_in_every_profile, ()) {
  const auto profile = *rc::gen::element(models::profile::ideal, models::profile::aws_documented,
                                         models::profile::adversarial);
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  run_sequence(profile, false, seed, *operations());
}

RC_BOOST_PROP(fifo_queue_keeps_group_order_and_conserves_messages, ()) {
  const auto profile = *rc::gen::element(models::profile::ideal, models::profile::aws_documented,
                                         models::profile::adversarial);
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  run_sequence(profile, true, seed, *operations());
}

BOOST_AUTO_TEST_SUITE_END()

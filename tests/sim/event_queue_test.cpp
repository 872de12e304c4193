// The event queue against a std::multimap reference model.
#include "sim/event_queue.hpp"

#include <boost/test/unit_test.hpp>
#include <rapidcheck/boost_test.h>
#include <rapidcheck/state.h>

#include <map>
#include <utility>
#include <vector>

BOOST_AUTO_TEST_SUITE(event_queue_test)

BOOST_AUTO_TEST_CASE(ties_pop_in_insertion_order) {
  sim::event_queue q;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) q.push(10, 0, [&order, i] { order.push_back(i); });
  q.push(5, 0, [&order] { order.push_back(-1); });
  while (!q.empty()) q.pop().fn();
  BOOST_TEST(order == (std::vector<int>{-1, 0, 1, 2, 3, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cancel_is_lazy_but_invisible) {
  sim::event_queue q;
  const sim::event_id a = q.push(1, 0, [] {});
  const sim::event_id b = q.push(2, 0, [] {});
  BOOST_TEST(q.size() == 2u);
  BOOST_TEST(q.cancel(a));
  BOOST_TEST(!q.cancel(a));  // twice is a no-op
  BOOST_TEST(!q.pending(a));
  BOOST_TEST(q.size() == 1u);
  BOOST_TEST(q.next_time() == 2);
  BOOST_TEST(q.pop().id.seq == b.seq);
  BOOST_TEST(!q.cancel(b));  // already fired
  BOOST_TEST(!q.cancel(sim::event_id{}));
  BOOST_TEST(q.empty());
}

BOOST_AUTO_TEST_CASE(a_recycled_slot_never_answers_for_its_old_event) {
  sim::event_queue q;
  const sim::event_id old_id = q.push(1, 0, [] {});
  q.pop();
  const sim::event_id new_id = q.push(2, 0, [] {});
  BOOST_TEST(new_id.slot == old_id.slot);  // the slot was reused...
  BOOST_TEST(!q.cancel(old_id));           // ...but the old id cannot cancel the new event
  BOOST_TEST(q.pending(new_id));
}

// Reference model: (time, seq) → value in a multimap, which orders exactly as the queue must.
struct queue_model {
  std::map<std::pair<sim::time_us, std::uint64_t>, int> pending;
  std::uint64_t pushed = 0;
};

struct queue_sut {
  sim::event_queue q;
  std::vector<sim::event_id> ids;  // by push order
  int last_value = 0;
};

using command = rc::state::Command<queue_model, queue_sut>;

struct push_cmd final : command {
  sim::time_us time = *rc::gen::inRange<sim::time_us>(0, 50);
  int value = *rc::gen::arbitrary<int>();
  void apply(queue_model& m) const override {
    ++m.pushed;
    m.pending.emplace(std::make_pair(time, m.pushed), value);
  }
  void run(const queue_model& m, queue_sut& s) const override {
    const int v = value;
    const sim::event_id id = s.q.push(time, 0, [&s, v] { s.last_value = v; });
    RC_ASSERT(id.seq == m.pushed + 1);
    s.ids.push_back(id);
    RC_ASSERT(s.q.size() == m.pending.size() + 1);
  }
  void show(std::ostream& os) const override { os << "push(" << time << ", " << value << ")"; }
};

struct cancel_cmd final : command {
  std::size_t index;
  explicit cancel_cmd(const queue_model& m)
      : index(*rc::gen::inRange<std::size_t>(0, m.pushed == 0 ? 1 : m.pushed)) {}
  void checkPreconditions(const queue_model& m) const override { RC_PRE(index < m.pushed); }
  bool find(const queue_model& m, std::pair<sim::time_us, std::uint64_t>& key) const {
    for (const auto& [k, v] : m.pending) {
      if (k.second == index + 1) {
        key = k;
        return true;
      }
    }
    return false;
  }
  void apply(queue_model& m) const override {
    std::pair<sim::time_us, std::uint64_t> key;
    if (find(m, key)) m.pending.erase(key);
  }
  void run(const queue_model& m, queue_sut& s) const override {
    std::pair<sim::time_us, std::uint64_t> key;
    const bool was_pending = find(m, key);
    RC_ASSERT(s.q.cancel(s.ids.at(index)) == was_pending);
    RC_ASSERT(s.q.size() == m.pending.size() - (was_pending ? 1 : 0));
  }
  void show(std::ostream& os) const override { os << "cancel(#" << index << ")"; }
};

struct pop_cmd final : command {
  void checkPreconditions(const queue_model& m) const override { RC_PRE(!m.pending.empty()); }
  void apply(queue_model& m) const override { m.pending.erase(m.pending.begin()); }
  void run(const queue_model& m, queue_sut& s) const override {
    const auto& [key, value] = *m.pending.begin();
    RC_ASSERT(s.q.next_time() == key.first);
    sim::event_queue::popped p = s.q.pop();
    RC_ASSERT(p.time == key.first);
    RC_ASSERT(p.id.seq == key.second);
    p.fn();
    RC_ASSERT(s.last_value == value);
    RC_ASSERT(s.q.size() == m.pending.size() - 1);
  }
  void show(std::ostream& os) const override { os << "pop"; }
};

RC_BOOST_PROP(queue_matches_multimap_model_under_any_schedule_cancel_pop_sequence, ()) {
  queue_model initial;
  queue_sut sut;
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<push_cmd, cancel_cmd, pop_cmd>());
}

BOOST_AUTO_TEST_SUITE_END()

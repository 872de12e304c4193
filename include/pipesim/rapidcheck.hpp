// RapidCheck integration: property tests over schedules, so that RapidCheck's shrinking shrinks
// the interleaving itself.
//
//   #include <pipesim/rapidcheck.hpp>
//
//   RC_BOOST_PROP(my_consumer_survives_any_schedule, (const pipesim::schedule& s)) {
//     static const pipesim::scenario sc = pipesim::scenario::load("my_scenario.json");
//     pipesim::rc_assert_passes(pipesim::run_schedule(
//         sc, s.picks, s.faults, {{"worker", [] { return std::make_unique<my_consumer>(); }}}));
//   }
//
// A schedule is the fault classes that are on plus one pick per choice point of the run, in the
// order the run meets them (deliveries, delays, duplicates, crashes, which racing actor goes
// first); every choice point past the list takes its nominal option, as does every one in the
// heal phase. Most generated picks are 0 (nominal) so that a schedule looks like a plausible
// day rather than a storm. RapidCheck shrinks the list (fewer entries, smaller values) and turns
// fault classes off, so a failure is reported with a minimal schedule: fewer deliveries,
// shorter delays, fewer duplicates, earlier answers. On failure the message lists the failed
// checks and every deviation from the nominal schedule; the test's output also carries the
// RC_PARAMS reproduce string that replays that exact counterexample.
#pragma once

#include <cstdint>
#include <ostream>
#include <pipesim/explore.hpp>
#include <rapidcheck.h>
#include <utility>
#include <vector>

namespace pipesim {

struct schedule {
  fault_profile faults;
  std::vector<std::uint64_t> picks;
};

/// Fails the current property, with describe_failure(r) as its message, unless the run passed
/// every expectation and invariant.
inline void rc_assert_passes(const run_report& r) {
  if (!r.ok()) RC_FAIL(describe_failure(r));
}

/// One pick: nominal three times in four (and always while RapidCheck's size is small, so the
/// first schedules tried are plain ones); otherwise any value, reduced modulo the options of the
/// choice point it meets. Shrinks towards nominal first, then towards small values.
inline rc::Gen<std::uint64_t> pick_gen() {
  return rc::gen::map(
      rc::gen::pair(rc::gen::inRange(0, 4),
                    rc::gen::inRange<std::uint64_t>(1, std::uint64_t{1} << 32)),
      [](const std::pair<int, std::uint64_t>& p) { return p.first == 1 ? p.second : 0; });
}

/// A fault profile with each class on or off (shrinking turns classes off). Under a generated
/// schedule the rate of a class does not matter, only whether its choice points exist: the
/// picks decide when it strikes.
inline rc::Gen<fault_profile> fault_profile_gen() {
  constexpr double on = 0.05;
  return rc::gen::map(
      rc::gen::container<std::vector<bool>>(fault_classes().size(), rc::gen::arbitrary<bool>()),
      [](const std::vector<bool>& b) {
        fault_profile p;
        for (std::size_t i = 0; i < b.size(); ++i) fault_classes()[i].set(p, b[i], on);
        return p;
      });
}

inline rc::Gen<schedule> schedule_gen() {
  return rc::gen::build<schedule>(
      rc::gen::set(&schedule::faults, fault_profile_gen()),
      rc::gen::set(&schedule::picks, rc::gen::container<std::vector<std::uint64_t>>(pick_gen())));
}

inline void showValue(const schedule& s, std::ostream& os) {
  os << "faults: " << s.faults.to_string() << "\npicks (" << s.picks.size() << "): [";
  for (std::size_t i = 0; i < s.picks.size(); ++i) os << (i ? ", " : "") << s.picks[i];
  os << ']';
}

}  // namespace pipesim

namespace rc {

template <>
struct Arbitrary<pipesim::schedule> {
  static Gen<pipesim::schedule> arbitrary() { return pipesim::schedule_gen(); }
};

}  // namespace rc

// Behaviour coverage: named situations a model declares worth reaching (a state machine row, a
// stop that lands while the callback message is still delayed), counted when a run reaches them.
// Exploration sums the counts over its runs to say which situations it reached and which it never
// did, as FoundationDB's code probes and TigerBeetle's marks do. Counting never touches the
// trace or the RNG, so it changes no run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

/// A situation as a model declares it: a stable id ("sqs.visibility_timeout_expired") and what
/// reaching it means, in a sentence.
struct situation {
  std::string id;
  std::string description;
};

/// How often each situation was reached in one run. Keys are ordered, so anything printed from it
/// is in id order whatever the order of reaching.
class coverage {
 public:
  void reach(std::string_view id) {
    const auto it = counts_.find(id);
    if (it != counts_.end()) {
      ++it->second;
    } else {
      counts_.emplace(std::string(id), 1);
    }
  }
  const std::map<std::string, std::uint64_t, std::less<>>& counts() const noexcept {
    return counts_;
  }

 private:
  std::map<std::string, std::uint64_t, std::less<>> counts_;
};

}  // namespace sim

// The one translation unit per test executable that defines the Boost.Test module, plus an
// observer that prints, under every failing test, the exact command that re-runs it with the same
// RapidCheck seed.
#define BOOST_TEST_MODULE pipesim
#include <boost/test/tree/observer.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

class replay_hint final : public boost::unit_test::test_observer {
 public:
  void test_unit_start(const boost::unit_test::test_unit&) override { failed_ = false; }
  void assertion_result(boost::unit_test::assertion_result ar) override {
    if (ar == boost::unit_test::AR_FAILED) failed_ = true;
  }
  void exception_caught(const boost::execution_exception&) override { failed_ = true; }
  void test_unit_aborted(const boost::unit_test::test_unit&) override { failed_ = true; }
  void test_unit_finish(const boost::unit_test::test_unit& tu, unsigned long) override {
    if (!failed_ || tu.p_type != boost::unit_test::TUT_CASE) return;
    failed_ = false;
    const char* params = std::getenv("RC_PARAMS");
    const auto& master = boost::unit_test::framework::master_test_suite();
    std::cerr << "\nreplay this test: RC_PARAMS=\"" << (params ? params : "") << "\" "
              << (master.argc > 0 ? master.argv[0] : "<test executable>")
              << " --run_test=" << tu.full_name()
              << "\n  (for a property, put the reproduce=... string RapidCheck printed above into "
                 "RC_PARAMS to get the same minimal counterexample at once)\n";
  }
  int priority() override { return 1000; }

 private:
  bool failed_ = false;
};

struct register_replay_hint {
  register_replay_hint() { boost::unit_test::framework::register_observer(hint); }
  ~register_replay_hint() { boost::unit_test::framework::deregister_observer(hint); }
  replay_hint hint;
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(register_replay_hint);

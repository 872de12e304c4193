// The Boost.Test module of the examples when they are built on their own against an installed
// pipesim (in the pipesim tree they share the tests' main).
#define BOOST_TEST_MODULE pipesim_examples
#include <boost/test/unit_test.hpp>

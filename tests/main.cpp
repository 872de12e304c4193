// The one translation unit per test executable that defines the Boost.Test module.
#define BOOST_TEST_MODULE pipesim
#include <boost/test/unit_test.hpp>

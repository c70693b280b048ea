// The test runner of the actor suites (CAF's test framework defines main).
#include <caf/test/unit_test_impl.hpp>

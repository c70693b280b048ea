#define CAF_SUITE error

#include <checkpoint/messages/error.hpp>

#include <caf/test/unit_test.hpp>

#include <caf/sec.hpp>

using namespace checkpoint;

CAF_TEST(every code has its name) {
  CAF_CHECK_EQUAL(to_string(ec::none), std::string{"none"});
  CAF_CHECK_EQUAL(to_string(ec::going_backwards),
                  std::string{"going_backwards"});
  CAF_CHECK_EQUAL(to_string(ec::bad_input), std::string{"bad_input"});
  CAF_CHECK_EQUAL(to_string(ec::lookahead_conflict),
                  std::string{"lookahead_conflict"});
  CAF_CHECK_EQUAL(to_string(ec::store_failure), std::string{"store_failure"});
  CAF_CHECK_EQUAL(to_string(ec::store_unavailable),
                  std::string{"store_unavailable"});
  CAF_CHECK_EQUAL(to_string(ec::overloaded), std::string{"overloaded"});
  CAF_CHECK_EQUAL(to_string(ec::shutting_down), std::string{"shutting_down"});
  CAF_CHECK_EQUAL(to_string(ec::far_future), std::string{"far_future"});
}

CAF_TEST(codes keep their numbers across builds) {
  // Nodes exchange codes as numbers: a new code is appended, never inserted.
  CAF_CHECK_EQUAL(static_cast<int>(ec::shutting_down), 7);
  CAF_CHECK_EQUAL(static_cast<int>(ec::far_future), 8);
}

CAF_TEST(only unavailability overload and shutdown are retryable) {
  CAF_CHECK(!is_retryable(ec::none));
  CAF_CHECK(!is_retryable(ec::going_backwards));
  CAF_CHECK(!is_retryable(ec::bad_input));
  CAF_CHECK(!is_retryable(ec::lookahead_conflict));
  CAF_CHECK(!is_retryable(ec::store_failure));
  CAF_CHECK(is_retryable(ec::store_unavailable));
  CAF_CHECK(is_retryable(ec::overloaded));
  CAF_CHECK(is_retryable(ec::shutting_down));
  CAF_CHECK(!is_retryable(ec::far_future));
}

CAF_TEST(errors carry the component category and code) {
  auto err = make_error(ec::going_backwards, "context");
  CAF_CHECK(err);
  CAF_CHECK_EQUAL(err.category(), error_category);
  CAF_CHECK_EQUAL(code_of(err), ec::going_backwards);
  CAF_CHECK_EQUAL(code_of(make_error(ec::overloaded)), ec::overloaded);
}

CAF_TEST(code of no error or a foreign error is none) {
  CAF_CHECK_EQUAL(code_of(caf::error{}), ec::none);
  CAF_CHECK_EQUAL(code_of(caf::make_error(caf::sec::request_timeout)),
                  ec::none);
  // Same numeric code as `bad_input`, other category.
  auto foreign = caf::error{static_cast<uint8_t>(ec::bad_input),
                            caf::atom("other")};
  CAF_CHECK_EQUAL(code_of(foreign), ec::none);
}

CAF_TEST(errors compare with codes) {
  auto err = make_error(ec::bad_input, "some context");
  CAF_CHECK(err == ec::bad_input);
  CAF_CHECK(ec::bad_input == err);
  CAF_CHECK(!(err == ec::going_backwards));
  CAF_CHECK(!(err == ec::store_failure));
  auto foreign = caf::error{static_cast<uint8_t>(ec::bad_input),
                            caf::atom("other")};
  CAF_CHECK(!(foreign == ec::bad_input));
  CAF_CHECK(!(caf::error{} == ec::bad_input));
}

CAF_TEST(describe renders code and context) {
  CAF_CHECK_EQUAL(
    describe(make_error(ec::going_backwards, "partition 'p' of group 'g'")),
    "going_backwards: partition 'p' of group 'g'");
  CAF_CHECK_EQUAL(describe(make_error(ec::overloaded)), "overloaded");
}

CAF_TEST(describe renders foreign errors like caf) {
  auto foreign = caf::make_error(caf::sec::request_timeout);
  CAF_CHECK_EQUAL(describe(foreign), caf::to_string(foreign));
  CAF_CHECK_EQUAL(describe(caf::error{}), caf::to_string(caf::error{}));
}

CAF_TEST(caf constructors make errors of the component category) {
  caf::error err{ec::overloaded, std::string{"queue full"}};
  CAF_CHECK_EQUAL(err.category(), error_category);
  CAF_CHECK_EQUAL(code_of(err), ec::overloaded);
  CAF_CHECK_EQUAL(describe(err), "overloaded: queue full");
  CAF_CHECK(caf::make_error(ec::bad_input) == ec::bad_input);
  CAF_CHECK_EQUAL(error_category, caf::atom("checkpoint"));
}

#define CAF_SUITE hlc

#include <checkpoint/messages/hlc.hpp>

#include <caf/test/unit_test.hpp>

#include <string>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/tests/checks.hpp>

using namespace checkpoint;
using checkpoint::test::contains;

namespace {

constexpr int32_t max_logical = hlc_time::max_logical;

// The message of parsing `text`, or "parsed" when it parses.
std::string parse_failure(const std::string& text) {
  auto result = parse_hlc(text);
  if (result)
    return "parsed";
  return describe(result.error());
}

} // namespace

CAF_TEST(times are ordered by nanos then logical) {
  hlc_time a{5, 7};
  hlc_time b{5, 8};
  hlc_time c{6, 0};
  CAF_CHECK(a < b);
  CAF_CHECK(b < c);
  CAF_CHECK(a < c);
  CAF_CHECK(hlc_time({5, max_logical}) < c);
  CAF_CHECK(!(b < a));
  CAF_CHECK(c > a);
  CAF_CHECK(a <= a);
  CAF_CHECK(a <= b);
  CAF_CHECK(!(b <= a));
  CAF_CHECK(c >= b);
  CAF_CHECK(b >= b);
  CAF_CHECK(!(a >= b));
  CAF_CHECK(a == hlc_time({5, 7}));
  CAF_CHECK(a != b);
  CAF_CHECK(hlc_time({5, 0}) != hlc_time({0, 5}));
  CAF_CHECK_EQUAL(zero_time, hlc_time({0, 0}));
}

CAF_TEST(valid times have no negative part) {
  CAF_CHECK(valid(zero_time));
  CAF_CHECK(valid(hlc_time{INT64_MAX, max_logical}));
  CAF_CHECK(!valid(hlc_time{-1, 0}));
  CAF_CHECK(!valid(hlc_time{0, -1}));
}

CAF_TEST(next increments logical and carries at its maximum) {
  CAF_CHECK_EQUAL(next(zero_time), hlc_time({0, 1}));
  CAF_CHECK_EQUAL(next(hlc_time{5, 7}), hlc_time({5, 8}));
  CAF_CHECK_EQUAL(next(hlc_time{5, max_logical - 1}),
                  hlc_time({5, max_logical}));
  CAF_CHECK_EQUAL(next(hlc_time{5, max_logical}), hlc_time({6, 0}));
}

CAF_TEST(before decrements logical and borrows from nanos) {
  CAF_CHECK_EQUAL(before(hlc_time{5, 8}), hlc_time({5, 7}));
  CAF_CHECK_EQUAL(before(hlc_time{5, 1}), hlc_time({5, 0}));
  CAF_CHECK_EQUAL(before(hlc_time{6, 0}), hlc_time({5, max_logical}));
  CAF_CHECK_EQUAL(before(hlc_time{0, 1}), zero_time);
  CAF_CHECK_EQUAL(before(zero_time), zero_time);
  CAF_CHECK_EQUAL(before(next(hlc_time{5, max_logical})),
                  hlc_time({5, max_logical}));
}

CAF_TEST(including contains both ends) {
  auto r = including(hlc_time{2, 3}, hlc_time{4, 5});
  CAF_CHECK_EQUAL(r.min, hlc_time({2, 3}));
  CAF_CHECK_EQUAL(r.max, hlc_time({4, 6}));
  CAF_CHECK_EQUAL(r.max_inclusive(), hlc_time({4, 5}));
  CAF_CHECK(!r.empty());
  auto at_max = including(zero_time, hlc_time{4, max_logical});
  CAF_CHECK_EQUAL(at_max.max, hlc_time({5, 0}));
  CAF_CHECK_EQUAL(at_max.max_inclusive(), hlc_time({4, max_logical}));
  CAF_CHECK(!including(zero_time, zero_time).empty());
}

CAF_TEST(a range is empty iff min is not below max) {
  CAF_CHECK(hlc_range({{5, 5}, {5, 5}}).empty());
  CAF_CHECK(hlc_range({{5, 6}, {5, 5}}).empty());
  CAF_CHECK(!hlc_range({{5, 5}, {5, 6}}).empty());
  CAF_CHECK(hlc_range{}.empty());
}

CAF_TEST(ranges compare by both ends) {
  hlc_range r{{1, 0}, {2, 0}};
  CAF_CHECK(r == hlc_range({{1, 0}, {2, 0}}));
  CAF_CHECK(r != hlc_range({{1, 0}, {2, 1}}));
  CAF_CHECK(r != hlc_range({{1, 1}, {2, 0}}));
}

CAF_TEST(text form pads logical to ten digits) {
  CAF_CHECK_EQUAL(to_string(zero_time), "0.0000000000");
  CAF_CHECK_EQUAL(to_string(hlc_time{5, 5}), "5.0000000005");
  CAF_CHECK_EQUAL(to_string(hlc_time{1, 1}), "1.0000000001");
  CAF_CHECK_EQUAL(to_string(hlc_time{1700000000123456789, 42}),
                  "1700000000123456789.0000000042");
  CAF_CHECK_EQUAL(to_string(hlc_time{INT64_MAX, max_logical}),
                  "9223372036854775807.2147483647");
}

CAF_TEST(wall times print as utc time of day) {
  CAF_CHECK_EQUAL(utc_text(0), "1970-01-01T00:00:00.000000000Z");
  CAF_CHECK_EQUAL(utc_text(1796419800123456789),
                  "2026-12-04T21:30:00.123456789Z");
  CAF_CHECK_EQUAL(utc_text(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
}

CAF_TEST(ranges print as half open intervals) {
  CAF_CHECK_EQUAL(to_string(including(hlc_time{1, 1}, hlc_time{2, 0})),
                  "[ 1.0000000001 -> 2.0000000001 )");
}

CAF_TEST(parsing accepts the full form) {
  CAF_CHECK_EQUAL(parse_hlc("5.0000000005"), hlc_time({5, 5}));
  CAF_CHECK_EQUAL(parse_hlc("0.0000000000"), zero_time);
  CAF_CHECK_EQUAL(parse_hlc("9223372036854775807.2147483647"),
                  hlc_time({INT64_MAX, max_logical}));
  CAF_CHECK_EQUAL(parse_hlc("007.0000000001"), hlc_time({7, 1}));
}

CAF_TEST(parsing accepts nanos alone and an all zero logical part) {
  CAF_CHECK_EQUAL(parse_hlc("5"), hlc_time({5, 0}));
  CAF_CHECK_EQUAL(parse_hlc("0"), zero_time);
  CAF_CHECK_EQUAL(parse_hlc("5.0"), hlc_time({5, 0}));
  CAF_CHECK_EQUAL(parse_hlc("5.000"), hlc_time({5, 0}));
  CAF_CHECK_EQUAL(parse_hlc("5.000000000000"), hlc_time({5, 0}));
}

CAF_TEST(parsing reverses the text form) {
  for (auto t : {zero_time, hlc_time{5, 5}, hlc_time{6, max_logical},
                 hlc_time{INT64_MAX, 0}, hlc_time{123456789, 1000000}})
    CAF_CHECK_EQUAL(parse_hlc(to_string(t)), t);
}

CAF_TEST(parse errors are bad input) {
  for (auto text : {"", "-5", "+5", "x", "5x", "5.", ".5", "5.5", "5.x",
                    "9223372036854775808", "5.3000000000"}) {
    auto result = parse_hlc(text);
    CAF_REQUIRE(!result);
    CAF_CHECK_EQUAL(code_of(result.error()), ec::bad_input);
    CAF_CHECK(result.error() == ec::bad_input);
  }
}

CAF_TEST(parse errors say what is wrong) {
  CAF_CHECK_FUNC(contains, parse_failure(""), "empty text");
  CAF_CHECK_FUNC(contains, parse_failure("-5"), "a sign is not allowed");
  CAF_CHECK_FUNC(contains, parse_failure("+5"), "a sign is not allowed");
  CAF_CHECK_FUNC(contains, parse_failure("-5.0000000001"),
                 "a sign is not allowed");
  CAF_CHECK_FUNC(contains, parse_failure("5x"),
                 "nanoseconds must be decimal digits");
  CAF_CHECK_FUNC(contains, parse_failure(" 5"),
                 "nanoseconds must be decimal digits");
  CAF_CHECK_FUNC(contains, parse_failure(".5"), "missing nanoseconds");
  CAF_CHECK_FUNC(contains, parse_failure("5.x"),
                 "logical part must be decimal digits");
  CAF_CHECK_FUNC(contains, parse_failure("5.000000000-"),
                 "logical part must be decimal digits");
  CAF_CHECK_FUNC(contains, parse_failure("5.0000000001.0"),
                 "logical part must be decimal digits");
  CAF_CHECK_FUNC(contains, parse_failure("5."),
                 "logical part must have exactly 10 digits");
  CAF_CHECK_FUNC(contains, parse_failure("5.5"),
                 "logical part must have exactly 10 digits");
  CAF_CHECK_FUNC(contains, parse_failure("5.00000000005"),
                 "logical part must have exactly 10 digits");
  CAF_CHECK_FUNC(contains, parse_failure("9223372036854775808"),
                 "nanoseconds out of range");
  CAF_CHECK_FUNC(contains, parse_failure("99999999999999999999.0000000001"),
                 "nanoseconds out of range");
  CAF_CHECK_FUNC(contains, parse_failure("5.2147483648"),
                 "logical part out of range");
  CAF_CHECK_FUNC(contains, parse_failure("5.3000000000"),
                 "logical part out of range");
}

CAF_TEST(parse errors quote the text) {
  CAF_CHECK_FUNC(contains, parse_failure("5.5"), "'5.5'");
  CAF_CHECK_FUNC(contains, parse_failure("5.3000000000"), "'5.3000000000'");
}

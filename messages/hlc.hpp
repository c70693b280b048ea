#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

namespace checkpoint {

/// A hybrid logical clock timestamp: wall-clock nanoseconds, then a logical
/// counter that orders events within the same nanosecond.
struct hlc_time {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.hlc_time";

  /// The greatest logical counter (int32).
  static constexpr int32_t max_logical = 2147483647;

  /// Wall-clock nanoseconds; valid times have `nanos >= 0`.
  int64_t nanos = 0;

  /// Logical counter; valid times have `0 <= logical <= max_logical`.
  int32_t logical = 0;
};

/// The zero time, `0.0000000000`.
constexpr hlc_time zero_time{};

/// Times compare by wall-clock nanoseconds, then by logical counter.
/// @{
constexpr bool operator==(hlc_time x, hlc_time y) {
  return x.nanos == y.nanos && x.logical == y.logical;
}
constexpr bool operator!=(hlc_time x, hlc_time y) {
  return !(x == y);
}
constexpr bool operator<(hlc_time x, hlc_time y) {
  return std::tie(x.nanos, x.logical) < std::tie(y.nanos, y.logical);
}
constexpr bool operator>(hlc_time x, hlc_time y) {
  return y < x;
}
constexpr bool operator<=(hlc_time x, hlc_time y) {
  return !(y < x);
}
constexpr bool operator>=(hlc_time x, hlc_time y) {
  return !(x < y);
}
/// @}

/// Tells whether `t` is in the domain: `nanos >= 0`, `logical >= 0`.
constexpr bool valid(hlc_time t) {
  return t.nanos >= 0 && t.logical >= 0;
}

/// The least time greater than `t`; logical overflow carries to nanos.
hlc_time next(hlc_time t);

/// The greatest time less than `t`; `before(zero_time)` is zero.
hlc_time before(hlc_time t);

/// Renders `t` as `NANOS.LLLLLLLLLL` (logical zero-padded to 10 digits).
std::string to_string(hlc_time t);

/// Renders wall-clock nanoseconds since the Unix epoch (`>= 0`) as the UTC time
/// of day they stand for, e.g. `2026-12-04T21:30:00.123456789Z`, so that a
/// person sees at once whether a timestamp is plausible.
std::string utc_text(int64_t nanos);

/// Parses `NANOS.LLLLLLLLLL`, `NANOS`, or `NANOS.0…0`; the error says what
/// is wrong with the text (`ec::bad_input`).
caf::expected<hlc_time> parse_hlc(std::string_view text);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hlc_time& x) {
  return f(caf::meta::type_name(hlc_time::type_name), x.nanos, x.logical);
}

/// A half-open range of times, `[min, max)`.
struct hlc_range {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.hlc_range";

  /// The least time in the range.
  hlc_time min;
  /// The least time after the range.
  hlc_time max;

  /// Tells whether no time is in the range (`min >= max`).
  constexpr bool empty() const {
    return min >= max;
  }

  /// The greatest time in the range, `before(max)`.
  hlc_time max_inclusive() const {
    return before(max);
  }
};

/// Ranges are equal when both ends are (empty ranges too).
/// @{
constexpr bool operator==(const hlc_range& x, const hlc_range& y) {
  return x.min == y.min && x.max == y.max;
}
constexpr bool operator!=(const hlc_range& x, const hlc_range& y) {
  return !(x == y);
}
/// @}

/// The range `[a, next(b))`, which contains both `a` and `b`.
hlc_range including(hlc_time a, hlc_time b);

/// Renders `r` as `[ MIN -> MAX )`.
std::string to_string(const hlc_range& r);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hlc_range& x) {
  return f(caf::meta::type_name(hlc_range::type_name), x.min, x.max);
}

} // namespace checkpoint

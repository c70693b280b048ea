#include <checkpoint/messages/hlc.hpp>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>

#include <checkpoint/messages/error.hpp>

namespace checkpoint {

namespace {

constexpr size_t logical_digits = 10;

caf::error parse_error(std::string_view text, std::string_view what) {
  std::string msg = "invalid HLC time '";
  msg += text;
  msg += "': ";
  msg += what;
  return make_error(ec::bad_input, std::move(msg));
}

bool all_digits(std::string_view s) {
  for (auto c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

} // namespace

hlc_time next(hlc_time t) {
  if (t.logical == hlc_time::max_logical)
    return {t.nanos + 1, 0};
  return {t.nanos, t.logical + 1};
}

hlc_time before(hlc_time t) {
  if (t.logical > 0)
    return {t.nanos, t.logical - 1};
  if (t.nanos > 0)
    return {t.nanos - 1, hlc_time::max_logical};
  return zero_time;
}

std::string to_string(hlc_time t) {
  auto logical = std::to_string(t.logical);
  std::string result = std::to_string(t.nanos);
  result += '.';
  if (logical.size() < logical_digits)
    result.append(logical_digits - logical.size(), '0');
  result += logical;
  return result;
}

std::string utc_text(int64_t nanos) {
  constexpr int64_t per_second = 1'000'000'000;
  auto t = static_cast<std::time_t>(nanos / per_second);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02d.%09lldZ",
                static_cast<long long>(tm.tm_year) + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(nanos % per_second));
  return buf;
}

caf::expected<hlc_time> parse_hlc(std::string_view text) {
  if (text.empty())
    return parse_error(text, "empty text");
  if (text.front() == '-' || text.front() == '+')
    return parse_error(text, "a sign is not allowed");
  auto dot = text.find('.');
  auto nanos_text = text.substr(0, dot);
  if (nanos_text.empty())
    return parse_error(text, "missing nanoseconds before '.'");
  if (!all_digits(nanos_text))
    return parse_error(text, "nanoseconds must be decimal digits");
  hlc_time result;
  auto [end, err] = std::from_chars(
    nanos_text.data(), nanos_text.data() + nanos_text.size(), result.nanos);
  if (err == std::errc::result_out_of_range)
    return parse_error(text, "nanoseconds out of range (at most "
                             "9223372036854775807)");
  if (dot == std::string_view::npos)
    return result;
  auto logical_text = text.substr(dot + 1);
  if (!all_digits(logical_text))
    return parse_error(text, "logical part must be decimal digits");
  if (logical_text.find_first_not_of('0') == std::string_view::npos
      && !logical_text.empty())
    return result;
  if (logical_text.size() != logical_digits)
    return parse_error(text, "logical part must have exactly 10 digits");
  int64_t logical = 0;
  std::from_chars(logical_text.data(),
                  logical_text.data() + logical_text.size(), logical);
  if (logical > hlc_time::max_logical)
    return parse_error(text, "logical part out of range (at most "
                             "2147483647)");
  result.logical = static_cast<int32_t>(logical);
  return result;
}

hlc_range including(hlc_time a, hlc_time b) {
  return {a, next(b)};
}

std::string to_string(const hlc_range& r) {
  return "[ " + to_string(r.min) + " -> " + to_string(r.max) + " )";
}

} // namespace checkpoint

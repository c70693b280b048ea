#include <checkpoint/messages/error.hpp>

namespace checkpoint {

const char* to_string(ec code) {
  switch (code) {
    case ec::none:
      return "none";
    case ec::going_backwards:
      return "going_backwards";
    case ec::bad_input:
      return "bad_input";
    case ec::lookahead_conflict:
      return "lookahead_conflict";
    case ec::store_failure:
      return "store_failure";
    case ec::store_unavailable:
      return "store_unavailable";
    case ec::overloaded:
      return "overloaded";
    case ec::shutting_down:
      return "shutting_down";
    case ec::far_future:
      return "far_future";
  }
  return "unknown";
}

bool is_retryable(ec code) {
  return code == ec::store_unavailable || code == ec::overloaded
         || code == ec::shutting_down;
}

caf::error make_error(ec code) {
  return caf::error{code};
}

caf::error make_error(ec code, std::string context) {
  return caf::error{code, std::move(context)};
}

ec code_of(const caf::error& err) {
  if (!err || err.category() != error_category)
    return ec::none;
  return static_cast<ec>(err.code());
}

std::string describe(const caf::error& err) {
  if (code_of(err) == ec::none)
    return caf::to_string(err);
  std::string result = to_string(code_of(err));
  const auto& ctx = err.context();
  if (ctx.match_elements<std::string>()) {
    result += ": ";
    result += ctx.get_as<std::string>(0);
  }
  return result;
}

} // namespace checkpoint

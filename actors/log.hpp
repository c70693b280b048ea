#pragma once

#include <string>
#include <string_view>

namespace checkpoint {

/// Renders `x` as a logfmt value for a `key=value` log line: its printable
/// form (see `printable`: no control characters), as is when that is a
/// non-empty run of characters other than space, `"`, `=` and `\`, else in
/// double quotes with `"` and `\` escaped. Group and partition names are
/// user data; this keeps every line parseable and safe for a terminal
/// whatever they contain.
std::string logfmt(std::string_view x);

} // namespace checkpoint

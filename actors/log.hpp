#pragma once

#include <string>
#include <string_view>

namespace checkpoint {

/// Renders `x` as a logfmt value for a `key=value` log line: as is when it
/// is a non-empty run of characters other than space, `"`, `=` and control
/// characters, else in double quotes with `"`, `\` and newlines escaped.
/// Group and partition names are user data; quoting keeps every line
/// parseable whatever they contain.
std::string logfmt(std::string_view x);

} // namespace checkpoint

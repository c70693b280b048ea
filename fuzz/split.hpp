#pragma once

// How the fuzz targets turn their input into arguments.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint::fuzz {

/// Splits `text` at NUL bytes, which no argument can hold; an empty text is
/// no argument at all.
inline std::vector<std::string> split_at_nul(std::string_view text) {
  std::vector<std::string> parts;
  for (size_t begin = 0; !text.empty() && begin <= text.size();) {
    auto end = std::min(text.find('\0', begin), text.size());
    parts.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

} // namespace checkpoint::fuzz

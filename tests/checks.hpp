#pragma once

#include <string>

namespace checkpoint::testing {

/// Tells whether `text` contains `part`. Use it as
/// `CAF_CHECK_FUNC(contains, text, part)`: a failed check shows both.
struct contains {
  bool operator()(const std::string& text, const std::string& part) const {
    return text.find(part) != std::string::npos;
  }
};

} // namespace checkpoint::testing

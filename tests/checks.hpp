#pragma once

// What every suite shares: the SEMANTICS.md time helper, a check helper and
// the actor system configuration of the component's nodes.

#include <cstdint>
#include <string>

#include <caf/actor_system_config.hpp>

#include <checkpoint/messages/hlc.hpp>
#include <checkpoint/messages/register.hpp>

namespace checkpoint::test {

/// `t(n)` of SEMANTICS.md: the time `(n, n)`.
inline hlc_time t(int64_t n) {
  return {n, static_cast<int32_t>(n)};
}

/// Tells whether `text` contains `part`. Use it as
/// `CAF_CHECK_FUNC(contains, text, part)`: a failed check shows both.
struct contains {
  bool operator()(const std::string& text, const std::string& part) const {
    return text.find(part) != std::string::npos;
  }
};

/// An actor system that knows the component's message types, as every node
/// does.
struct test_config : caf::actor_system_config {
  test_config() {
    register_message_types(*this);
  }
};

} // namespace checkpoint::test

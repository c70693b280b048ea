#pragma once

// What every suite shares: the SEMANTICS.md time helper, a check helper and
// the actor system configuration of the component's nodes.

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include <unistd.h>

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

/// Sends whatever the process writes to its standard error (std::cerr,
/// stdio, libpq) to a temporary file while it lives, to check that nothing
/// bypasses the logger.
class stderr_capture {
public:
  stderr_capture() : file_(std::tmpfile()) {
    std::cerr.flush();
    std::fflush(stderr);
    saved_ = ::dup(2);
    ::dup2(::fileno(file_), 2);
  }

  stderr_capture(const stderr_capture&) = delete;

  stderr_capture& operator=(const stderr_capture&) = delete;

  ~stderr_capture() {
    restore();
    std::fclose(file_);
  }

  /// Restores the standard error and returns what was written to it.
  std::string text() {
    restore();
    std::string result;
    std::rewind(file_);
    for (int c; (c = std::fgetc(file_)) != EOF;)
      result += static_cast<char>(c);
    return result;
  }

private:
  void restore() {
    if (saved_ < 0)
      return;
    std::cerr.flush();
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }

  std::FILE* file_;
  int saved_ = -1;
};

/// An actor system that knows the component's message types, as every node
/// does.
struct test_config : caf::actor_system_config {
  test_config() {
    register_message_types(*this);
  }
};

} // namespace checkpoint::test

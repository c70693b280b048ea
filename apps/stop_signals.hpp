#pragma once

// SIGINT and SIGTERM ask a program to stop. The programs block them before
// the actor system starts its threads, which inherit the mask, so that no
// thread dies of them and one place waits for them (sigwait or
// sigtimedwait).

#include <csignal>

#include <pthread.h>

namespace checkpoint {

/// The set of SIGINT and SIGTERM.
inline sigset_t stop_signals() {
  sigset_t result;
  sigemptyset(&result);
  sigaddset(&result, SIGINT);
  sigaddset(&result, SIGTERM);
  return result;
}

/// Blocks SIGINT and SIGTERM in this thread and in every thread it starts
/// afterwards; call before the actor system starts.
inline void block_stop_signals() {
  auto signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

} // namespace checkpoint

#pragma once

// A deterministic actor system for the actor suites: CAF's test coordinator,
// the component's message types, and a store worker on the scheduler over an
// in-memory store that counts the batches it applies.

#define FAIL(msg) CAF_FAIL(msg) // dsl.hpp uses FAIL without defining it.
#include <caf/test/dsl.hpp>

#include <memory>
#include <string>
#include <vector>

#include <checkpoint/actors/group.hpp>
#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/memory_store.hpp>
#include <checkpoint/tests/checks.hpp>
#include <checkpoint/tests/forwarding_store.hpp>

namespace checkpoint::test {

/// An in-memory store that records the size of every batch and can be
/// told to fail, to observe the actors from below.
class recording_store final : public forwarding_store {
public:
  recording_store() : forwarding_store(std::make_shared<memory_store>()) {
  }

  /// The sizes of the batches applied so far.
  std::vector<size_t> batches;

  /// How many bounds computations ran.
  size_t bounds_calls = 0;

  /// How many pings ran.
  size_t pings = 0;

  /// While set, every call but `migrate` and `history` fails with this
  /// error.
  caf::error failure;

  caf::expected<std::vector<std::string>> scan() override {
    if (failure)
      return failure;
    return forwarding_store::scan();
  }

  caf::error ping() override {
    ++pings;
    if (failure)
      return failure;
    return forwarding_store::ping();
  }

protected:
  caf::expected<std::vector<caf::error>>
  do_apply(const std::string& group,
           const std::vector<operation>& ops) override {
    if (failure)
      return failure;
    batches.push_back(ops.size());
    return forwarding_store::do_apply(group, ops);
  }

  caf::expected<hlc_range> do_bounds(const std::string& group,
                                     int32_t lookahead) override {
    ++bounds_calls;
    if (failure)
      return failure;
    return forwarding_store::do_bounds(group, lookahead);
  }

  caf::expected<std::vector<partition_status>>
  do_status(const std::string& group, int32_t lookahead) override {
    if (failure)
      return failure;
    return forwarding_store::do_status(group, lookahead);
  }
};

/// The fixture of the actor suites.
struct actor_fixture : test_coordinator_fixture<test_config> {
  std::shared_ptr<recording_store> db = std::make_shared<recording_store>();

  store_worker worker = spawn_scheduled_worker(
    sys, [db = db]() -> caf::expected<std::shared_ptr<store>> { return db; });

  ~actor_fixture() override {
    // Periodic refresh timers would keep run() going forever: stop every
    // actor first, then let the base class drain what is left.
    self->send_exit(worker, caf::exit_reason::user_shutdown);
    drain();
  }

  /// Delivers every pending message, without firing timers.
  void drain() {
    while (sched.try_run_once())
      ; // nop
  }

  /// Sends a request from the test's own actor and returns the answer after
  /// running the system (or fails the test).
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& dest, Ts&&... xs) {
    auto rh = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    drain();
    caf::expected<T> result = caf::make_error(caf::sec::request_timeout);
    // A reply that never came would block receive() until the watchdog.
    if (self->mailbox().empty())
      return result;
    rh.receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }
};

} // namespace checkpoint::test

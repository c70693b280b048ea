#pragma once

#include <memory>
#include <set>
#include <string>

#include <caf/expected.hpp>
#include <caf/timestamp.hpp>

#include <checkpoint/storage/postgres_store.hpp>

namespace checkpoint {

/// What one wait for notifications brought.
struct notifications {
  /// The groups written by other nodes, by canonical name.
  std::set<std::string> groups;

  /// Whether the listener (re)connected during the wait: notifications sent
  /// while it was disconnected are lost, so every group may have changed.
  bool resync = false;
};

/// Listens to the notifications that the PostgreSQL store sends on every
/// write (channel `<schema>.checkpoints`, payload the group's name) on a
/// connection of its own. Blocking; used by one thread at a time.
class postgres_listener {
public:
  /// Takes the store's options; connects on the first `wait`.
  explicit postgres_listener(postgres_options opts);

  ~postgres_listener();

  /// Waits up to `timeout` for notifications and returns the groups named
  /// by them, skipping those sent by the connections in
  /// `opts.own_backends`. Connects first if needed (after a lost
  /// connection too); fails with `store_unavailable` when it cannot.
  caf::expected<notifications> wait(caf::timespan timeout);

private:
  struct impl;

  // Keeps libpqxx out of this header: it is included by actor code.
  std::unique_ptr<impl> impl_;
};

} // namespace checkpoint

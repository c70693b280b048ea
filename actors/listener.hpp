#pragma once

#include <chrono>
#include <memory>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include <checkpoint/actors/control.hpp>
#include <checkpoint/storage/postgres_listener.hpp>

namespace checkpoint {

/// Tells the listener to wait for the next notification.
using wait_atom = caf::atom_constant<caf::atom("wait")>;

/// Waits for store notifications and tells the supervisor which groups
/// changed. Local only: only the node that spawned it holds its handle.
using listener_actor = caf::typed_actor<
  // Waits once for notifications (sent by the listener to itself).
  caf::reacts_to<wait_atom>>;

/// How the listener works.
struct listener_config {
  /// The longest blocking wait: an exit request waits at most this long.
  caf::timespan poll_timeout = std::chrono::milliseconds(500);

  /// The pause before reconnecting after a failed connection.
  caf::timespan retry_delay = std::chrono::seconds(1);
};

/// The state of the listener.
struct listener_state {
  /// The actor's name in CAF's logs.
  static constexpr const char* name = "checkpoint-listener";

  /// How the listener works.
  listener_config cfg;

  /// The blocking listener, used on this actor's own thread only.
  std::unique_ptr<postgres_listener> source;

  /// Whose groups to wake.
  supervisor_control sup;

  /// Whether the last wait failed (reported once, not on every retry).
  bool failing = false;
};

/// Implements the listener on `opts`' database, waking the groups of `sup`.
listener_actor::behavior_type
listener_impl(listener_actor::stateful_pointer<listener_state> self,
              postgres_options opts, supervisor_control sup,
              listener_config cfg);

/// Spawns the listener as a detached actor (it blocks in poll). It holds no
/// reference that keeps the node alive, but the node must stop it with an
/// exit message before the actor system shuts down; it notices the exit
/// within `cfg.poll_timeout`.
listener_actor spawn_listener(caf::actor_system& sys, postgres_options opts,
                              supervisor_control sup, listener_config cfg = {});

} // namespace checkpoint

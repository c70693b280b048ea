#pragma once

// The handles that only the supervisor and its groups hold: the public
// interfaces of messages/actors.hpp extended with the internal messages.
// Clients get the public handles, which a control handle converts to.

#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <checkpoint/messages/actors.hpp>

namespace checkpoint {

/// A group actor as its supervisor and itself see it.
using group_control = group_actor::extend<
  // Stops taking requests, answers everything queued, then exits.
  caf::replies_to<shutdown_atom>::with<ok_atom>,
  // The group's rows changed in the store (another node wrote): recompute
  // the bounds soon. Sent by the supervisor on a store notification.
  caf::reacts_to<changed_atom>,
  // Periodic refresh, sent by the group to itself; ignored from anyone else.
  caf::reacts_to<tick_atom>>;

/// The supervisor as the node and its groups see it.
using supervisor_control = supervisor_actor::extend<
  // Starts every group with unapplied checkpoints; returns their names.
  caf::replies_to<bootstrap_atom>::with<std::vector<std::string>>,
  // Drains and stops every group, then exits.
  caf::replies_to<shutdown_atom>::with<ok_atom>,
  // The rows of the group with this canonical name changed in the store
  // (another node wrote): a running group recomputes its bounds; ignored
  // for a group not running here.
  caf::reacts_to<changed_atom, std::string>,
  // Restarts a crashed group (sent by the supervisor to itself).
  caf::reacts_to<restart_atom, std::string>,
  // A group's current subscribers, kept to re-attach them after a crash.
  caf::reacts_to<subscribe_atom, std::string, std::vector<bounds_subscriber>>>;

} // namespace checkpoint

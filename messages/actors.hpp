#pragma once

// The typed actor interfaces of the component and the messages they
// exchange. Everything here may cross CAF nodes: each type is registered in
// `register_message_types` (messages/register.hpp) under a stable name, and
// renaming one is a wire-protocol change.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/optional.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <checkpoint/messages/hlc.hpp>
#include <checkpoint/messages/names.hpp>
#include <checkpoint/messages/status.hpp>

namespace checkpoint {

// -- atoms --------------------------------------------------------------------

/// The tags of the messages below (CAF atoms: at most 10 characters).
/// @{
using advance_atom = caf::atom_constant<caf::atom("advance")>;
using bootstrap_atom = caf::atom_constant<caf::atom("bootstrap")>;
using bounds_atom = caf::atom_constant<caf::atom("bounds")>;
using changed_atom = caf::atom_constant<caf::atom("changed")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using ensure_atom = caf::atom_constant<caf::atom("ensure")>;
using groups_atom = caf::atom_constant<caf::atom("groups")>;
using ok_atom = caf::atom_constant<caf::atom("ok")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using scan_atom = caf::atom_constant<caf::atom("scan")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsubscrib")>;
/// @}

// -- messages -----------------------------------------------------------------

/// Tells a subscriber the new bounds of a group.
struct bounds_update {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.bounds_update";

  /// The group's canonical name.
  std::string group;

  /// The group's bounds: `including(committed, proposed)`.
  hlc_range bounds;
};

/// Same group, same bounds.
inline bool operator==(const bounds_update& x, const bounds_update& y) {
  return x.group == y.group && x.bounds == y.bounds;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bounds_update& x) {
  return f(caf::meta::type_name(bounds_update::type_name), x.group, x.bounds);
}

/// Tells a subscriber that a group stopped for good on its node (stopped on
/// request or by the node's shutdown): no more updates come. Not sent when
/// the supervisor restarts a crashed group; it re-attaches the subscribers.
struct group_stopped {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.group_stopped";

  /// The group's canonical name.
  std::string group;

  /// Why it stopped, for people.
  std::string reason;
};

/// Same group, same reason.
inline bool operator==(const group_stopped& x, const group_stopped& y) {
  return x.group == y.group && x.reason == y.reason;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_stopped& x) {
  return f(caf::meta::type_name(group_stopped::type_name), x.group, x.reason);
}

/// How a group is started.
struct group_options {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.group_options";

  /// The lookahead limit (0: none); absent means the node's default. A group
  /// already running with another limit refuses the start.
  caf::optional<int32_t> lookahead;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_options& x) {
  return f(caf::meta::type_name(group_options::type_name), x.lookahead);
}

/// Where a group stands: its bounds and every partition.
struct group_status {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.group_status";

  /// The group's canonical name.
  std::string group;

  /// The published bounds.
  hlc_range bounds;

  /// The group's lookahead limit (0: none).
  int32_t lookahead = 0;

  /// How many actors are subscribed to the group's bounds.
  uint64_t subscribers = 0;

  /// Every partition, ordered by name.
  std::vector<partition_status> partitions;

  /// The partitions that hold the window back: those whose window ends at
  /// the proposed time (SEMANTICS.md), ordered by name; none for a group
  /// without partitions.
  std::vector<std::string> holding_back;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_status& x) {
  return f(caf::meta::type_name(group_status::type_name), x.group, x.bounds,
           x.lookahead, x.subscribers, x.partitions, x.holding_back);
}

// -- actor interfaces ---------------------------------------------------------

/// An actor that wants to know when a group's bounds change.
using bounds_subscriber = caf::typed_actor<
  // Receives the current bounds at once, then every change.
  caf::reacts_to<bounds_update>,
  // The group stopped for good: the last message about it.
  caf::reacts_to<group_stopped>>;

/// The single writer of one table group on a node, as clients see it. The
/// group's internal messages are in `group_control` (actors/control.hpp).
using group_actor = caf::typed_actor<
  // Records that a partition delivered everything up to a time (Advance).
  caf::replies_to<advance_atom, std::string, hlc_time>::with<ok_atom>,
  // Marks every unapplied checkpoint in a range as applied (Commit).
  caf::replies_to<commit_atom, hlc_range>::with<ok_atom>,
  // Makes sure that partitions exist (Ensure).
  caf::replies_to<ensure_atom, std::vector<std::string>>::with<ok_atom>,
  // Returns the published bounds.
  caf::replies_to<bounds_atom>::with<hlc_range>,
  // Recomputes the bounds from the store now and returns them.
  caf::replies_to<refresh_atom>::with<hlc_range>,
  // Returns where the group and each of its partitions stand.
  caf::replies_to<status_atom>::with<group_status>,
  // Sends the current bounds to a subscriber, then every change.
  caf::replies_to<subscribe_atom, bounds_subscriber>::with<ok_atom>,
  // Stops sending bounds changes to a subscriber.
  caf::replies_to<unsubscribe_atom, bounds_subscriber>::with<ok_atom>>;

/// Starts, finds and stops the groups of a node, as clients see it (what
/// checkpointd publishes). The node's own messages are in
/// `supervisor_control` (actors/control.hpp).
using supervisor_actor = caf::typed_actor<
  // Returns the group's actor, starting it on first use.
  caf::replies_to<start_atom, table_group, group_options>::with<group_actor>,
  // Returns the canonical names of the running groups, sorted.
  caf::replies_to<groups_atom>::with<std::vector<std::string>>,
  // Returns the names of the groups with unapplied checkpoints, sorted.
  caf::replies_to<scan_atom>::with<std::vector<std::string>>,
  // Stops the group with this name: it answers everything queued, tells its
  // subscribers `group_stopped` and exits; answered once it has. A group
  // that is not running is no error (nothing to stop).
  caf::replies_to<stop_atom, std::string>::with<ok_atom>>;

} // namespace checkpoint

#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/optional.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <checkpoint/actors/control.hpp>
#include <checkpoint/actors/group.hpp>
#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/messages/actors.hpp>

namespace checkpoint {

/// How the supervisor works.
struct supervisor_config {
  /// The configuration of every group; its lookahead is the default that a
  /// start request without one gets.
  group_config groups;

  /// The first delay before a crashed group is restarted; it doubles with
  /// every crash of the same group, up to `max_restart_delay`.
  caf::timespan restart_delay = std::chrono::milliseconds(100);

  /// The longest delay before a restart.
  caf::timespan max_restart_delay = std::chrono::seconds(10);

  /// A group that ran this long since its last start is healthy: its next
  /// crash is restarted after `restart_delay` again.
  caf::timespan healthy_after = std::chrono::seconds(60);

  /// How long each group may take to drain at shutdown.
  caf::timespan shutdown_timeout = std::chrono::seconds(60);
};

/// What the supervisor knows about one group.
struct supervised_group {
  /// The running actor; null while a restart is pending.
  group_control handle;

  /// When `handle` was spawned, to tell a healthy group from a crashing one.
  caf::actor_clock::time_point started;

  /// Whether a client asked to stop the group: it is not restarted.
  bool stop_requested = false;

  /// The group's lookahead limit, fixed while this process runs it.
  int32_t lookahead = 0;

  /// The group's subscribers, re-attached when the group restarts.
  std::vector<bounds_subscriber> subscribers;

  /// The delay before the next restart.
  caf::timespan restart_delay{0};
};

/// The state of the supervisor.
struct supervisor_state {
  /// The actor's name in CAF's logs.
  static constexpr const char* name = "checkpoint-supervisor";

  /// How the supervisor works.
  supervisor_config cfg;

  /// Where store calls go.
  store_worker store;

  /// Groups by canonical name.
  std::map<std::string, supervised_group> groups;

  /// The shutdown requests to answer once every group has drained; while
  /// there are any, a shutdown is under way (no new groups, no restarts).
  std::vector<caf::typed_response_promise<ok_atom>> stopping;
};

/// Implements the supervisor. It does not own `store`: whoever spawned the
/// workers stops them after the supervisor's shutdown.
supervisor_control::behavior_type
supervisor_impl(supervisor_control::stateful_pointer<supervisor_state> self,
                supervisor_config cfg, store_worker store);

} // namespace checkpoint

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/optional.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <checkpoint/actors/control.hpp>
#include <checkpoint/actors/metrics.hpp>
#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/messages/actors.hpp>

namespace checkpoint {

/// How a group actor works.
struct group_config {
  /// Lookahead limit (0: none), fixed for the group's life in this process.
  int32_t lookahead = 0;

  /// The most operations one store transaction takes from the queue.
  size_t max_batch = 1000;

  /// The most queued operations; past it requests fail with
  /// `ec::overloaded` at once.
  size_t max_queue = 10000;

  /// How often an active group recomputes its bounds on its own, to see
  /// writes of other processes; zero turns the periodic refresh off (for
  /// simulated networks, whose test clock fires every pending timer).
  caf::timespan refresh_interval = std::chrono::seconds(1);

  /// An idle group doubles its refresh interval after every refresh that
  /// changed nothing, up to this; any change resets it.
  caf::timespan max_refresh_interval = std::chrono::seconds(30);

  /// How long a store call may take before the group gives up on it.
  caf::timespan store_timeout = std::chrono::seconds(30);

  /// Where the group records its metrics; null records none. Must outlive
  /// every group.
  metrics_registry* metrics = nullptr;
};

/// One Advance, Commit or Ensure waiting for its transaction.
struct queued_operation {
  /// The operation, as the store applies it.
  operation op;
  /// Answered once its transaction commits or fails.
  caf::typed_response_promise<ok_atom> reply;
  /// When the request arrived, for the duration metrics.
  std::chrono::steady_clock::time_point arrived;
};

/// The state of a group actor.
struct group_state {
  /// The actor's name in CAF's logs.
  static constexpr const char* name = "checkpoint-group";

  /// The group's canonical name.
  std::string group;

  /// How the group works.
  group_config cfg;

  /// Where store calls go.
  store_worker store;

  /// Informed of subscriber changes, so that it can re-attach them after a
  /// crash; may be null.
  supervisor_control parent;

  /// Operations waiting for the next transaction, in arrival order. Its
  /// memory is released whenever a write takes the whole queue, so an idle
  /// group holds no queue memory, also after a burst.
  std::vector<queued_operation> queue;

  /// Whether a transaction of this group is in flight.
  bool writing = false;

  /// Whether a bounds computation is in flight.
  bool refreshing = false;

  /// Whether another computation must follow the one in flight.
  bool refresh_again = false;

  /// Refresh requests that the computation in flight answers.
  std::vector<caf::typed_response_promise<hlc_range>> refreshing_for;

  /// Refresh requests waiting for the next computation.
  std::vector<caf::typed_response_promise<hlc_range>> waiting_for_refresh;

  /// Bounds requests that arrived before the first computation.
  std::vector<caf::typed_response_promise<hlc_range>> waiting_for_bounds;

  /// The published bounds; none until the first computation succeeds.
  caf::optional<hlc_range> bounds;

  /// Actors told about every change of `bounds`.
  std::vector<bounds_subscriber> subscribers;

  /// The current period of the periodic refresh (adaptive, see config).
  caf::timespan refresh_period = std::chrono::seconds(1);

  /// Advances rejected as going backwards.
  uint64_t going_backwards = 0;

  /// Advances rejected as too far in the future (`ec::far_future`).
  uint64_t far_future = 0;

  /// Bounds computations that failed.
  uint64_t failed_refreshes = 0;

  /// The group's metrics in `cfg.metrics`, or null.
  group_metrics* metrics = nullptr;

  /// The shutdown requests, answered once the queue is empty; while there
  /// are any, the group takes no new work.
  std::vector<caf::typed_response_promise<ok_atom>> stopping;
};

/// Implements the group actor for the canonical group name `group`,
/// attaching `subscribers` from the start (used when restarting).
group_control::behavior_type
group_impl(group_control::stateful_pointer<group_state> self, std::string group,
           group_config cfg, store_worker store, supervisor_control parent,
           std::vector<bounds_subscriber> subscribers);

} // namespace checkpoint

#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include <checkpoint/messages/actors.hpp>
#include <checkpoint/storage/postgres_store.hpp>
#include <checkpoint/storage/sqlite_store.hpp>
#include <checkpoint/storage/store.hpp>

// Batches travel only between actors of one process: they are never
// serialised, so they need no inspect().
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<checkpoint::operation>)

namespace checkpoint {

/// Tags a batch of operations for one group.
using apply_atom = caf::atom_constant<caf::atom("apply")>;

/// Tags a health probe: the cheapest call that reaches the store.
using ping_atom = caf::atom_constant<caf::atom("ping")>;

/// Opens the store a worker uses. Called on the worker's own thread, again
/// after a failure, so a worker recovers when the database comes back.
using store_opener = std::function<caf::expected<std::shared_ptr<store>>()>;

/// Runs blocking store calls off the scheduler's threads.
using store_worker = caf::typed_actor<
  // Applies an ordered batch to a group; one result per operation.
  caf::replies_to<apply_atom, std::string,
                  std::vector<operation>>::with<std::vector<caf::error>>,
  // Computes a group's bounds with a lookahead limit.
  caf::replies_to<bounds_atom, std::string, int32_t>::with<hlc_range>,
  // Returns the status of every partition of a group, with its window
  // under a lookahead limit.
  caf::replies_to<status_atom, std::string,
                  int32_t>::with<std::vector<partition_status>>,
  // Returns the groups with unapplied checkpoints.
  caf::replies_to<scan_atom>::with<std::vector<std::string>>,
  // Checks that the store answers (health probes), opening it if needed.
  caf::replies_to<ping_atom>::with<ok_atom>>;

/// Opens a new connection to the PostgreSQL store of `opts` on every call,
/// its Advances guarded by `limit`: the opener of the node and the facade.
store_opener postgres_opener(postgres_options opts, future_limit limit);

/// Opens the SQLite store of `opts` on every call, guarded by `limit`.
store_opener sqlite_opener(sqlite_options opts, future_limit limit);

/// The state of one store worker.
struct store_worker_state {
  /// The actor's name in CAF's logs.
  static constexpr const char* name = "store-worker";

  /// Opens `db` when there is none (first use, or after a failure).
  store_opener open;

  /// The open store, if any.
  std::shared_ptr<store> db;

  /// The calls handed to this worker and not finished yet, which the pool
  /// reads to pick a worker; null outside a pool.
  std::shared_ptr<std::atomic<int>> in_hand;
};

/// Implements a store worker.
store_worker::behavior_type
store_worker_impl(store_worker::stateful_pointer<store_worker_state> self,
                  store_opener open, std::shared_ptr<std::atomic<int>> in_hand);

/// Returns the error for the failure `err` of a request to a store worker,
/// which was about `what` (e.g. "computing the bounds of group 'g'") and was
/// given `timeout`. A worker that does not answer in time is blocked on a
/// database that accepts connections but does not respond (without libpq's
/// `connect_timeout` and keepalives a call may wait without limit): that is
/// `store_unavailable` for the requester, as when the database refuses
/// connections, not CAF's `request_timeout`, which clients read as a lost
/// node. Any other error is returned as it is.
caf::error store_call_failure(caf::error err, const std::string& what,
                              caf::timespan timeout);

/// Spawns `size` detached workers (a thread and a store each) behind one
/// handle that hands each request to the worker with the fewest calls in
/// hand, so that a write does not queue behind a slow read while another
/// worker is idle. This is what nodes use.
store_worker spawn_store_pool(caf::actor_system& sys, size_t size,
                              store_opener open);

/// Spawns one worker on the scheduler. Only for deterministic tests: a
/// detached worker would run on its own thread and race the test
/// coordinator.
store_worker spawn_scheduled_worker(caf::actor_system& sys, store_opener open);

} // namespace checkpoint

#pragma once

// The facade of the component, shaped like replicator's checkpoint package:
// `checkpoints` opens and migrates a store and runs the worker pool and the
// supervisor in the caller's actor system (ProvideCheckpoints), scans for
// groups (ScanForTargetSchemas) and starts groups (Start); `group` is one
// started group (Advance, Commit, Ensure, Refresh).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/hlc.hpp>
#include <checkpoint/messages/names.hpp>

namespace checkpoint {

/// Where the store is and how the groups work. The fields are checkpointd's
/// config keys (README.md, "checkpointd — the node"), named after them.
struct checkpoints_options {
  /// `checkpoint.store`: `postgres` or `sqlite`.
  std::string store = "sqlite";

  /// `checkpoint.postgres.dsn`: a libpq connection string or URI
  /// (required with `store = postgres`).
  std::string dsn;

  /// `checkpoint.postgres.schema`: the staging schema of the tables.
  std::string schema = "_replicator";

  /// `checkpoint.sqlite.path`: the database file.
  std::string path = "checkpoints.db";

  /// `checkpoint.workers`: store workers, each with a connection (a SQLite
  /// file has one owner: always 1 there).
  size_t workers = 4;

  /// `checkpoint.batch-size`: most operations in one store transaction.
  size_t batch_size = 1000;

  /// `checkpoint.queue-limit`: most queued operations per group.
  size_t queue_limit = 10000;

  /// `checkpoint.refresh-interval`: how often an active group re-reads its
  /// bounds.
  caf::timespan refresh_interval = std::chrono::seconds(1);

  /// `checkpoint.lookahead`: the lookahead limit of a group started without
  /// one (0: none; LimitLookahead).
  int32_t lookahead = 0;

  /// `checkpoint.max-future`: how far ahead of the clock an Advance may be
  /// before it is refused with `far_future` (0: no limit).
  caf::timespan max_future = std::chrono::hours{1};

  /// How long a request may take before it fails with CAF's
  /// `request_timeout` (not a config key: checkpointd's store timeout).
  caf::timespan timeout = std::chrono::seconds(30);
};

/// One started table group. Two ways to call it:
///
/// - From plain code (`main`, a thread of your own): the methods without a
///   `self` block on a `caf::scoped_actor` until the group answers or the
///   timeout passes, and return the group's error (`caf::error`, empty on
///   success) or `caf::expected<T>`.
/// - From inside an actor: the methods taking the calling actor `self`
///   return CAF's response handle of `self->request(...)`; continue with
///   `.then(...)` or `.await(...)`. Never call a blocking method from an
///   actor: it would block one of the scheduler's few threads.
///
/// A `group` is a cheap copyable value; copies talk to the same actor.
class group {
public:
  /// Wraps the actor `handle` of the table group `tg`, as the supervisor's
  /// start request answered it; blocking calls wait `timeout` at most.
  group(caf::actor_system& sys, checkpoint::table_group tg, group_actor handle,
        caf::timespan timeout);

  /// The table group: name, enclosing schema and tables, as started.
  const checkpoint::table_group& table_group() const {
    return table_group_;
  }

  /// The typed handle, for code that sends the messages itself.
  const group_actor& actor() const {
    return actor_;
  }

  /// Blocking: records that `partition` delivered everything up to `ts`
  /// (Advance).
  caf::error advance(const std::string& partition, hlc_time ts) const;

  /// Blocking: marks every unapplied checkpoint in `range` as applied
  /// (Commit).
  caf::error commit(hlc_range range) const;

  /// Blocking: makes sure that the partitions exist (Ensure).
  caf::error ensure(std::vector<std::string> partitions) const;

  /// Blocking: recomputes the bounds from the store now (Refresh).
  caf::expected<hlc_range> refresh() const;

  /// Blocking: the published bounds.
  caf::expected<hlc_range> bounds() const;

  /// Blocking: sends `subscriber` the current bounds at once, then every
  /// change (`bounds_update`), and `group_stopped` at the end.
  caf::error subscribe(const bounds_subscriber& subscriber) const;

  /// Blocking: stops sending bounds changes to `subscriber`.
  caf::error unsubscribe(const bounds_subscriber& subscriber) const;

  /// Non-blocking Advance from the actor `self`; answers `ok_atom`.
  template <class Self>
  auto advance(Self* self, const std::string& partition, hlc_time ts) const {
    return self->request(actor_, timeout_, advance_atom::value, partition, ts);
  }

  /// Non-blocking Commit from the actor `self`; answers `ok_atom`.
  template <class Self>
  auto commit(Self* self, hlc_range range) const {
    return self->request(actor_, timeout_, commit_atom::value, range);
  }

  /// Non-blocking Ensure from the actor `self`; answers `ok_atom`.
  template <class Self>
  auto ensure(Self* self, std::vector<std::string> partitions) const {
    return self->request(actor_, timeout_, ensure_atom::value,
                         std::move(partitions));
  }

  /// Non-blocking Refresh from the actor `self`; answers the `hlc_range`.
  template <class Self>
  auto refresh(Self* self) const {
    return self->request(actor_, timeout_, refresh_atom::value);
  }

  /// Non-blocking bounds from the actor `self`; answers the `hlc_range`.
  template <class Self>
  auto bounds(Self* self) const {
    return self->request(actor_, timeout_, bounds_atom::value);
  }

  /// Non-blocking subscribe from the actor `self`; answers `ok_atom`.
  template <class Self>
  auto subscribe(Self* self, const bounds_subscriber& subscriber) const {
    return self->request(actor_, timeout_, subscribe_atom::value, subscriber);
  }

  /// Non-blocking unsubscribe from the actor `self`; answers `ok_atom`.
  template <class Self>
  auto unsubscribe(Self* self, const bounds_subscriber& subscriber) const {
    return self->request(actor_, timeout_, unsubscribe_atom::value, subscriber);
  }

private:
  caf::actor_system* sys_;
  checkpoint::table_group table_group_;
  group_actor actor_;
  caf::timespan timeout_;
};

/// The component in the caller's actor system: a migrated store, its
/// worker pool and the supervisor of the groups (ProvideCheckpoints), or a
/// supervisor running elsewhere (`attach`). Move-only. Its destructor calls
/// `shutdown()`, which blocks: destroy it in plain code (e.g. before
/// `caf_main` or `main` returns), never inside an actor. The actor system
/// must outlive it.
///
/// Like `group`, the methods without `self` block (plain code) and those
/// taking the calling actor `self` return CAF's response handle (actors).
class checkpoints {
public:
  /// Checks `opts`, opens the store, migrates it and spawns the workers and
  /// the supervisor in `sys`. Errors: `ec::bad_input` naming the field of a
  /// bad option, and the store's own errors (an unreachable database, a bad
  /// DSN, a newer schema) as the store gave them.
  static caf::expected<checkpoints> open(caf::actor_system& sys,
                                         checkpoints_options opts);

  /// `open` with a PostgreSQL store in `schema` of the database `dsn`.
  static caf::expected<checkpoints>
  open_postgres(caf::actor_system& sys, std::string dsn,
                std::string schema = "_replicator");

  /// `open` with a SQLite store in the file `path`.
  static caf::expected<checkpoints> open_sqlite(caf::actor_system& sys,
                                                std::string path);

  /// Uses the supervisor `sup` of another node (e.g. a checkpointd reached
  /// with `remote_actor<supervisor_actor>`); `shutdown` leaves it running.
  static checkpoints attach(caf::actor_system& sys, supervisor_actor sup,
                            caf::timespan timeout = std::chrono::seconds(30));

  /// Takes over what `other` started; `other` then owns nothing.
  checkpoints(checkpoints&& other) noexcept;

  /// Shuts down what this object started, then takes over `other`'s.
  checkpoints& operator=(checkpoints&& other) noexcept;

  checkpoints(const checkpoints&) = delete;
  checkpoints& operator=(const checkpoints&) = delete;

  /// Calls `shutdown()`.
  ~checkpoints();

  /// Blocking: the names of the groups with unapplied checkpoints, sorted
  /// (ScanForTargetSchemas).
  caf::expected<std::vector<std::string>> scan_for_target_schemas() const;

  /// Blocking: starts the table group `tg` (or finds it running) with
  /// `opts`: `opts.lookahead` limits the lookahead (LimitLookahead; absent:
  /// the default of `checkpoints_options`). Errors: `ec::bad_input` for a
  /// bad name or a negative lookahead, `ec::lookahead_conflict` for a group
  /// running with another limit.
  caf::expected<group> start(checkpoint::table_group tg,
                             group_options opts = {}) const;

  /// Non-blocking Start from the actor `self`; answers the `group_actor`,
  /// which `make_group(tg, handle)` wraps.
  template <class Self>
  auto
  start(Self* self, checkpoint::table_group tg, group_options opts = {}) const {
    return self->request(sup_, timeout_, start_atom::value, std::move(tg),
                         opts);
  }

  /// Non-blocking ScanForTargetSchemas from the actor `self`; answers the
  /// names.
  template <class Self>
  auto scan_for_target_schemas(Self* self) const {
    return self->request(sup_, timeout_, scan_atom::value);
  }

  /// The group object of `handle`, the actor of `tg` that a start answered.
  group make_group(checkpoint::table_group tg, group_actor handle) const;

  /// The supervisor's typed handle, for code that sends the messages
  /// itself.
  const supervisor_actor& supervisor() const {
    return sup_;
  }

  /// Blocking: drains and stops every group, then the workers and the
  /// supervisor, if this object started them; afterwards every request
  /// fails. Idempotent. Returns what went wrong while draining.
  caf::error shutdown();

private:
  checkpoints(caf::actor_system& sys, supervisor_actor sup,
              caf::timespan timeout);

  caf::actor_system* sys_;
  supervisor_actor sup_;
  caf::timespan timeout_;
  /// The actors this object started and stops; null after `attach`.
  /// @{
  caf::actor owned_sup_;
  caf::actor pool_;
  /// @}
};

} // namespace checkpoint

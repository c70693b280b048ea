#include <checkpoint/storage/sqlite_store.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <utility>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/bounds.hpp>

namespace checkpoint {

namespace {

// -- schema -------------------------------------------------------------------

// Migration `i` brings the schema from `PRAGMA user_version` i to i + 1;
// new versions append a migration, existing ones never change.
constexpr const char* migrations[] = {
  // Version 1. The table keeps replicator's columns; the HLC is two
  // integers so that it sorts correctly, `source_hlc` shows it as text.
  // Times are nanoseconds since the UNIX epoch. The primary key serves
  // every per-partition seek; the partial index holds only unapplied rows,
  // so finding and committing them does not grow with the applied history.
  // The head table makes a partition's greatest timestamp one lookup.
  R"sql(
CREATE TABLE checkpoints (
  group_name TEXT NOT NULL,
  source_nanos INTEGER NOT NULL,
  source_logical INTEGER NOT NULL,
  source_hlc TEXT GENERATED ALWAYS AS
    (source_nanos || '.' || printf('%010d', source_logical)) VIRTUAL,
  partition TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  target_applied_at INTEGER,
  PRIMARY KEY (group_name, partition, source_nanos, source_logical)
) WITHOUT ROWID;
CREATE INDEX checkpoints_unapplied
  ON checkpoints (group_name, partition, source_nanos, source_logical)
  WHERE target_applied_at IS NULL;
CREATE TABLE checkpoint_heads (
  group_name TEXT NOT NULL,
  partition TEXT NOT NULL,
  source_nanos INTEGER NOT NULL,
  source_logical INTEGER NOT NULL,
  PRIMARY KEY (group_name, partition)
) WITHOUT ROWID;
)sql",
};

constexpr int schema_version = static_cast<int>(std::size(migrations));

// How long a statement waits for a lock held by another connection (an
// operator's sqlite3 shell, a checkpoint) before failing as unavailable.
constexpr int busy_timeout_ms = 5000;

// -- RAII wrappers ------------------------------------------------------------

struct db_closer {
  void operator()(sqlite3* db) const {
    sqlite3_close_v2(db);
  }
};

/// An open database connection.
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

struct statement_finalizer {
  void operator()(sqlite3_stmt* st) const {
    sqlite3_finalize(st);
  }
};

/// A prepared statement.
using statement = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

/// An exclusive `flock` on a file, held until destruction.
class file_lock {
public:
  /// Takes ownership of a descriptor that holds the lock.
  explicit file_lock(int fd) : fd_(fd) {
  }

  file_lock(file_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {
  }

  file_lock& operator=(file_lock&&) = delete;

  ~file_lock() {
    // Closing the last descriptor of the open file releases the lock.
    if (fd_ >= 0)
      ::close(fd_);
  }

private:
  int fd_;
};

/// One execution of a prepared statement: binds the parameters in order
/// (an `hlc_time` takes two), steps through the result and resets the
/// statement when it goes out of scope, so that no statement stays active
/// between calls.
class run {
public:
  template <class... Ts>
  explicit run(sqlite3_stmt* st, const Ts&... params) : st_(st) {
    (bind(params), ...);
  }

  run(const run&) = delete;

  run& operator=(const run&) = delete;

  ~run() {
    sqlite3_reset(st_);
  }

  /// Returns `SQLITE_ROW`, `SQLITE_DONE` or the error of binding or stepping.
  int step() {
    return rc_ != SQLITE_OK ? rc_ : sqlite3_step(st_);
  }

  /// Reads an integer column of the current row.
  int64_t integer(int col) const {
    return sqlite3_column_int64(st_, col);
  }

  /// Reads an HLC time stored in columns `col` and `col + 1`.
  hlc_time time(int col) const {
    return {integer(col), static_cast<int32_t>(integer(col + 1))};
  }

  /// Reads a time stored as nanoseconds since the epoch.
  caf::timestamp timestamp(int col) const {
    return caf::timestamp{caf::timespan{integer(col)}};
  }

  /// Tells whether a column of the current row is NULL.
  bool is_null(int col) const {
    return sqlite3_column_type(st_, col) == SQLITE_NULL;
  }

  /// Reads a text column of the current row.
  std::string text(int col) const {
    auto str = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    return {str, static_cast<size_t>(sqlite3_column_bytes(st_, col))};
  }

private:
  // Keeps the first error: `step` reports it.
  void check(int rc) {
    if (rc_ == SQLITE_OK)
      rc_ = rc;
  }

  void bind(int64_t x) {
    check(sqlite3_bind_int64(st_, ++index_, x));
  }

  void bind(const std::string& x) {
    check(sqlite3_bind_text(st_, ++index_, x.data(), static_cast<int>(x.size()),
                            SQLITE_TRANSIENT));
  }

  void bind(hlc_time t) {
    bind(t.nanos);
    bind(int64_t{t.logical});
  }

  void bind(caf::timestamp t) {
    bind(t.time_since_epoch().count());
  }

  void bind(std::nullptr_t) {
    check(sqlite3_bind_null(st_, ++index_));
  }

  sqlite3_stmt* st_;
  int index_ = 0;
  int rc_ = SQLITE_OK;
};

// Errors that may go away by themselves (locks, I/O, a full disk).
bool is_transient(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}

std::string quoted(const std::string& name) {
  return "'" + name + "'";
}

} // namespace

// -- implementation state -----------------------------------------------------

struct sqlite_store::impl {
  // The statements on the schema, prepared on first use (after `migrate`)
  // and reused for the store's lifetime.
  struct queries {
    statement head;
    statement set_head;
    statement add_head;
    statement insert_row;
    statement commit_range;
    statement heads;
    statement first_unapplied;
    statement row_before;
    statement rows_from;
    statement status;
    statement history;
    statement scan;
  };

  impl(std::string file, file_lock lock)
    : path(std::move(file)), owner(std::move(lock)) {
  }

  // -- errors -----------------------------------------------------------------

  caf::error fail(int rc, const std::string& what) const {
    auto msg = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
    return make_error(is_transient(rc) ? ec::store_unavailable
                                       : ec::store_failure,
                      "SQLite store '" + path + "': " + what + ": " + msg
                        + " (code " + std::to_string(rc) + ")");
  }

  // -- plumbing ---------------------------------------------------------------

  caf::expected<statement> prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    auto rc = sqlite3_prepare_v3(db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT,
                                 &st, nullptr);
    statement result{st};
    if (rc != SQLITE_OK)
      return fail(rc, std::string{"preparing `"} + sql + "`");
    return result;
  }

  // Runs a statement that returns no rows.
  template <class... Ts>
  caf::error
  exec(sqlite3_stmt* st, const std::string& what, const Ts&... params) {
    run r{st, params...};
    if (auto rc = r.step(); rc != SQLITE_DONE)
      return fail(rc, what);
    return {};
  }

  // Runs a query for at most one HLC time (columns 0 and 1).
  template <class... Ts>
  caf::expected<caf::optional<hlc_time>>
  time_query(sqlite3_stmt* st, const std::string& what, const Ts&... params) {
    run r{st, params...};
    auto rc = r.step();
    if (rc == SQLITE_ROW)
      return caf::optional<hlc_time>{r.time(0)};
    if (rc == SQLITE_DONE)
      return caf::optional<hlc_time>{};
    return fail(rc, what);
  }

  // Runs `body` in a transaction started by `begin`: commits when it
  // succeeds, rolls back when it or the commit fails.
  template <class F>
  caf::error transact(sqlite3_stmt* begin, const std::string& what, F body) {
    if (auto err = exec(begin, what))
      return err;
    auto err = body();
    if (!err)
      err = exec(commit.get(), what);
    // A failed COMMIT leaves the transaction open; some errors (SQLITE_FULL)
    // have rolled it back already.
    if (err && !sqlite3_get_autocommit(db.get()))
      exec(rollback.get(), what);
    return err;
  }

  // Opens the database file and sets up the connection.
  caf::error connect() {
    sqlite3* raw = nullptr;
    auto rc = sqlite3_open_v2(path.c_str(), &raw,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                              nullptr);
    db.reset(raw);
    if (rc != SQLITE_OK)
      return fail(rc, "opening the file");
    sqlite3_busy_timeout(db.get(), busy_timeout_ms);
    // The first statement reads the file: a file that is not a database
    // fails here, at open.
    auto mode = prepare("PRAGMA journal_mode = WAL");
    if (!mode)
      return std::move(mode.error());
    {
      run r{mode->get()};
      if (rc = r.step(); rc != SQLITE_ROW)
        return fail(rc, "switching to WAL mode");
      if (auto got = r.text(0); got != "wal")
        return make_error(ec::store_failure,
                          "SQLite store '" + path
                            + "': the file cannot use WAL mode (journal mode "
                            + got + ")");
    }
    // In WAL mode, NORMAL syncs the log only at checkpoints: the last
    // transactions before a power loss or OS crash may be lost. FULL syncs
    // it on every commit, so an acknowledged apply is durable.
    if (rc = sqlite3_exec(db.get(), "PRAGMA synchronous = FULL", nullptr,
                          nullptr, nullptr);
        rc != SQLITE_OK)
      return fail(rc, "setting synchronous = FULL");
    for (auto [st, sql] :
         {std::pair{&begin_read, "BEGIN"},
          std::pair{&begin_write, "BEGIN IMMEDIATE"},
          std::pair{&commit, "COMMIT"}, std::pair{&rollback, "ROLLBACK"}}) {
      auto prepared = prepare(sql);
      if (!prepared)
        return std::move(prepared.error());
      *st = std::move(*prepared);
    }
    return {};
  }

  // Reads the schema version of the file (0: no schema yet).
  caf::expected<int> stored_version() {
    auto query = prepare("PRAGMA user_version");
    if (!query)
      return std::move(query.error());
    run r{query->get()};
    if (auto rc = r.step(); rc != SQLITE_ROW)
      return fail(rc, "reading the schema version");
    return static_cast<int>(r.integer(0));
  }

  // Tells whether the file holds a table (or view) named `checkpoints`.
  caf::expected<bool> has_checkpoints_table() {
    // SQLite's names ignore ASCII case.
    auto query = prepare("SELECT count(*) FROM sqlite_master WHERE type IN "
                         "('table', 'view') AND name = 'checkpoints' "
                         "COLLATE NOCASE");
    if (!query)
      return std::move(query.error());
    run r{query->get()};
    if (auto rc = r.step(); rc != SQLITE_ROW)
      return fail(rc, "looking for a table 'checkpoints'");
    return r.integer(0) > 0;
  }

  // Prepares the statements on the schema unless done already; fails when
  // the file's schema is not the current one (`migrate` not called).
  caf::error prepare_queries() {
    if (q)
      return {};
    auto version = stored_version();
    if (!version)
      return std::move(version.error());
    if (*version != schema_version)
      return make_error(ec::store_failure,
                        "SQLite store '" + path + "': the schema is at version "
                          + std::to_string(*version) + ", this build needs "
                          + std::to_string(schema_version)
                          + ": call migrate first");
    static constexpr std::pair<statement queries::*, const char*> texts[] = {
      {&queries::head, R"sql(
SELECT source_nanos, source_logical FROM checkpoint_heads
WHERE group_name = ?1 AND partition = ?2)sql"},
      {&queries::set_head, R"sql(
INSERT INTO checkpoint_heads (group_name, partition, source_nanos,
                              source_logical)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (group_name, partition) DO UPDATE
SET source_nanos = excluded.source_nanos,
    source_logical = excluded.source_logical)sql"},
      {&queries::add_head, R"sql(
INSERT INTO checkpoint_heads (group_name, partition, source_nanos,
                              source_logical)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (group_name, partition) DO NOTHING)sql"},
      {&queries::insert_row, R"sql(
INSERT INTO checkpoints (group_name, partition, source_nanos, source_logical,
                         first_seen, target_applied_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql"},
      // The IN list turns the group's range into one index seek per
      // partition; the index hint keeps SQLite off the primary key, which
      // would also walk the applied rows in the range.
      {&queries::commit_range, R"sql(
UPDATE checkpoints INDEXED BY checkpoints_unapplied
SET target_applied_at = ?1
WHERE group_name = ?2
  AND partition IN (SELECT partition FROM checkpoint_heads
                    WHERE group_name = ?2)
  AND target_applied_at IS NULL
  AND (source_nanos, source_logical) >= (?3, ?4)
  AND (source_nanos, source_logical) < (?5, ?6))sql"},
      {&queries::heads, R"sql(
SELECT partition, source_nanos, source_logical FROM checkpoint_heads
WHERE group_name = ?1 ORDER BY partition)sql"},
      {&queries::first_unapplied, R"sql(
SELECT source_nanos, source_logical
FROM checkpoints INDEXED BY checkpoints_unapplied
WHERE group_name = ?1 AND partition = ?2 AND target_applied_at IS NULL
ORDER BY source_nanos, source_logical LIMIT 1)sql"},
      {&queries::row_before, R"sql(
SELECT source_nanos, source_logical FROM checkpoints
WHERE group_name = ?1 AND partition = ?2
  AND (source_nanos, source_logical) < (?3, ?4)
ORDER BY source_nanos DESC, source_logical DESC LIMIT 1)sql"},
      {&queries::rows_from, R"sql(
SELECT source_nanos, source_logical, target_applied_at FROM checkpoints
WHERE group_name = ?1 AND partition = ?2
  AND (source_nanos, source_logical) >= (?3, ?4)
ORDER BY source_nanos, source_logical)sql"},
      {&queries::status, R"sql(
SELECT h.partition, h.source_nanos, h.source_logical, c.first_seen,
       (SELECT count(*) FROM checkpoints u INDEXED BY checkpoints_unapplied
        WHERE u.group_name = h.group_name AND u.partition = h.partition
          AND u.target_applied_at IS NULL)
FROM checkpoint_heads h
JOIN checkpoints c
  ON c.group_name = h.group_name AND c.partition = h.partition
 AND c.source_nanos = h.source_nanos AND c.source_logical = h.source_logical
WHERE h.group_name = ?1 ORDER BY h.partition)sql"},
      {&queries::history, R"sql(
SELECT partition, source_nanos, source_logical, first_seen, target_applied_at
FROM checkpoints WHERE group_name = ?1
ORDER BY partition, source_nanos, source_logical)sql"},
      {&queries::scan, R"sql(
SELECT DISTINCT group_name FROM checkpoints INDEXED BY checkpoints_unapplied
WHERE target_applied_at IS NULL ORDER BY group_name)sql"},
    };
    queries result;
    for (auto [member, sql] : texts) {
      auto prepared = prepare(sql);
      if (!prepared)
        return std::move(prepared.error());
      result.*member = std::move(*prepared);
    }
    q = std::move(result);
    return {};
  }

  // -- operations -------------------------------------------------------------

  caf::error advance(const std::string& group, const advance_op& op,
                     caf::timestamp now, caf::error& outcome) {
    auto what = "advancing group " + quoted(group) + " partition "
                + quoted(op.partition) + " to " + to_string(op.ts);
    auto head = time_query(q->head.get(), what, group, op.partition);
    if (!head)
      return std::move(head.error());
    if (*head && op.ts < **head) {
      outcome = going_backwards_error(group, op.partition, op.ts, **head);
      return {};
    }
    // Re-sending the current tail is accepted and writes nothing.
    if (*head && op.ts == **head)
      return {};
    if (auto err = exec(q->insert_row.get(), what, group, op.partition, op.ts,
                        now, nullptr))
      return err;
    return exec(q->set_head.get(), what, group, op.partition, op.ts);
  }

  caf::error commit_range(const std::string& group, const hlc_range& range,
                          caf::timestamp now) {
    if (range.empty())
      return {};
    return exec(q->commit_range.get(),
                "committing " + to_string(range) + " in group " + quoted(group),
                now, group, range.min, range.max);
  }

  caf::error ensure(const std::string& group,
                    const std::vector<std::string>& partitions,
                    caf::timestamp now) {
    for (const auto& partition : partitions) {
      auto what = "ensuring group " + quoted(group) + " partition "
                  + quoted(partition);
      if (auto err = exec(q->add_head.get(), what, group, partition,
                          ensured_time))
        return err;
      // The head row was new: the partition had no rows.
      if (sqlite3_changes(db.get()) == 1)
        if (auto err = exec(q->insert_row.get(), what, group, partition,
                            ensured_time, now, now))
          return err;
    }
    return {};
  }

  // The window of one partition (SEMANTICS.md steps 1-2) whose first
  // unapplied row is `first`, read with index seeks: the row before it
  // (`lower(p)`), and the unapplied run that follows, up to L + 1 rows of the
  // window.
  caf::expected<partition_window>
  window(const std::string& group, const std::string& partition, hlc_time head,
         caf::optional<hlc_time> first, int32_t lookahead,
         const std::string& what) {
    if (!first)
      return partition_window{zero_time, head, false};
    std::vector<row_state> rows;
    auto lower = time_query(q->row_before.get(), what, group, partition,
                            *first);
    if (!lower)
      return std::move(lower.error());
    // `lower(p)` precedes the first unapplied row, so it is applied.
    if (*lower)
      rows.push_back({**lower, true});
    auto counted = lookahead > 0 ? static_cast<size_t>(lookahead) + 1
                                 : std::numeric_limits<size_t>::max();
    run r{q->rows_from.get(), group, partition, *first};
    while (rows.size() < counted) {
      auto rc = r.step();
      if (rc == SQLITE_DONE)
        break;
      if (rc != SQLITE_ROW)
        return fail(rc, what);
      // The next applied row ends the run.
      if (!r.is_null(2))
        break;
      rows.push_back({r.time(0), false});
    }
    return window_of(rows, lookahead);
  }

  // -- state ------------------------------------------------------------------

  // The database file.
  std::string path;

  // Serialises every call: one connection serves all threads.
  std::mutex mtx;

  // Makes this instance the file's only user; released after `db` closes.
  file_lock owner;

  // Declared before the statements, so that it is closed after them.
  db_ptr db;

  // Transaction control, prepared at open.
  statement begin_read;
  statement begin_write;
  statement commit;
  statement rollback;

  // Set by `prepare_queries`.
  std::optional<queries> q;
};

// -- construction -------------------------------------------------------------

caf::expected<std::unique_ptr<sqlite_store>>
sqlite_store::open(sqlite_options opts) {
  if (opts.path.empty())
    return make_error(ec::bad_input, "the SQLite store needs a file path");
  // An exclusive flock on a sidecar file makes this instance the only user
  // of the database: it fails at once (no waiting), also for a second open
  // in this process (each open has its own file description), it is
  // released by the kernel when the process dies, and it leaves the
  // database itself readable by an operator's sqlite3 shell.
  auto lock_path = opts.path + ".lock";
  auto fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(ec::store_unavailable,
                      "SQLite store '" + opts.path
                        + "': cannot open the lock file '" + lock_path
                        + "': " + std::strerror(errno));
  file_lock lock{fd};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return make_error(ec::store_unavailable,
                        "SQLite store '" + opts.path
                          + "' is in use by another store (its lock file '"
                          + lock_path
                          + "' is held); one process owns an embedded store, "
                            "use PostgreSQL to share checkpoints");
    return make_error(ec::store_unavailable, "SQLite store '" + opts.path
                                               + "': cannot lock '" + lock_path
                                               + "': " + std::strerror(errno));
  }
  auto self = std::make_unique<impl>(std::move(opts.path), std::move(lock));
  if (auto err = self->connect())
    return err;
  return std::unique_ptr<sqlite_store>{new sqlite_store(std::move(self))};
}

sqlite_store::sqlite_store(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
}

sqlite_store::~sqlite_store() = default;

// -- store interface ----------------------------------------------------------

caf::error sqlite_store::migrate() {
  auto& self = *impl_;
  std::lock_guard<std::mutex> guard{self.mtx};
  std::string what = "migrating the schema";
  return self.transact(self.begin_write.get(), what, [&]() -> caf::error {
    auto stored = self.stored_version();
    if (!stored)
      return std::move(stored.error());
    auto version = *stored;
    auto context = "SQLite store '" + self.path + "'";
    if (version > schema_version)
      return newer_schema_error(context, version, schema_version);
    if (version == schema_version)
      return {};
    // Our first migration creates `checkpoints`: with version 0, a table of
    // that name is someone else's (replicator's staging table, say).
    if (version == 0) {
      auto foreign = self.has_checkpoints_table();
      if (!foreign)
        return std::move(foreign.error());
      if (*foreign)
        return foreign_table_error(context, "choose another file");
    }
    for (auto v = version; v < schema_version; ++v)
      if (auto rc = sqlite3_exec(self.db.get(), migrations[v], nullptr, nullptr,
                                 nullptr);
          rc != SQLITE_OK)
        return self.fail(rc, what + " to version " + std::to_string(v + 1));
    // A PRAGMA takes no parameters; the version is our own constant.
    auto set_version = "PRAGMA user_version = "
                       + std::to_string(schema_version);
    if (auto rc = sqlite3_exec(self.db.get(), set_version.c_str(), nullptr,
                               nullptr, nullptr);
        rc != SQLITE_OK)
      return self.fail(rc, what);
    return {};
  });
}

caf::expected<std::vector<std::string>> sqlite_store::scan() {
  auto& self = *impl_;
  std::lock_guard<std::mutex> guard{self.mtx};
  if (auto err = self.prepare_queries())
    return err;
  std::vector<std::string> result;
  run r{self.q->scan.get()};
  int rc;
  while ((rc = r.step()) == SQLITE_ROW)
    result.push_back(r.text(0));
  if (rc != SQLITE_DONE)
    return self.fail(rc, "scanning for groups with unapplied checkpoints");
  return result;
}

caf::error sqlite_store::ping() {
  auto& self = *impl_;
  std::lock_guard<std::mutex> guard{self.mtx};
  // Reads the file's header: a trivial query that still touches the file.
  auto version = self.stored_version();
  return version ? caf::error{} : std::move(version.error());
}

caf::expected<std::vector<caf::error>>
sqlite_store::do_apply(const std::string& group,
                       const std::vector<operation>& ops) {
  auto& self = *impl_;
  std::lock_guard<std::mutex> guard{self.mtx};
  if (auto err = self.prepare_queries())
    return err;
  auto now = caf::make_timestamp();
  std::vector<caf::error> results;
  results.reserve(ops.size());
  auto err = self.transact(
    self.begin_write.get(), "applying a batch to group " + quoted(group),
    [&]() -> caf::error {
      for (const auto& op : ops) {
        caf::error outcome;
        caf::error failure;
        if (auto* adv = std::get_if<advance_op>(&op))
          failure = self.advance(group, *adv, now, outcome);
        else if (auto* com = std::get_if<commit_op>(&op))
          failure = self.commit_range(group, com->range, now);
        else
          failure = self.ensure(group, std::get<ensure_op>(op).partitions, now);
        if (failure)
          return failure;
        results.push_back(std::move(outcome));
      }
      return {};
    });
  if (err)
    return err;
  return results;
}

caf::expected<hlc_range> sqlite_store::do_bounds(const std::string& group,
                                                 int32_t lookahead) {
  auto& self = *impl_;
  std::lock_guard<std::mutex> guard{self.mtx};
  if (auto err = self.prepare_queries())
    return err;
  auto what = "computing the bounds of group " + quoted(group);
  std::vector<partition_window> windows;
  // One read transaction: every partition is seen at the same snapshot.
  auto err = self.transact(self.begin_read.get(), what, [&]() -> caf::error {
    std::vector<std::pair<std::string, hlc_time>> heads;
    {
      run r{self.q->heads.get(), group};
      int rc;
      while ((rc = r.step()) == SQLITE_ROW)
        heads.emplace_back(r.text(0), r.time(1));
      if (rc != SQLITE_DONE)
        return self.fail(rc, what);
    }
    for (const auto& [partition, head] : heads) {
      auto first = self.time_query(self.q->first_unapplied.get(), what, group,
                                   partition);
      if (!first)
        return std::move(first.error());
      auto w = self.window(group, partition, head, *first, lookahead, what);
      if (!w)
        return std::move(w.error());
      windows.push_back(*w);
    }
    return {};
  });
  if (err)
    return err;
  return bounds_of(windows);
}

caf::expected<std::vector<partition_status>>
sqlite_store::do_status(const std::string& group, int32_t lookahead) {
  auto& self = *impl_;
  std::lock_guard<std::mutex> guard{self.mtx};
  if (auto err = self.prepare_queries())
    return err;
  auto what = "reading the status of group " + quoted(group);
  std::vector<partition_status> result;
  auto err = self.transact(self.begin_read.get(), what, [&]() -> caf::error {
    {
      run r{self.q->status.get(), group};
      int rc;
      while ((rc = r.step()) == SQLITE_ROW) {
        partition_status st;
        st.partition = r.text(0);
        st.head = r.time(1);
        st.last_advance = r.timestamp(3);
        st.unapplied = r.integer(4);
        result.push_back(std::move(st));
      }
      if (rc != SQLITE_DONE)
        return self.fail(rc, what);
    }
    for (auto& st : result) {
      if (st.unapplied > 0) {
        auto first = self.time_query(self.q->first_unapplied.get(), what, group,
                                     st.partition);
        if (!first)
          return std::move(first.error());
        st.first_unapplied = *first;
      }
      auto w = self.window(group, st.partition, st.head, st.first_unapplied,
                           lookahead, what);
      if (!w)
        return std::move(w.error());
      st.window = *w;
    }
    return {};
  });
  if (err)
    return err;
  return result;
}

caf::expected<std::vector<checkpoint_row>>
sqlite_store::do_history(const std::string& group) {
  auto& self = *impl_;
  std::lock_guard<std::mutex> guard{self.mtx};
  if (auto err = self.prepare_queries())
    return err;
  std::vector<checkpoint_row> result;
  run r{self.q->history.get(), group};
  int rc;
  while ((rc = r.step()) == SQLITE_ROW) {
    checkpoint_row row;
    row.partition = r.text(0);
    row.ts = r.time(1);
    row.first_seen = r.timestamp(3);
    if (!r.is_null(4))
      row.applied_at = r.timestamp(4);
    result.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE)
    return self.fail(rc, "reading the history of group " + quoted(group));
  return result;
}

} // namespace checkpoint

#include <checkpoint/storage/postgres_store.hpp>

#include <chrono>
#include <iterator>
#include <utility>

#include <poll.h>

#include <pqxx/pqxx>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/bounds.hpp>
#include <checkpoint/storage/postgres_connection.hpp>

namespace checkpoint {

namespace {

// Attempts of one call when the server rolls a transaction back (deadlock,
// serialization failure) or the connection breaks before a commit.
constexpr int max_attempts = 3;

// Replaces every `from` in `text` with `to`.
std::string replace_all(std::string text, const std::string& from,
                        const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Replaces every `{schema}` in `sql` with the quoted schema name.
std::string qualify(const std::string& sql, const std::string& quoted_schema) {
  return replace_all(sql, "{schema}", quoted_schema);
}

// A partition's first unapplied row `u`, as a lateral subquery over the head
// row `h` (an index seek on `checkpoints_unapplied` from the floor).
// Migrations 2 and 3 hold texts of their own, which never change.
const std::string first_unapplied = R"sql(
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM {schema}.checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical) >= (h.floor_nanos, h.floor_logical)
    AND c.target_applied_at IS NULL
  ORDER BY c.source_nanos, c.source_logical LIMIT 1) u ON true)sql";

// The schema, one entry per version: entry `i` migrates version `i` to
// `i + 1`. Each entry is a complete literal that never changes once it is
// on main, since deployed databases ran it: a change is a new entry
// (docs/migrations.md), and the upgrade test fails when an old one changes.
// `{schema}` stands for the quoted schema name. Names are `COLLATE "C"` so
// that every order (and the lock order) is byte order, as in the other
// stores. A partition's head row holds its greatest timestamp (NULL only
// inside the transaction that creates the row) and a floor: every row
// below the floor is applied, so seeks for the first unapplied row start
// there and skip the index entries that applied rows leave in
// `checkpoints_unapplied` until VACUUM. The floor only rises: rows never
// become unapplied again and new rows are inserted above the head.
constexpr const char* migrations[] = {
  R"sql(
CREATE TABLE {schema}.checkpoints (
  group_name text COLLATE "C" NOT NULL,
  source_hlc numeric GENERATED ALWAYS AS
    (source_nanos + source_logical * 0.0000000001) STORED,
  partition text COLLATE "C" NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(),
  target_applied_at timestamptz,
  source_nanos int8 NOT NULL CHECK (source_nanos >= 0),
  source_logical int4 NOT NULL CHECK (source_logical >= 0),
  PRIMARY KEY (group_name, partition, source_nanos, source_logical)
);
-- Bounds and status: a partition's first unapplied row; commit: a
-- partition's unapplied rows in a time range.
CREATE INDEX checkpoints_unapplied ON {schema}.checkpoints
  (group_name, partition, source_nanos, source_logical)
  WHERE target_applied_at IS NULL;
-- Bounds: the first applied row after the first unapplied one, which ends
-- the window, however long the run of unapplied rows before it.
CREATE INDEX checkpoints_applied ON {schema}.checkpoints
  (group_name, partition, source_nanos, source_logical)
  WHERE target_applied_at IS NOT NULL;
CREATE TABLE {schema}.checkpoint_heads (
  group_name text COLLATE "C" NOT NULL,
  partition text COLLATE "C" NOT NULL,
  head_nanos int8,
  head_logical int4,
  floor_nanos int8 NOT NULL DEFAULT 0,
  floor_logical int4 NOT NULL DEFAULT 0,
  PRIMARY KEY (group_name, partition)
);
)sql",
  // One call applies a whole batch, so that a batch costs one round trip
  // instead of one per statement (docs/storage-postgres.md, "Apply"). The
  // operations come as parallel arrays, one element per Advance, Commit or
  // ensured partition, in order; `op` maps an element to its operation. It
  // returns the rejected Advances with the head they went below. Locks are
  // taken in byte order, the order of every lock. Row times are taken once
  // the locks are held, with clock_timestamp(): the call may have arrived
  // before a rival's whole write to the partition, and first_seen must
  // follow the order of the rows. The body names no schema (search_path),
  // so that no schema name can end its quoting; its plans may be generic
  // (plan_cache_mode), since they all seek whatever the values.
  R"sql(
CREATE FUNCTION {schema}.checkpoint_apply(g text, kinds text[], op int4[],
  parts text[], n1 int8[], l1 int4[], n2 int8[], l2 int4[], channel text)
RETURNS TABLE (rejected int4, at_nanos int8, at_logical int4)
LANGUAGE plpgsql SET search_path = {schema}, pg_temp
SET plan_cache_mode = auto
AS $$
DECLARE
  -- The batch's partitions in byte order, and their locked heads.
  names text[];
  hn int8[];
  hl int4[];
  moved bool[];
  -- Rows not inserted yet.
  pp text[] := '{}';
  pn int8[] := '{}';
  pl int4[] := '{}';
  pa bool[] := '{}';
  stamp timestamptz;
  wrote bool := false;
  affected int8;
  k int4;
  n int4 := coalesce(cardinality(kinds), 0);
BEGIN
  SELECT array_agg(DISTINCT p COLLATE "C" ORDER BY p COLLATE "C") INTO names
  FROM unnest(parts, kinds) AS x(p, kind) WHERE kind <> 'c';
  IF names IS NOT NULL THEN
    INSERT INTO checkpoint_heads (group_name, partition)
    SELECT g, p FROM unnest(names) AS p ORDER BY p COLLATE "C"
    ON CONFLICT DO NOTHING;
    -- FOR UPDATE returns the newest version of each row once it holds the
    -- lock, so the checks against the heads and the inserts are atomic.
    SELECT array_agg(h.head_nanos ORDER BY h.partition),
      array_agg(h.head_logical ORDER BY h.partition)
    INTO hn, hl
    FROM (SELECT partition, head_nanos, head_logical FROM checkpoint_heads
          WHERE group_name = g AND partition = ANY(names)
          ORDER BY partition FOR UPDATE) h;
    moved := array_fill(false, ARRAY[cardinality(names)]);
  END IF;
  stamp := clock_timestamp();
  -- Element n + 1 only writes what is pending.
  FOR i IN 1 .. n + 1 LOOP
    IF i > n OR kinds[i] = 'c' THEN
      -- A Commit must see the rows of the operations before it.
      IF cardinality(pp) > 0 THEN
        INSERT INTO checkpoints (group_name, partition, source_nanos,
          source_logical, first_seen, target_applied_at)
        SELECT g, p, t, l, stamp, CASE WHEN a THEN stamp END
        FROM unnest(pp, pn, pl, pa) AS r(p, t, l, a);
        wrote := true;
        pp := '{}'; pn := '{}'; pl := '{}'; pa := '{}';
      END IF;
      IF i <= n THEN
        -- One range seek per partition through the head rows (the generic
        -- plan seeks too), so the cost follows the rows committed.
        UPDATE checkpoints c SET target_applied_at = stamp
        FROM checkpoint_heads h
        WHERE h.group_name = g AND c.group_name = h.group_name
          AND c.partition = h.partition AND c.target_applied_at IS NULL
          AND (c.source_nanos, c.source_logical) >= (n1[i], l1[i])
          AND (c.source_nanos, c.source_logical) < (n2[i], l2[i]);
        GET DIAGNOSTICS affected = ROW_COUNT;
        wrote := wrote OR affected > 0;
      END IF;
      CONTINUE;
    END IF;
    k := array_position(names, parts[i]);
    IF kinds[i] = 'a' THEN
      IF (n1[i], l1[i]) < (hn[k], hl[k]) THEN
        rejected := op[i];
        at_nanos := hn[k];
        at_logical := hl[k];
        RETURN NEXT;
        CONTINUE;
      END IF;
      -- Changefeeds redeliver: the current head is accepted and not stored.
      IF (n1[i], l1[i]) = (hn[k], hl[k]) THEN
        CONTINUE;
      END IF;
    ELSIF hn[k] IS NOT NULL THEN
      -- Ensure: the partition has rows.
      CONTINUE;
    END IF;
    hn[k] := n1[i];
    hl[k] := l1[i];
    moved[k] := true;
    pp := pp || parts[i];
    pn := pn || n1[i];
    pl := pl || l1[i];
    pa := pa || (kinds[i] = 'e');
  END LOOP;
  -- Raises the floor to the first unapplied row, or to the new head when
  -- every row is applied; the seek passes each applied row's leftover
  -- index entry once.
  UPDATE checkpoint_heads h SET head_nanos = r.t, head_logical = r.l,
    (floor_nanos, floor_logical) = (
      SELECT coalesce(u.source_nanos, r.t), coalesce(u.source_logical, r.l)
      FROM (VALUES (1)) AS one
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical) >= (h.floor_nanos, h.floor_logical)
    AND c.target_applied_at IS NULL
  ORDER BY c.source_nanos, c.source_logical LIMIT 1) u ON true)
  FROM unnest(names, hn, hl, moved) AS r(p, t, l, m)
  WHERE r.m AND h.group_name = g AND h.partition = r.p;
  IF wrote THEN
    PERFORM pg_notify(channel, g);
  END IF;
END
$$)sql",
  // The rows that make the bounds of group `g` with lookahead
  // `lookahead`, as a function whose plan is generic and cached: the
  // connection plans its statements for each call (see `connect`), and
  // planning this one cost about as much as running it. Per partition,
  // index seeks only (SEMANTICS.md step 2): its first unapplied row u, the
  // row before u, the row that the lookahead counts last (number L + 1
  // from the window's start), the first applied row after u up to that
  // row or the head, and the row before that one. Its cost grows with the
  // partitions (and L), not with the history or the backlog. Every join
  // is a seek whatever the values, so one plan serves every group.
  R"sql(
CREATE FUNCTION {schema}.checkpoint_bounds(g text, lookahead int4)
RETURNS TABLE (head_n int8, head_l int4, u_n int8, u_l int4, lo_n int8,
  lo_l int4, cap_n int8, cap_l int4, run_end_n int8, run_end_l int4)
LANGUAGE plpgsql STABLE SET search_path = {schema}, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
SELECT h.head_nanos, h.head_logical, u.source_nanos, u.source_logical,
  lo.source_nanos, lo.source_logical, cap.source_nanos, cap.source_logical,
  run_end.source_nanos, run_end.source_logical
FROM checkpoint_heads h
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical) >= (h.floor_nanos, h.floor_logical)
    AND c.target_applied_at IS NULL
  ORDER BY c.source_nanos, c.source_logical LIMIT 1) u ON true
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical) < (u.source_nanos, u.source_logical)
  ORDER BY c.source_nanos DESC, c.source_logical DESC LIMIT 1) lo ON true
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE lookahead > 0
    AND c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical)
        >= (u.source_nanos, u.source_logical)
  ORDER BY c.source_nanos, c.source_logical
  -- greatest() keeps the offset valid when the WHERE excludes L = 0.
  OFFSET greatest(lookahead - (lo.source_nanos IS NOT NULL)::int4, 0)
  LIMIT 1) cap ON true
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical) > (u.source_nanos, u.source_logical)
    AND (c.source_nanos, c.source_logical)
        <= (coalesce(cap.source_nanos, h.head_nanos),
            coalesce(cap.source_logical, h.head_logical))
    AND c.target_applied_at IS NOT NULL
  ORDER BY c.source_nanos, c.source_logical LIMIT 1) gap ON true
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical)
        < (gap.source_nanos, gap.source_logical)
  ORDER BY c.source_nanos DESC, c.source_logical DESC LIMIT 1) run_end ON true
WHERE h.group_name = g;
END
$$)sql",
  // Status reads the windows too (which partitions hold the group back),
  // so the bounds rows name their partition: checkpoint_bounds with one
  // more column, under a new name. Replacing checkpoint_bounds would break
  // the nodes of the previous version that still run during a rolling
  // upgrade: their prepared `SELECT *` from it fails with "cached plan must
  // not change result type" once its result type changes. They keep
  // calling it; a later migration drops it.
  R"sql(
CREATE FUNCTION {schema}.checkpoint_windows(g text, lookahead int4)
RETURNS TABLE (head_n int8, head_l int4, u_n int8, u_l int4, lo_n int8,
  lo_l int4, cap_n int8, cap_l int4, run_end_n int8, run_end_l int4,
  partition_name text)
LANGUAGE plpgsql STABLE SET search_path = {schema}, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
SELECT h.head_nanos, h.head_logical, u.source_nanos, u.source_logical,
  lo.source_nanos, lo.source_logical, cap.source_nanos, cap.source_logical,
  run_end.source_nanos, run_end.source_logical, h.partition
FROM checkpoint_heads h
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical) >= (h.floor_nanos, h.floor_logical)
    AND c.target_applied_at IS NULL
  ORDER BY c.source_nanos, c.source_logical LIMIT 1) u ON true
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical) < (u.source_nanos, u.source_logical)
  ORDER BY c.source_nanos DESC, c.source_logical DESC LIMIT 1) lo ON true
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE lookahead > 0
    AND c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical)
        >= (u.source_nanos, u.source_logical)
  ORDER BY c.source_nanos, c.source_logical
  -- greatest() keeps the offset valid when the WHERE excludes L = 0.
  OFFSET greatest(lookahead - (lo.source_nanos IS NOT NULL)::int4, 0)
  LIMIT 1) cap ON true
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical) > (u.source_nanos, u.source_logical)
    AND (c.source_nanos, c.source_logical)
        <= (coalesce(cap.source_nanos, h.head_nanos),
            coalesce(cap.source_logical, h.head_logical))
    AND c.target_applied_at IS NOT NULL
  ORDER BY c.source_nanos, c.source_logical LIMIT 1) gap ON true
LEFT JOIN LATERAL (
  SELECT c.source_nanos, c.source_logical FROM checkpoints c
  WHERE c.group_name = h.group_name AND c.partition = h.partition
    AND (c.source_nanos, c.source_logical)
        < (gap.source_nanos, gap.source_logical)
  ORDER BY c.source_nanos DESC, c.source_logical DESC LIMIT 1) run_end ON true
WHERE h.group_name = g;
END
$$)sql",
};

// Microseconds since the epoch of a timestamptz column.
std::string micros(const std::string& column) {
  return "(extract(epoch FROM " + column + ") * 1000000)::int8";
}

// The prepared statements: name and text.
std::vector<std::pair<std::string, std::string>> statements() {
  return {
    {"apply", R"sql(
SELECT rejected, at_nanos, at_logical FROM {schema}.checkpoint_apply($1,
  $2::text[], $3::int4[], $4::text[], $5::int8[], $6::int4[], $7::int8[],
  $8::int4[], $9))sql"},
    // `window_at` reads the first ten columns.
    {"bounds", R"sql(
SELECT * FROM {schema}.checkpoint_windows($1, $2))sql"},
    // The windows of `bounds` and, per partition, its unapplied rows (a
    // seek from the first one) and when its head row was recorded.
    {"status", R"sql(
SELECT b.*,
  (SELECT count(*) FROM {schema}.checkpoints c
   WHERE c.group_name = $1 AND c.partition = b.partition_name COLLATE "C"
     AND (c.source_nanos, c.source_logical) >= (b.u_n, b.u_l)
     AND c.target_applied_at IS NULL),
  (SELECT )sql" + micros("c.first_seen")
                 + R"sql( FROM {schema}.checkpoints c
   WHERE c.group_name = $1 AND c.partition = b.partition_name COLLATE "C"
     AND c.source_nanos = b.head_n AND c.source_logical = b.head_l)
FROM {schema}.checkpoint_windows($1, $2) b
ORDER BY b.partition_name COLLATE "C")sql"},
    {"history", "SELECT partition, source_nanos, source_logical, "
                  + micros("first_seen") + ", " + micros("target_applied_at")
                  + R"sql(
FROM {schema}.checkpoints WHERE group_name = $1
ORDER BY partition, source_nanos, source_logical)sql"},
    // An index-only scan of the unapplied rows, not of the history.
    {"scan", R"sql(
SELECT DISTINCT group_name FROM {schema}.checkpoints
WHERE target_applied_at IS NULL ORDER BY group_name)sql"},
  };
}

// Renders a PostgreSQL array literal. Every element is quoted, with `"` and
// `\` escaped, so that any text survives (names cannot hold NUL).
std::string array_literal(const std::vector<std::string>& xs) {
  std::string result = "{";
  for (const auto& x : xs) {
    if (result.size() > 1)
      result += ',';
    result += '"';
    for (auto c : x) {
      if (c == '"' || c == '\\')
        result += '\\';
      result += c;
    }
    result += '"';
  }
  result += '}';
  return result;
}

// Reads an HLC time from two columns (nanos, logical); NULL throws.
hlc_time hlc_at(const pqxx::row& row, int col) {
  return {row[col].as<int64_t>(), row[col + 1].as<int32_t>()};
}

// Reads an HLC time from two columns that may be NULL.
caf::optional<hlc_time> maybe_hlc_at(const pqxx::row& row, int col) {
  if (row[col].is_null())
    return caf::none;
  return hlc_at(row, col);
}

caf::timestamp timestamp_at(const pqxx::row& row, int col) {
  return caf::timestamp{std::chrono::microseconds{row[col].as<int64_t>()}};
}

// The operations of a batch as the parallel arrays of checkpoint_apply: one
// element per Advance, Commit and ensured partition.
struct apply_arrays {
  std::vector<std::string> kinds;
  std::vector<std::string> ops;
  std::vector<std::string> partitions;
  std::vector<std::string> nanos;
  std::vector<std::string> logicals;
  std::vector<std::string> end_nanos;
  std::vector<std::string> end_logicals;

  explicit apply_arrays(const std::vector<operation>& batch) {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (auto* adv = std::get_if<advance_op>(&batch[i])) {
        push("a", i, adv->partition, adv->ts, zero_time);
      } else if (auto* com = std::get_if<commit_op>(&batch[i])) {
        push("c", i, "", com->range.min, com->range.max);
      } else {
        for (const auto& partition : std::get<ensure_op>(batch[i]).partitions)
          push("e", i, partition, ensured_time, zero_time);
      }
    }
  }

  void push(const char* kind, size_t op, const std::string& partition,
            hlc_time ts, hlc_time end) {
    kinds.emplace_back(kind);
    ops.push_back(std::to_string(op));
    partitions.push_back(partition);
    nanos.push_back(std::to_string(ts.nanos));
    logicals.push_back(std::to_string(ts.logical));
    end_nanos.push_back(std::to_string(end.nanos));
    end_logicals.push_back(std::to_string(end.logical));
  }
};

// The window of one partition (SEMANTICS.md step 2) from a row of the
// bounds statement.
partition_window window_at(const pqxx::row& row) {
  auto head = hlc_at(row, 0);
  if (row[2].is_null()) // no unapplied row
    return {zero_time, head, false};
  auto lower = maybe_hlc_at(row, 4);
  auto cap = maybe_hlc_at(row, 6);
  auto run_end = maybe_hlc_at(row, 8);
  return {lower ? *lower : zero_time,
          run_end ? *run_end
          : cap   ? *cap
                  : head,
          true};
}

// Where one partition stands, from a row of the status statement: the
// columns of the bounds statement, then the unapplied count and the time of
// the head row.
partition_status status_at(const pqxx::row& row) {
  partition_status result;
  result.head = hlc_at(row, 0);
  result.first_unapplied = maybe_hlc_at(row, 2);
  result.window = window_at(row);
  result.partition = row[10].as<std::string>();
  result.unapplied = row[11].as<int64_t>();
  result.last_advance = timestamp_at(row, 12);
  return result;
}

checkpoint_row history_at(const pqxx::row& row) {
  checkpoint_row result;
  result.partition = row[0].as<std::string>();
  result.ts = hlc_at(row, 1);
  result.first_seen = timestamp_at(row, 3);
  if (!row[4].is_null())
    result.applied_at = timestamp_at(row, 4);
  return result;
}

// Whether the server's end of an idle connection is closed (its FIN has
// arrived), without reading: libpq notices only when it next reads, after
// a statement was sent, when the server may or may not have run it.
bool closed_by_server(pqxx::connection& c) {
  pollfd fd{c.sock(), POLLRDHUP, 0};
  return ::poll(&fd, 1, 0) > 0
         && (fd.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

} // namespace

struct postgres_store::impl {
  impl(postgres_options options, postgres_target where)
    : opts(std::move(options)), target(std::move(where)) {
    // nop
  }

  postgres_options opts;

  // The server, for connecting and for messages.
  postgres_target target;

  // The schema as an SQL identifier; set by the first connect().
  std::string quoted_schema;

  // Null while disconnected; run() reconnects.
  std::unique_ptr<pqxx::connection> conn;

  // The server process of `conn`, kept: a broken connection forgets it.
  int backend_pid = 0;

  ~impl() {
    disconnect();
  }

  void disconnect() {
    if (conn && opts.own_backends)
      opts.own_backends->remove(backend_pid);
    conn.reset();
  }

  // Connects and prepares the statements; `context` says what for.
  caf::error connect(const std::string& context) {
    auto c = target.connect(context);
    if (!c)
      return std::move(c.error());
    try {
      // A generic plan ignores the parameters' values: after five runs it
      // would scan a whole table for a small group's history or range.
      (*c)->set_variable("plan_cache_mode", "force_custom_plan");
      quoted_schema = (*c)->quote_name(opts.schema);
      for (const auto& [name, sql] : statements())
        (*c)->prepare(name, qualify(sql, quoted_schema));
      conn = std::move(*c);
      backend_pid = conn->backendpid();
      if (opts.own_backends)
        opts.own_backends->add(backend_pid);
      return {};
    } catch (const std::exception& e) {
      return make_error(ec::store_unavailable,
                        context + ": cannot connect to PostgreSQL ("
                          + target.description()
                          + "): " + target.scrub(e.what()));
    }
  }

  // Runs `f` on the connection, reconnecting first if needed, and turns
  // every database exception into an error with `context`.
  template <class F>
  auto run(const std::string& context, F f)
    -> decltype(f(std::declval<pqxx::connection&>())) {
    for (int attempt = 1;; ++attempt) {
      if (!conn)
        if (auto err = connect(context))
          return err;
      try {
        return f(*conn);
      } catch (const pqxx::transaction_rollback& e) {
        // Deadlocks and serialization failures pass when tried again.
        if (attempt < max_attempts)
          continue;
        return make_error(ec::store_unavailable,
                          context + ": rolled back " + std::to_string(attempt)
                            + " times: " + target.scrub(e.what()));
      } catch (const pqxx::in_doubt_error& e) {
        disconnect();
        return make_error(
          ec::store_unavailable,
          context + ": lost the connection (" + target.description()
            + ") before the commit was confirmed, the outcome is unknown: "
            + target.scrub(e.what()));
      } catch (const pqxx::broken_connection& e) {
        // Nothing was committed; a fresh connection may succeed (e.g. after
        // a server restart).
        disconnect();
        if (attempt < max_attempts)
          continue;
        return make_error(ec::store_unavailable,
                          context + ": lost the connection ("
                            + target.description()
                            + "): " + target.scrub(e.what()));
      } catch (const pqxx::sql_error& e) {
        return make_error(ec::store_failure, context + ": " + e.sqlstate()
                                               + ": " + target.scrub(e.what()));
      } catch (const std::exception& e) {
        return make_error(ec::store_failure,
                          context + ": " + target.scrub(e.what()));
      }
    }
  }

  // Runs a prepared query outside a transaction (one statement sees one
  // snapshot) and converts every row with `f`.
  template <class F, class... Ts>
  auto read(const std::string& context, const char* statement, F f,
            const Ts&... params)
    -> caf::expected<std::vector<decltype(f(std::declval<pqxx::row>()))>> {
    using rows = std::vector<decltype(f(std::declval<pqxx::row>()))>;
    return run(context, [&](pqxx::connection& c) -> caf::expected<rows> {
      pqxx::nontransaction tx{c};
      rows result;
      for (const auto& row : tx.exec_prepared(statement, params...))
        result.push_back(f(row));
      return result;
    });
  }
};

caf::expected<std::unique_ptr<postgres_store>>
postgres_store::open(postgres_options opts) {
  auto target = postgres_target::parse(opts.dsn, opts.schema);
  if (!target)
    return std::move(target.error());
  auto ptr = std::make_unique<impl>(std::move(opts), std::move(*target));
  if (auto err = ptr->connect("opening the store"))
    return err;
  return std::unique_ptr<postgres_store>{new postgres_store(std::move(ptr))};
}

postgres_store::postgres_store(std::unique_ptr<impl> ptr)
  : impl_(std::move(ptr)) {
  // nop
}

postgres_store::~postgres_store() = default;

caf::error postgres_store::migrate() {
  auto& self = *impl_;
  auto context = "migrating schema '" + self.opts.schema + "'";
  auto body = [&](pqxx::connection& c) -> caf::expected<void> {
    auto sql = [&](const std::string& text) {
      return qualify(text, self.quoted_schema);
    };
    pqxx::work tx{c};
    // Serialises concurrent migrations: CREATE ... IF NOT EXISTS alone races.
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                   "checkpoint migrate " + self.opts.schema);
    // Replicator's own staging table is also called `checkpoints` and often
    // lives in `_replicator`: a table of that name without our migrations
    // table is someone else's, and creating ours would fail or mix them.
    auto found = tx.exec_params(R"sql(
SELECT c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname IN ('checkpoints', 'checkpoint_migrations')
ORDER BY c.relname)sql",
                                self.opts.schema);
    if (found.size() == 1 && found[0][0].as<std::string>() == "checkpoints")
      return foreign_table_error(context, "choose another schema");
    tx.exec(sql(R"sql(
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.checkpoint_migrations (
  version int4 PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql"));
    auto version = tx.exec1(sql("SELECT coalesce(max(version), 0) "
                                "FROM {schema}.checkpoint_migrations"))[0]
                     .as<int>();
    auto latest = static_cast<int>(std::size(migrations));
    if (version > latest)
      return newer_schema_error(context, version, latest);
    for (auto v = version; v < latest; ++v) {
      tx.exec(sql(migrations[v]));
      tx.exec_params(sql("INSERT INTO {schema}.checkpoint_migrations "
                         "(version) VALUES ($1)"),
                     v + 1);
    }
    tx.commit();
    return {};
  };
  auto done = self.run(context, body);
  return done ? caf::error{} : std::move(done.error());
}

caf::expected<std::vector<std::string>> postgres_store::scan() {
  return impl_->read("scanning for groups", "scan", [](const pqxx::row& row) {
    return row[0].as<std::string>();
  });
}

caf::error postgres_store::ping() {
  auto done = impl_->run(
    "pinging the store", [](pqxx::connection& c) -> caf::expected<void> {
      // A connection the server closed is replaced,
      // as in do_apply: the probe reports the server.
      if (closed_by_server(c))
        throw pqxx::broken_connection{"the server closed the connection"};
      pqxx::nontransaction tx{c};
      tx.exec("SELECT 1");
      return {};
    });
  return done ? caf::error{} : std::move(done.error());
}

caf::expected<std::vector<caf::error>>
postgres_store::do_apply(const std::string& group,
                         const std::vector<operation>& ops) {
  auto& self = *impl_;
  auto body
    = [&](pqxx::connection& c) -> caf::expected<std::vector<caf::error>> {
    apply_arrays xs{ops};
    // A connection that the server closed (say, on a restart) is replaced
    // before anything is sent: run() reconnects and tries again.
    if (closed_by_server(c))
      throw pqxx::broken_connection{"the server closed the connection"};
    pqxx::result rows;
    try {
      // One statement outside a transaction block: the server commits it
      // on its own, in the same round trip.
      pqxx::nontransaction tx{c};
      rows = tx.exec_prepared(
        "apply", group, array_literal(xs.kinds), array_literal(xs.ops),
        array_literal(xs.partitions), array_literal(xs.nanos),
        array_literal(xs.logicals), array_literal(xs.end_nanos),
        array_literal(xs.end_logicals), self.target.channel());
    } catch (const pqxx::broken_connection& e) {
      // Sent: the server may have committed it.
      throw pqxx::in_doubt_error{e.what()};
    }
    std::vector<caf::error> results(ops.size());
    for (const auto& row : rows) {
      const auto& op = std::get<advance_op>(ops.at(row[0].as<size_t>()));
      results[row[0].as<size_t>()]
        = going_backwards_error(group, op.partition, op.ts, hlc_at(row, 1));
    }
    return results;
  };
  return self.run("applying " + std::to_string(ops.size())
                    + " operations to group '" + group + "'",
                  body);
}

caf::expected<hlc_range> postgres_store::do_bounds(const std::string& group,
                                                   int32_t lookahead) {
  auto windows = impl_->read("computing the bounds of group '" + group + "'",
                             "bounds", window_at, group, lookahead);
  if (!windows)
    return std::move(windows.error());
  return bounds_of(*windows);
}

caf::expected<std::vector<partition_status>>
postgres_store::do_status(const std::string& group, int32_t lookahead) {
  return impl_->read("reading the status of group '" + group + "'", "status",
                     status_at, group, lookahead);
}

caf::expected<std::vector<checkpoint_row>>
postgres_store::do_history(const std::string& group) {
  return impl_->read("reading the history of group '" + group + "'", "history",
                     history_at, group);
}

} // namespace checkpoint

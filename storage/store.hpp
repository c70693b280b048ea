#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include <checkpoint/messages/hlc.hpp>
#include <checkpoint/messages/status.hpp>

namespace checkpoint {

/// Records that everything of `partition` up to `ts` was delivered.
struct advance_op {
  /// The partition that advances.
  std::string partition;
  /// Its new proposed time.
  hlc_time ts;
};

/// Marks every unapplied row of the group with `range.min <= ts <
/// range.max` as applied.
struct commit_op {
  /// The applied range.
  hlc_range range;
};

/// Gives every partition without a row an applied row at `ensured_time`.
struct ensure_op {
  /// The partitions to create.
  std::vector<std::string> partitions;
};

/// One item of an ordered, mixed batch for one group.
using operation = std::variant<advance_op, commit_op, ensure_op>;

/// The row Ensure creates: `1.0000000001`, already applied.
constexpr hlc_time ensured_time{1, 1};

/// One stored checkpoint row.
struct checkpoint_row {
  /// The partition of the row.
  std::string partition;
  /// Its proposed time.
  hlc_time ts;
  /// When the store first recorded it.
  caf::timestamp first_seen;
  /// When a Commit covered it; none while unapplied.
  caf::optional<caf::timestamp> applied_at;
};

/// The far-future guard of Advance: an Advance whose wall time is more than
/// `max_future` ahead of `clock()` is refused with `ec::far_future`. One
/// mis-scaled timestamp (microseconds sent as nanoseconds) would otherwise
/// freeze its partition for good, since every later Advance goes backwards.
struct future_limit {
  /// How far ahead of the clock an Advance may be; zero (or less): no limit.
  /// An hour is far beyond any clock skew or changefeed lag, and a scale
  /// error is off by decades.
  caf::timespan max_future = std::chrono::hours{1};

  /// The clock the guard compares against (injectable for tests).
  std::function<caf::timestamp()> clock = caf::make_timestamp;
};

/// The durable checkpoint store. Every call blocks; callers that must not
/// block (actors) run it on a thread of its own. Names are canonicalised
/// and inputs validated here, once for every implementation, so that all
/// stores give the same answers and errors. A call fails as a whole only
/// when the store itself fails (nothing written); errors carry this
/// component's codes (`messages/error.hpp`) with context.
class store {
public:
  virtual ~store();

  /// Creates the schema or migrates it to the current version. Idempotent,
  /// and safe when several processes do it at once.
  virtual caf::error migrate() = 0;

  /// Applies `ops` to `group` in order, in one transaction, and returns one
  /// result per operation (an empty error when it took effect). An Advance
  /// that goes backwards or too far ahead (see `limit_future`) or a bad range
  /// fails alone; the others still apply.
  caf::expected<std::vector<caf::error>>
  apply(std::string_view group, const std::vector<operation>& ops);

  /// Computes the group's bounds (SEMANTICS.md), with `lookahead` rows of
  /// lookahead at most (0: no limit).
  caf::expected<hlc_range> bounds(std::string_view group, int32_t lookahead);

  /// Returns where every partition of the group stands, ordered by name,
  /// with its window under `lookahead` (as `bounds` computes it).
  caf::expected<std::vector<partition_status>> status(std::string_view group,
                                                      int32_t lookahead);

  /// Returns every row of the group ordered by partition and timestamp
  /// (for tests and operators; its cost grows with the history).
  caf::expected<std::vector<checkpoint_row>> history(std::string_view group);

  /// Returns the canonical names of the groups with unapplied rows, sorted.
  virtual caf::expected<std::vector<std::string>> scan() = 0;

  /// Checks that the store answers, at a cost that does not grow with the
  /// data (health probes). Reconnects like every other call.
  virtual caf::error ping() = 0;

  /// Replaces the far-future guard (by default an hour against the system
  /// clock). Call it before the store is shared between threads.
  void limit_future(future_limit limit);

protected:
  /// Applies validated operations: names canonical, times valid, ranges
  /// not reversed. Returns one result per operation.
  virtual caf::expected<std::vector<caf::error>>
  do_apply(const std::string& group, const std::vector<operation>& ops) = 0;

  /// Computes the bounds of a canonical group with `lookahead >= 0`.
  virtual caf::expected<hlc_range>
  do_bounds(const std::string& group, int32_t lookahead) = 0;

  /// Returns the status of a canonical group with `lookahead >= 0`.
  virtual caf::expected<std::vector<partition_status>>
  do_status(const std::string& group, int32_t lookahead) = 0;

  /// Returns the history of a canonical group.
  virtual caf::expected<std::vector<checkpoint_row>>
  do_history(const std::string& group) = 0;

private:
  // Here rather than in each store, so that every path that writes (the
  // node's groups, library users calling the store directly) is guarded once.
  future_limit future_;
};

/// The error for an Advance below the partition's greatest timestamp.
caf::error going_backwards_error(const std::string& group,
                                 const std::string& partition, hlc_time ts,
                                 hlc_time head);

/// The error of `migrate` for a schema at version `found`, newer than the
/// version `known` that this build knows: an older node must never write to
/// a schema that a newer one migrated. `context` names the schema.
caf::error newer_schema_error(const std::string& context, int found, int known);

/// The error of `migrate` for a schema that holds a `checkpoints` table
/// without this component's schema version (replicator's staging table has
/// that name). `context` names the schema, `instead` what to do.
caf::error foreign_table_error(const std::string& context,
                               const std::string& instead);

} // namespace checkpoint

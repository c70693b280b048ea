#pragma once

#include <cstdint>
#include <vector>

#include <checkpoint/messages/hlc.hpp>

namespace checkpoint {

/// One row of a partition, as the bounds computation sees it.
struct row_state {
  /// The row's time.
  hlc_time ts;
  /// Whether a Commit covered the row.
  bool applied = false;
};

/// One partition's contribution to the bounds (SEMANTICS.md steps 1-2).
struct partition_window {
  /// `lower(p)`'s timestamp, or zero; meaningful only when dirty.
  hlc_time min;
  /// The greatest counted timestamp.
  hlc_time max;
  /// Whether the partition has unapplied rows.
  bool dirty = false;
};

/// Computes the window of one partition from its rows sorted by timestamp
/// (at least one row). The rows may be only those that matter: `lower(p)`,
/// the unapplied run that follows it, or the last row of a clean partition.
partition_window window_of(const std::vector<row_state>& rows,
                           int32_t lookahead);

/// Combines the windows of a group's partitions into its bounds
/// (SEMANTICS.md steps 3-4); no windows give `including(zero, zero)`.
hlc_range bounds_of(const std::vector<partition_window>& windows);

} // namespace checkpoint

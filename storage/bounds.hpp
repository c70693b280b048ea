#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <checkpoint/messages/hlc.hpp>
#include <checkpoint/messages/status.hpp>

namespace checkpoint {

/// One row of a partition, as the bounds computation sees it.
struct row_state {
  /// The row's time.
  hlc_time ts;
  /// Whether a Commit covered the row.
  bool applied = false;
};

/// Computes the window of one partition from its rows sorted by timestamp
/// (at least one row). The rows may be only those that matter: `lower(p)`,
/// the unapplied run that follows it, or the last row of a clean partition.
partition_window window_of(const std::vector<row_state>& rows,
                           int32_t lookahead);

/// Combines the windows of a group's partitions into its bounds
/// (SEMANTICS.md steps 3-4); no windows give `including(zero, zero)`.
hlc_range bounds_of(const std::vector<partition_window>& windows);

/// The canonical names of the partitions that hold the group's window back:
/// every partition whose window ends at the proposed time (the least window
/// end, SEMANTICS.md step 3), in the order of `partitions`; none for a group
/// without partitions.
std::vector<std::string>
holding_back(const std::vector<partition_status>& partitions);

} // namespace checkpoint

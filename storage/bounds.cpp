#include <checkpoint/storage/bounds.hpp>

#include <algorithm>

namespace checkpoint {

partition_window window_of(const std::vector<row_state>& rows,
                           int32_t lookahead) {
  auto first_unapplied = std::find_if(
    rows.begin(), rows.end(), [](const row_state& r) { return !r.applied; });
  if (first_unapplied == rows.end())
    return {zero_time, rows.back().ts, false};
  partition_window result;
  result.dirty = true;
  auto start = first_unapplied;
  if (first_unapplied != rows.begin()) {
    start = std::prev(first_unapplied);
    result.min = start->ts;
  }
  auto run_end = std::find_if(first_unapplied, rows.end(),
                              [](const row_state& r) { return r.applied; });
  // Rows are numbered from the window's start; only numbers <= L + 1 count.
  if (lookahead > 0) {
    auto counted = static_cast<int64_t>(lookahead) + 1;
    if (std::distance(start, run_end) > counted)
      run_end = start + counted;
  }
  result.max = std::prev(run_end)->ts;
  return result;
}

hlc_range bounds_of(const std::vector<partition_window>& windows) {
  if (windows.empty())
    return including(zero_time, zero_time);
  auto progress = std::min_element(windows.begin(), windows.end(),
                                   [](const auto& x, const auto& y) {
                                     return x.max < y.max;
                                   })
                    ->max;
  bool found = false;
  hlc_time lo;
  for (const auto& w : windows) {
    if (!w.dirty || w.max != progress)
      continue;
    if (!found || w.min < lo)
      lo = w.min;
    found = true;
  }
  return found ? including(lo, progress) : including(progress, progress);
}

} // namespace checkpoint

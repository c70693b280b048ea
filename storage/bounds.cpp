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

namespace {

// `progress` (SEMANTICS.md step 3): the least window end of `xs` (not empty),
// whose windows `window_at` returns.
template <class T, class F>
hlc_time progress_of(const std::vector<T>& xs, F window_at) {
  auto least = window_at(xs.front()).max;
  for (const auto& x : xs)
    least = std::min(least, window_at(x).max);
  return least;
}

} // namespace

hlc_range bounds_of(const std::vector<partition_window>& windows) {
  if (windows.empty())
    return including(zero_time, zero_time);
  auto progress = progress_of(windows, [](const auto& w) { return w; });
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

std::vector<std::string>
holding_back(const std::vector<partition_status>& partitions) {
  std::vector<std::string> result;
  if (partitions.empty())
    return result;
  auto window = [](const partition_status& p) { return p.window; };
  auto progress = progress_of(partitions, window);
  for (const auto& p : partitions)
    if (p.window.max == progress)
      result.push_back(p.partition);
  return result;
}

} // namespace checkpoint

#include <checkpoint/storage/memory_store.hpp>

#include <algorithm>

#include <caf/timestamp.hpp>

#include <checkpoint/storage/bounds.hpp>

namespace checkpoint {

namespace {

// The window of a partition with `rows`, sorted by timestamp.
partition_window window(const std::vector<checkpoint_row>& rows,
                        int32_t lookahead) {
  std::vector<row_state> states;
  states.reserve(rows.size());
  for (const auto& row : rows)
    states.push_back({row.ts, static_cast<bool>(row.applied_at)});
  return window_of(states, lookahead);
}

} // namespace

caf::error memory_store::migrate() {
  return {};
}

caf::error memory_store::ping() {
  return {};
}

caf::expected<std::vector<std::string>> memory_store::scan() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::string> result;
  for (const auto& [group, parts] : groups_) {
    auto dirty = std::any_of(parts.begin(), parts.end(), [](const auto& kv) {
      return std::any_of(kv.second.begin(), kv.second.end(),
                         [](const auto& row) { return !row.applied_at; });
    });
    if (dirty)
      result.push_back(group);
  }
  return result;
}

caf::expected<std::vector<caf::error>>
memory_store::do_apply(const std::string& group,
                       const std::vector<operation>& ops) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto now = caf::make_timestamp();
  // Work on a copy so that the batch is all-or-nothing, like a transaction.
  auto parts = groups_[group];
  std::vector<caf::error> results;
  results.reserve(ops.size());
  for (const auto& op : ops) {
    if (auto* adv = std::get_if<advance_op>(&op)) {
      auto& rows = parts[adv->partition];
      if (!rows.empty() && adv->ts < rows.back().ts) {
        results.push_back(going_backwards_error(group, adv->partition, adv->ts,
                                                rows.back().ts));
        continue;
      }
      if (rows.empty() || adv->ts > rows.back().ts)
        rows.push_back({adv->partition, adv->ts, now, caf::none});
    } else if (auto* com = std::get_if<commit_op>(&op)) {
      for (auto& [name, rows] : parts)
        for (auto& row : rows)
          if (!row.applied_at && com->range.min <= row.ts
              && row.ts < com->range.max)
            row.applied_at = now;
    } else {
      for (const auto& name : std::get<ensure_op>(op).partitions) {
        auto& rows = parts[name];
        if (rows.empty())
          rows.push_back({name, ensured_time, now, now});
      }
    }
    results.emplace_back();
  }
  groups_[group] = std::move(parts);
  return results;
}

caf::expected<hlc_range> memory_store::do_bounds(const std::string& group,
                                                 int32_t lookahead) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<partition_window> windows;
  if (auto i = groups_.find(group); i != groups_.end()) {
    for (const auto& [name, rows] : i->second)
      windows.push_back(window(rows, lookahead));
  }
  return bounds_of(windows);
}

caf::expected<std::vector<partition_status>>
memory_store::do_status(const std::string& group, int32_t lookahead) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<partition_status> result;
  auto i = groups_.find(group);
  if (i == groups_.end())
    return result;
  for (const auto& [name, rows] : i->second) {
    partition_status st;
    st.partition = name;
    st.head = rows.back().ts;
    st.last_advance = rows.back().first_seen;
    st.window = window(rows, lookahead);
    for (const auto& row : rows) {
      if (row.applied_at)
        continue;
      if (!st.first_unapplied)
        st.first_unapplied = row.ts;
      ++st.unapplied;
    }
    result.push_back(std::move(st));
  }
  return result;
}

caf::expected<std::vector<checkpoint_row>>
memory_store::do_history(const std::string& group) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<checkpoint_row> result;
  if (auto i = groups_.find(group); i != groups_.end())
    for (const auto& [name, rows] : i->second)
      result.insert(result.end(), rows.begin(), rows.end());
  return result;
}

} // namespace checkpoint

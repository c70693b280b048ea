#pragma once

#include <mutex>
#include <set>

namespace checkpoint {

/// The server process ids of one node's open PostgreSQL store connections.
/// The node's notification listener consults it to skip the notifications
/// of the node's own writes, which its group actors already know about.
/// Thread-safe: every store worker and the listener share one instance.
class backend_pids {
public:
  /// Records an open connection's backend pid.
  void add(int pid) {
    std::lock_guard<std::mutex> guard{mtx_};
    pids_.insert(pid);
  }

  /// Forgets a closed connection's backend pid.
  void remove(int pid) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = pids_.find(pid); i != pids_.end())
      pids_.erase(i);
  }

  /// Returns whether `pid` belongs to one of the open connections.
  bool contains(int pid) const {
    std::lock_guard<std::mutex> guard{mtx_};
    return pids_.count(pid) > 0;
  }

private:
  mutable std::mutex mtx_;

  // A multiset: a closed connection's pid may already be reused by a new
  // connection of the same node before the old one is forgotten.
  std::multiset<int> pids_;
};

} // namespace checkpoint

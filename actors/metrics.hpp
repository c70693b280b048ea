#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace checkpoint {

/// A Prometheus histogram over integer observations (nanoseconds, batch
/// sizes) with fixed buckets. Observing is lock-free and allocation-free;
/// a concurrent scrape may see a count and a sum that differ by the
/// observations in flight, which Prometheus tolerates.
class histogram {
public:
  /// Makes a histogram with the given ascending upper bucket bounds, in
  /// observation units; `unit` converts those units into the rendered ones
  /// (1e9 renders nanoseconds as seconds).
  histogram(std::vector<uint64_t> bounds, double unit);

  /// Records one observation.
  void observe(uint64_t x);

  /// Appends the `_bucket`, `_sum` and `_count` samples of metric `name`
  /// with the label `labels` (already rendered, e.g. `group="g"`).
  void render(std::string& out, const std::string& name,
              const std::string& labels) const;

private:
  std::vector<uint64_t> bounds_;
  double unit_;
  // One counter per bound plus one for +Inf; not cumulative.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> sum_{0};
};

/// The metrics of one table group, updated by its group actor.
struct group_metrics {
  /// Makes the histograms with their buckets.
  group_metrics();

  /// Time from an Advance's arrival at the group to its answer, in ns.
  histogram advance_duration;

  /// Time from a Commit's arrival at the group to its answer, in ns.
  histogram commit_duration;

  /// Time of one bounds computation by the store, in ns.
  histogram refresh_duration;

  /// Operations per store transaction.
  histogram batch_size;

  /// Advances rejected as going backwards.
  std::atomic<uint64_t> going_backwards{0};

  /// Advances rejected as too far in the future.
  std::atomic<uint64_t> far_future{0};

  /// Wall nanoseconds of the published bounds' committed (min) and proposed
  /// (max) times; -1 until the group has bounds.
  std::atomic<int64_t> committed_nanos{-1};

  /// See `committed_nanos`.
  std::atomic<int64_t> proposed_nanos{-1};
};

/// The metrics of a node, shared by its group actors and its HTTP endpoint.
/// Looking up a group takes a lock; updating its metrics does not.
class metrics_registry {
public:
  /// Returns the metrics of the canonical group `name`, creating them on
  /// first use. The reference stays valid as long as the registry, so a
  /// restarted group continues the counts of its predecessor.
  group_metrics& group(const std::string& name);

  /// Renders every metric in Prometheus' text format (version 0.0.4); the
  /// age gauges are computed against `now`.
  std::string render(std::chrono::system_clock::time_point now) const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, std::unique_ptr<group_metrics>> groups_;
};

} // namespace checkpoint

#include <checkpoint/actors/metrics.hpp>

#include <functional>
#include <utility>

#include <fmt/format.h>

#include <checkpoint/messages/names.hpp>

namespace checkpoint {

namespace {

// The name's printable form (no control character reaches a terminal that
// shows the page), with Prometheus' label value escaping of backslash and
// double quote; a newline is already `\n` in the printable form.
std::string group_label(const std::string& name) {
  std::string out = "group=\"";
  for (auto c : printable(name)) {
    if (c == '\\' || c == '"')
      out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// Buckets from 0.5 ms to 10 s: a batched write on a local server takes a
// few milliseconds, a stalled one seconds.
std::vector<uint64_t> duration_buckets() {
  std::vector<uint64_t> result;
  for (double s : {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                   0.5, 1.0, 2.5, 5.0, 10.0})
    result.push_back(static_cast<uint64_t>(s * 1e9));
  return result;
}

std::vector<uint64_t> batch_buckets() {
  return {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
}

using sample_writer
  = std::function<void(std::string& out, const std::string& name,
                       const std::string& labels, const group_metrics& m)>;

struct family {
  const char* name;
  const char* type;
  const char* help;
  sample_writer write;
};

sample_writer histogram_of(histogram group_metrics::*member) {
  return [member](std::string& out, const std::string& name,
                  const std::string& labels, const group_metrics& m) {
    (m.*member).render(out, name, labels);
  };
}

// A gauge of the wall time `member`, in seconds; absent before the first
// bounds, so that no dashboard mistakes "unknown" for 1970.
sample_writer time_of(std::atomic<int64_t> group_metrics::*member) {
  return [member](std::string& out, const std::string& name,
                  const std::string& labels, const group_metrics& m) {
    auto nanos = (m.*member).load(std::memory_order_relaxed);
    if (nanos >= 0)
      out += fmt::format("{}{{{}}} {}\n", name, labels, nanos / 1e9);
  };
}

// A counter of refused Advances.
sample_writer counter_of(std::atomic<uint64_t> group_metrics::*member) {
  return [member](std::string& out, const std::string& name,
                  const std::string& labels, const group_metrics& m) {
    out += fmt::format("{}{{{}}} {}\n", name, labels,
                       (m.*member).load(std::memory_order_relaxed));
  };
}

sample_writer age_of(std::atomic<int64_t> group_metrics::*member,
                     int64_t now_nanos) {
  return
    [member, now_nanos](std::string& out, const std::string& name,
                        const std::string& labels, const group_metrics& m) {
      auto nanos = (m.*member).load(std::memory_order_relaxed);
      if (nanos >= 0)
        out += fmt::format("{}{{{}}} {}\n", name, labels,
                           (now_nanos - nanos) / 1e9);
    };
}

} // namespace

histogram::histogram(std::vector<uint64_t> bounds, double unit)
  : bounds_(std::move(bounds)),
    unit_(unit),
    counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(uint64_t x) {
  size_t i = 0;
  while (i < bounds_.size() && x > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(x, std::memory_order_relaxed);
}

void histogram::render(std::string& out, const std::string& name,
                       const std::string& labels) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels,
                       bounds_[i] / unit_, cumulative);
  }
  cumulative += counts_[bounds_.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels,
                     cumulative);
  out += fmt::format("{}_sum{{{}}} {}\n", name, labels,
                     sum_.load(std::memory_order_relaxed) / unit_);
  out += fmt::format("{}_count{{{}}} {}\n", name, labels, cumulative);
}

group_metrics::group_metrics()
  : advance_duration(duration_buckets(), 1e9),
    commit_duration(duration_buckets(), 1e9),
    refresh_duration(duration_buckets(), 1e9),
    batch_size(batch_buckets(), 1) {
  // nop
}

group_metrics& metrics_registry::group(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& entry = groups_[name];
  if (!entry)
    entry = std::make_unique<group_metrics>();
  return *entry;
}

std::string
metrics_registry::render(std::chrono::system_clock::time_point now) const {
  auto now_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     now.time_since_epoch())
                     .count();
  const family families[] = {
    {"checkpoint_advance_duration_seconds", "histogram",
     "Time from an Advance's arrival at the group to its answer.",
     histogram_of(&group_metrics::advance_duration)},
    {"checkpoint_commit_duration_seconds", "histogram",
     "Time from a Commit's arrival at the group to its answer.",
     histogram_of(&group_metrics::commit_duration)},
    {"checkpoint_refresh_duration_seconds", "histogram",
     "Time of one bounds computation by the store.",
     histogram_of(&group_metrics::refresh_duration)},
    {"checkpoint_batch_size", "histogram",
     "Operations per store transaction (group commit).",
     histogram_of(&group_metrics::batch_size)},
    {"checkpoint_committed_time_seconds", "gauge",
     "Wall time of the committed end of the published bounds.",
     time_of(&group_metrics::committed_nanos)},
    {"checkpoint_proposed_time_seconds", "gauge",
     "Wall time of the proposed end of the published bounds.",
     time_of(&group_metrics::proposed_nanos)},
    {"checkpoint_committed_age_seconds", "gauge",
     "Now minus the committed time.",
     age_of(&group_metrics::committed_nanos, now_nanos)},
    {"checkpoint_proposed_age_seconds", "gauge", "Now minus the proposed time.",
     age_of(&group_metrics::proposed_nanos, now_nanos)},
    {"checkpoint_proposed_going_backwards_errors", "counter",
     "Advances rejected because they went backwards.",
     counter_of(&group_metrics::going_backwards)},
    {"checkpoint_far_future_errors", "counter",
     "Advances rejected as too far ahead of the node's clock.",
     counter_of(&group_metrics::far_future)},
  };
  std::string out;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& f : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name,
                       f.type);
    for (auto& [name, m] : groups_)
      f.write(out, f.name, group_label(name), *m);
  }
  return out;
}

} // namespace checkpoint

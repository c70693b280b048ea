// Store benchmark: Advance throughput by batch size, and the cost of the
// bounds computation as the applied history grows. Runs against PostgreSQL
// (a throwaway schema) or SQLite (a throwaway file).

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <checkpoint/bench/harness.hpp>
#include <checkpoint/storage/bounds.hpp>
#include <checkpoint/storage/postgres_store.hpp>
#include <checkpoint/storage/sqlite_store.hpp>

namespace checkpoint::bench {

namespace {

// Timestamps start here (2023-11) so that they look like real HLC times.
constexpr int64_t base_nanos = 1'700'000'000'000'000'000;

// Operations per transaction when loading history.
constexpr size_t load_batch = 10'000;

// Unapplied rows per partition ahead of the committed time.
constexpr size_t rows_ahead = 4;

// Bounds calls before the measured ones, to warm caches and plans.
constexpr size_t warmup_calls = 5;

struct options {
  std::string store = "postgres";
  std::string dsn;
  size_t partitions = 16;
  std::vector<size_t> batches{1, 10, 100, 1000};
  double seconds = 3;
  int64_t max_rows = 5'000'000;
  std::vector<int64_t> histories{1'000, 100'000, 1'000'000};
  size_t calls = 200;
  double max_call_seconds = 60;
};

/// A directory for the SQLite file, removed with its contents at the end.
class throwaway_dir {
public:
  throwaway_dir() {
    auto pattern
      = (std::filesystem::temp_directory_path() / "checkpoint-bench-XXXXXX")
          .string();
    if (!::mkdtemp(pattern.data()))
      throw bench_failure{"cannot create a directory like " + pattern};
    path_ = pattern;
  }

  throwaway_dir(const throwaway_dir&) = delete;

  throwaway_dir& operator=(const throwaway_dir&) = delete;

  ~throwaway_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const {
    return path_;
  }

private:
  std::filesystem::path path_;
};

std::vector<std::string> partition_names(size_t n) {
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i)
    names.push_back(fmt::format("p{:02}", i));
  return names;
}

// The `seq`-th Advance of a run: partitions take turns, every timestamp is
// greater than all before it.
advance_op nth_advance(const std::vector<std::string>& partitions,
                       int64_t seq) {
  return {partitions[seq % partitions.size()], hlc_time{base_nanos + seq, 0}};
}

// Applies `ops` and fails the run unless every operation took effect.
void apply_all(store& db, const std::string& group,
               const std::vector<operation>& ops) {
  auto results = take(db.apply(group, ops), "apply to group " + group);
  for (auto& err : results)
    check(err, "operation in group " + group);
}

// -- Advance throughput -------------------------------------------------------

struct throughput {
  int64_t rows = 0;
  double seconds = 0;
  percentiles apply;
};

throughput measure_advances(store& db, const options& opts, size_t batch) {
  auto group = fmt::format("advance_batch_{}", batch);
  auto partitions = partition_names(opts.partitions);
  throughput result;
  std::vector<int64_t> latencies;
  std::vector<operation> ops;
  auto start = bench_clock::now();
  while (seconds_since(start) < opts.seconds && result.rows < opts.max_rows) {
    ops.clear();
    for (size_t i = 0; i < batch; ++i)
      ops.emplace_back(nth_advance(partitions, result.rows + i));
    auto before = bench_clock::now();
    apply_all(db, group, ops);
    latencies.push_back(nanos_between(before, bench_clock::now()));
    result.rows += batch;
  }
  result.seconds = seconds_since(start);
  result.apply = percentiles_of(std::move(latencies));
  return result;
}

void run_throughput(store& db, const options& opts) {
  fmt::print("\n(a) Advance throughput: {} partitions, one apply (one "
             "transaction) per batch, {} s per batch size\n\n",
             opts.partitions, opts.seconds);
  table out{{"batch", "rows", "seconds", "rows/s", "apply p50 ms",
             "apply p99 ms",
             fmt::format("rows/s vs batch {}", opts.batches.front())}};
  double base = 0;
  for (auto batch : opts.batches) {
    auto r = measure_advances(db, opts, batch);
    auto rate = r.rows / r.seconds;
    if (base == 0)
      base = rate;
    out.add({std::to_string(batch), std::to_string(r.rows), fixed(r.seconds, 2),
             fixed(rate, 0), fixed(r.apply.p50_ms, 3), fixed(r.apply.p99_ms, 3),
             ratio(rate, base)});
  }
  out.print();
}

// -- bounds -------------------------------------------------------------------

struct history_group {
  std::string name;
  int64_t rows = 0;
  double load_seconds = 0;
  hlc_range expected;
};

// Loads `rows` applied rows (each transaction: a batch of advances and the
// commit that applies them), then `rows_ahead` unapplied rows for every
// partition. Returns the bounds that SEMANTICS.md gives for that history,
// computed with the reference functions.
history_group load_history(store& db, const options& opts, int64_t rows) {
  history_group result{fmt::format("bounds_{}", rows), rows, 0, {}};
  auto partitions = partition_names(opts.partitions);
  auto start = bench_clock::now();
  std::vector<operation> ops;
  for (int64_t seq = 0; seq < rows;) {
    ops.clear();
    for (size_t i = 0; i < load_batch && seq < rows; ++i, ++seq)
      ops.emplace_back(nth_advance(partitions, seq));
    ops.emplace_back(
      commit_op{including(zero_time, nth_advance(partitions, seq - 1).ts)});
    apply_all(db, result.name, ops);
  }
  result.load_seconds = seconds_since(start);
  // Each partition: its last applied row, then the unapplied ones.
  std::vector<std::vector<row_state>> rows_of(partitions.size());
  for (int64_t seq = std::max<int64_t>(rows - partitions.size(), 0); seq < rows;
       ++seq)
    rows_of[seq % partitions.size()].push_back(
      {nth_advance(partitions, seq).ts, true});
  ops.clear();
  auto ahead = static_cast<int64_t>(rows_ahead * partitions.size());
  for (int64_t seq = rows; seq < rows + ahead; ++seq) {
    ops.emplace_back(nth_advance(partitions, seq));
    rows_of[seq % partitions.size()].push_back(
      {nth_advance(partitions, seq).ts, false});
  }
  apply_all(db, result.name, ops);
  std::vector<partition_window> windows;
  for (auto& partition_rows : rows_of)
    windows.push_back(window_of(partition_rows, 0));
  result.expected = bounds_of(windows);
  return result;
}

percentiles measure_bounds(store& db, const options& opts,
                           const history_group& group) {
  auto call = [&] {
    auto bounds = take(db.bounds(group.name, 0), "bounds of " + group.name);
    if (bounds != group.expected)
      throw bench_failure{"bounds of " + group.name + " are "
                          + to_string(bounds) + ", expected "
                          + to_string(group.expected)};
  };
  for (size_t i = 0; i < warmup_calls; ++i)
    call();
  std::vector<int64_t> latencies;
  auto start = bench_clock::now();
  while (latencies.size() < opts.calls
         && seconds_since(start) < opts.max_call_seconds) {
    auto before = bench_clock::now();
    call();
    latencies.push_back(nanos_between(before, bench_clock::now()));
  }
  return percentiles_of(std::move(latencies));
}

// Measures every group's bounds and adds one row per group, labelled
// `state`, with the ratios to the first group.
void measure_all(store& db, const options& opts,
                 const std::vector<history_group>& groups,
                 const std::string& state, table& out) {
  percentiles base;
  for (auto& group : groups) {
    auto p = measure_bounds(db, opts, group);
    if (base.p50_ms == 0)
      base = p;
    out.add({state, std::to_string(group.rows), fixed(p.p50_ms, 3),
             fixed(p.p99_ms, 3), ratio(p.p50_ms, base.p50_ms),
             ratio(p.p99_ms, base.p99_ms)});
  }
}

// `schema` is the PostgreSQL store's schema, null for SQLite: PostgreSQL
// is measured again after a VACUUM.
void run_bounds(store& db, const options& opts,
                const throwaway_schema* schema) {
  fmt::print("\n(b) Bounds: {} partitions, applied history behind the "
             "committed time, {} unapplied rows ahead, {} calls each "
             "(after {} warm-up calls)\n\n",
             opts.partitions, rows_ahead * opts.partitions, opts.calls,
             warmup_calls);
  std::vector<history_group> groups;
  table loads{{"applied rows", "load s", "load rows/s"}};
  for (auto rows : opts.histories) {
    groups.push_back(load_history(db, opts, rows));
    auto& group = groups.back();
    loads.add({std::to_string(rows), fixed(group.load_seconds, 2),
               fixed(rows / group.load_seconds, 0)});
  }
  loads.print();
  std::puts("");
  auto first = opts.histories.front();
  table out{{"state", "applied rows", "bounds p50 ms", "p99 ms",
             fmt::format("p50 vs {}", first), fmt::format("p99 vs {}", first)}};
  measure_all(db, opts, groups, "after load", out);
  if (schema) {
    auto start = bench_clock::now();
    schema->vacuum();
    fmt::print("VACUUM (ANALYZE) of the schema took {:.2f} s.\n\n",
               seconds_since(start));
    measure_all(db, opts, groups, "after VACUUM", out);
  }
  out.print();
  fmt::print("\nEvery call returned the reference bounds ({} for the "
             "last group).\n",
             to_string(groups.back().expected));
}

int run(const options& opts) {
  auto pg = opts.store == "postgres";
  fmt::print("store_bench: {} store; {}\n", opts.store,
             describe_machine(pg ? opts.dsn : std::string{}));
  // Declared before the store, so that the store is closed before its
  // schema or file is removed.
  std::optional<throwaway_schema> schema;
  std::optional<throwaway_dir> dir;
  std::unique_ptr<store> db;
  if (pg) {
    schema.emplace(opts.dsn);
    db = take(postgres_store::open({opts.dsn, schema->name()}),
              "open PostgreSQL");
  } else {
    dir.emplace();
    auto path = (dir->path() / "checkpoints.db").string();
    fmt::print("SQLite file: {}\n", path);
    db = take(sqlite_store::open({path}), "open SQLite");
  }
  check(db->migrate(), "migrate");
  run_throughput(*db, opts);
  run_bounds(*db, opts, schema ? &*schema : nullptr);
  return EXIT_SUCCESS;
}

} // namespace

} // namespace checkpoint::bench

int main(int argc, char** argv) {
  using namespace checkpoint::bench;
  options opts;
  CLI::App app{"Benchmarks a checkpoint store: Advance throughput by batch "
               "size, and bounds computation time by history size."};
  app.add_option("--store", opts.store, "Which store to measure")
    ->check(CLI::IsMember({"postgres", "sqlite"}))
    ->capture_default_str();
  add_pg_dsn_option(app, opts.dsn);
  app.add_option("--partitions", opts.partitions, "Partitions per group")
    ->check(CLI::Range(1, 1000))
    ->capture_default_str();
  app.add_option("--batches", opts.batches, "Advance batch sizes")
    ->check(CLI::Range(1, 100'000))
    ->capture_default_str();
  app.add_option("--seconds", opts.seconds, "Duration of each batch size")
    ->check(CLI::Range(0.1, 600.0))
    ->capture_default_str();
  app.add_option("--max-rows", opts.max_rows, "Most rows per batch size")
    ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))
    ->capture_default_str();
  app.add_option("--histories", opts.histories, "Applied rows per group")
    ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
    ->capture_default_str();
  app.add_option("--calls", opts.calls, "Measured bounds calls per group")
    ->check(CLI::Range(1, 100'000))
    ->capture_default_str();
  app
    .add_option("--max-call-seconds", opts.max_call_seconds,
                "Time limit of the measured bounds calls per group")
    ->check(CLI::Range(1.0, 3600.0))
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(opts);
  } catch (const bench_failure& ex) {
    std::fprintf(stderr, "store_bench failed: %s\n", ex.what());
    return EXIT_FAILURE;
  }
}

#pragma once

// What every benchmark needs: timing, percentiles, aligned tables, checked
// results and a throwaway PostgreSQL schema.

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace CLI {
class App;
} // namespace CLI

namespace checkpoint::bench {

/// The clock of every measurement.
using bench_clock = std::chrono::steady_clock;

/// Nanoseconds from `from` to `to`.
int64_t nanos_between(bench_clock::time_point from, bench_clock::time_point to);

/// Seconds from `from` to now.
double seconds_since(bench_clock::time_point from);

/// The median and the 99th percentile of a sample (nearest rank).
struct percentiles {
  /// The median, in milliseconds.
  double p50_ms = 0;

  /// The 99th percentile, in milliseconds.
  double p99_ms = 0;
};

/// Computes the percentiles of durations in nanoseconds; zeros when empty.
percentiles percentiles_of(std::vector<int64_t> sample_ns);

/// Renders `x / base` as `1.23x`, or `-` when `base` is zero.
std::string ratio(double x, double base);

/// A table printed with aligned columns: the first column left-aligned, the
/// others right-aligned.
class table {
public:
  /// Starts a table with these column headers.
  explicit table(std::vector<std::string> headers);

  /// Adds a row with one cell per column.
  void add(std::vector<std::string> cells);

  /// Prints the table to stdout.
  void print() const;

private:
  std::vector<std::vector<std::string>> rows_;
};

/// Formats `x` with `digits` digits after the point.
std::string fixed(double x, int digits);

/// Aborts a benchmark run: the store or the environment failed.
struct bench_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws `bench_failure` naming `what` if `err` is an error.
void check(const caf::error& err, std::string_view what);

/// Returns the value of `x`, or throws `bench_failure` naming `what`.
template <class T>
T take(caf::expected<T> x, std::string_view what) {
  if (!x)
    check(x.error(), what);
  return std::move(*x);
}

/// The environment variable that names the PostgreSQL server.
constexpr const char* pg_dsn_env = "CHECKPOINT_BENCH_PG_DSN";

/// The development server, used when neither option nor variable is set.
constexpr const char* default_pg_dsn
  = "host=127.0.0.1 port=55432 dbname=postgres user=postgres";

/// Adds `--pg-dsn` (falling back to `pg_dsn_env`, then `default_pg_dsn`).
void add_pg_dsn_option(CLI::App& app, std::string& dsn);

/// Describes the machine and, if `dsn` is not empty, the PostgreSQL server
/// (version, fsync, synchronous_commit) in one line.
std::string describe_machine(const std::string& dsn);

/// A PostgreSQL schema unique to this run; dropped with everything in it
/// when the object goes away. The store creates it (`migrate`).
class throwaway_schema {
public:
  /// Picks a fresh name on the server that `dsn` names.
  explicit throwaway_schema(std::string dsn);

  throwaway_schema(const throwaway_schema&) = delete;

  throwaway_schema& operator=(const throwaway_schema&) = delete;

  ~throwaway_schema();

  /// The schema's name.
  const std::string& name() const {
    return name_;
  }

  /// Vacuums and analyzes every table of the schema: PostgreSQL removes
  /// the index entries of dead row versions only then.
  void vacuum() const;

private:
  std::string dsn_;
  std::string name_;
};

} // namespace checkpoint::bench

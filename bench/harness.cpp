#include <checkpoint/bench/harness.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <unistd.h>

#include <checkpoint/messages/error.hpp>

namespace checkpoint::bench {

int64_t nanos_between(bench_clock::time_point from,
                      bench_clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from)
    .count();
}

double seconds_since(bench_clock::time_point from) {
  return nanos_between(from, bench_clock::now()) / 1e9;
}

percentiles percentiles_of(std::vector<int64_t> sample_ns) {
  if (sample_ns.empty())
    return {};
  std::sort(sample_ns.begin(), sample_ns.end());
  auto at = [&](double p) {
    auto rank = static_cast<size_t>(std::ceil(p * sample_ns.size()));
    return sample_ns[std::max<size_t>(rank, 1) - 1] / 1e6;
  };
  return {at(0.5), at(0.99)};
}

std::string ratio(double x, double base) {
  if (base == 0)
    return "-";
  return fmt::format("{:.2f}x", x / base);
}

std::string fixed(double x, int digits) {
  return fmt::format("{:.{}f}", x, digits);
}

table::table(std::vector<std::string> headers) {
  rows_.push_back(std::move(headers));
}

void table::add(std::vector<std::string> cells) {
  cells.resize(rows_.front().size());
  rows_.push_back(std::move(cells));
}

void table::print() const {
  std::vector<size_t> widths(rows_.front().size(), 0);
  for (auto& row : rows_)
    for (size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  for (auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i == 0)
        line += fmt::format("{:<{}}", row[i], widths[i]);
      else
        line += fmt::format("  {:>{}}", row[i], widths[i]);
    }
    // Empty cells at the end of a row would leave trailing blanks.
    line.erase(line.find_last_not_of(' ') + 1);
    std::puts(line.c_str());
  }
}

void check(const caf::error& err, std::string_view what) {
  if (err)
    throw bench_failure{std::string{what} + ": " + describe(err)};
}

void add_pg_dsn_option(CLI::App& app, std::string& dsn) {
  dsn = default_pg_dsn;
  app
    .add_option("--pg-dsn", dsn,
                "PostgreSQL connection string (env CHECKPOINT_BENCH_PG_DSN)")
    ->envname(pg_dsn_env)
    ->capture_default_str();
}

std::string describe_machine(const std::string& dsn) {
  std::string cpu = "unknown CPU";
  std::ifstream cpuinfo{"/proc/cpuinfo"};
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  auto result = fmt::format("{} cores ({})",
                            std::thread::hardware_concurrency(), cpu);
  if (dsn.empty())
    return result;
  try {
    pqxx::connection conn{dsn};
    pqxx::read_transaction tx{conn};
    auto row = tx.exec1("SELECT current_setting('server_version'), "
                        "current_setting('fsync'), "
                        "current_setting('synchronous_commit')");
    result += fmt::format("; PostgreSQL {}, fsync={}, synchronous_commit={}",
                          row[0].c_str(), row[1].c_str(), row[2].c_str());
  } catch (const std::exception& ex) {
    throw bench_failure{std::string{"cannot reach PostgreSQL: "} + ex.what()};
  }
  return result;
}

throwaway_schema::throwaway_schema(std::string dsn)
  : dsn_(std::move(dsn)),
    name_(fmt::format("checkpoint_bench_{}_{}", ::getpid(),
                      std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count())) {
  // Nothing to create: the store's migration creates the schema.
}

void throwaway_schema::vacuum() const {
  try {
    pqxx::connection conn{dsn_};
    // VACUUM cannot run inside a transaction block.
    pqxx::nontransaction tx{conn};
    auto tables = tx.exec_params(
      "SELECT tablename FROM pg_tables WHERE schemaname = $1", name_);
    for (const auto& row : tables)
      tx.exec0("VACUUM (ANALYZE) " + tx.quote_name(name_) + "."
               + tx.quote_name(row[0].as<std::string>()));
  } catch (const std::exception& ex) {
    throw bench_failure{"cannot vacuum schema " + name_ + ": " + ex.what()};
  }
}

throwaway_schema::~throwaway_schema() {
  try {
    pqxx::connection conn{dsn_};
    pqxx::work tx{conn};
    tx.exec0("DROP SCHEMA IF EXISTS " + tx.quote_name(name_) + " CASCADE");
    tx.commit();
  } catch (const std::exception& ex) {
    // A destructor must not throw; say what is left behind instead.
    std::fprintf(stderr, "could not drop schema %s: %s\n", name_.c_str(),
                 ex.what());
  }
}

} // namespace checkpoint::bench

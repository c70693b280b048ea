#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <checkpoint/messages/hlc.hpp>
#include <checkpoint/storage/store.hpp>
#include <checkpoint/tests/checks.hpp>

namespace checkpoint::test {

// -- backings -----------------------------------------------------------------

/// What the stores under test keep their data in: an instance in memory, a
/// temporary file, a throwaway schema. Destroying it removes it.
class store_backing {
public:
  virtual ~store_backing();

  /// Opens a store on this backing without migrating it. Stores with
  /// connections get a new one each time.
  virtual caf::expected<std::shared_ptr<store>> open() = 0;
};

/// A fresh temporary directory, removed with everything in it when the
/// object is destroyed.
class temp_directory {
public:
  /// Creates the directory.
  static caf::expected<temp_directory> make();

  temp_directory(temp_directory&& other) noexcept;

  temp_directory& operator=(temp_directory&&) = delete;

  ~temp_directory();

  const std::filesystem::path& path() const {
    return path_;
  }

private:
  explicit temp_directory(std::filesystem::path path);

  // Empty once moved from.
  std::filesystem::path path_;
};

/// A kind of store that the conformance suite runs against.
struct store_kind {
  /// The name that precedes each run in the test output.
  std::string name;

  /// Makes a fresh, empty backing.
  std::function<caf::expected<std::unique_ptr<store_backing>>()> make_backing;
};

/// Every kind of store; adding a store to the conformance suite is one line
/// in this list.
const std::vector<store_kind>& store_kinds();

/// A backing in a fresh temporary directory, removed with everything in it
/// when the backing is destroyed.
caf::expected<std::unique_ptr<store_backing>> make_sqlite_backing();

/// The PostgreSQL database of the tests, from `CHECKPOINT_TEST_PG_DSN`; an
/// error that says how to set it when it is not set.
caf::expected<std::string> postgres_test_dsn();

/// A schema name that no other test uses.
std::string random_schema_name();

/// A backing in the schema `schema` of the tests' PostgreSQL database, which
/// is dropped with everything in it when the backing is destroyed.
caf::expected<std::unique_ptr<store_backing>>
make_postgres_backing(std::string schema);

/// A fresh backing of `kind` with a migrated store open on it.
class store_under_test {
public:
  /// Makes the backing and opens the store.
  static caf::expected<store_under_test> make(const store_kind& kind);

  /// The open store.
  store& get() {
    return *store_;
  }

  /// Closes the store and opens a migrated one on the same backing, as a
  /// restarted process would.
  caf::error reopen();

private:
  explicit store_under_test(std::unique_ptr<store_backing> backing);

  // Declared first so that the store closes before its backing goes away.
  std::unique_ptr<store_backing> backing_;

  std::shared_ptr<store> store_;
};

// -- one-operation calls ------------------------------------------------------

/// Applies one Advance and returns its result (or the failure of the call).
caf::error advance(store& s, std::string_view group, std::string partition,
                   hlc_time ts);

/// Applies one Commit and returns its result (or the failure of the call).
caf::error commit(store& s, std::string_view group, hlc_range range);

/// Applies one Ensure and returns its result (or the failure of the call).
caf::error ensure(store& s, std::string_view group,
                  std::vector<std::string> partitions);

/// `"ok"` for no error, the error's description otherwise: checking it
/// against `"ok"` shows the whole error when the check fails.
std::string outcome(const caf::error& err);

/// The code of every result of a batch (`"ok"` for success), or the call's
/// failure described.
std::vector<std::string>
result_codes(const caf::expected<std::vector<caf::error>>& results);

// -- stored rows --------------------------------------------------------------

/// A stored row without its wall-clock times, for comparisons.
struct row {
  std::string partition;
  hlc_time ts;
  bool applied = false;
};

bool operator==(const row& x, const row& y);

/// Renders `x` as `partition@ts` with ` applied` when it is.
std::string to_string(const row& x);

/// The history of `group` as rows.
caf::expected<std::vector<row>> rows(store& s, std::string_view group);

} // namespace checkpoint::test

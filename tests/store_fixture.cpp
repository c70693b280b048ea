#include <checkpoint/tests/store_fixture.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <utility>

#include <pqxx/pqxx>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/memory_store.hpp>
#include <checkpoint/storage/postgres_store.hpp>
#include <checkpoint/storage/sqlite_store.hpp>

namespace checkpoint::test {

namespace {

// -- memory -------------------------------------------------------------------

// One instance, opened again and again: it is its own backing.
class memory_backing final : public store_backing {
public:
  caf::expected<std::shared_ptr<store>> open() override {
    return instance_;
  }

private:
  std::shared_ptr<memory_store> instance_ = std::make_shared<memory_store>();
};

// -- SQLite -------------------------------------------------------------------

// A database file in a fresh temporary directory, so that whatever files
// SQLite puts beside it go away with it.
class sqlite_backing final : public store_backing {
public:
  explicit sqlite_backing(temp_directory dir) : dir_(std::move(dir)) {
    // nop
  }

  caf::expected<std::shared_ptr<store>> open() override {
    auto result
      = sqlite_store::open({(dir_.path() / "checkpoints.db").string()});
    if (!result)
      return std::move(result.error());
    return std::shared_ptr<store>{std::move(*result)};
  }

private:
  temp_directory dir_;
};

// -- PostgreSQL ---------------------------------------------------------------

class postgres_backing final : public store_backing {
public:
  postgres_backing(std::string dsn, std::string schema)
    : dsn_(std::move(dsn)), schema_(std::move(schema)) {
    // nop
  }

  // Drops the schema through libpqxx directly: the store has no such call.
  ~postgres_backing() override {
    try {
      pqxx::connection conn{dsn_};
      pqxx::work tx{conn};
      tx.exec0("DROP SCHEMA IF EXISTS " + tx.quote_name(schema_) + " CASCADE");
      tx.commit();
    } catch (const std::exception& e) {
      // A destructor cannot fail the test; say what is left behind.
      std::cerr << "cannot drop test schema " << schema_ << ": " << e.what()
                << '\n';
    }
  }

  caf::expected<std::shared_ptr<store>> open() override {
    auto result = postgres_store::open({dsn_, schema_});
    if (!result)
      return std::move(result.error());
    return std::shared_ptr<store>{std::move(*result)};
  }

private:
  std::string dsn_;
  std::string schema_;
};

caf::expected<std::unique_ptr<store_backing>> make_memory_backing() {
  return std::make_unique<memory_backing>();
}

caf::expected<std::unique_ptr<store_backing>> make_random_postgres_backing() {
  return make_postgres_backing(random_schema_name());
}

} // namespace

store_backing::~store_backing() = default;

const std::vector<store_kind>& store_kinds() {
  static const std::vector<store_kind> kinds{
    {"memory", make_memory_backing},
    {"sqlite", make_sqlite_backing},
    {"postgres", make_random_postgres_backing},
  };
  return kinds;
}

caf::expected<temp_directory> temp_directory::make() {
  auto dir = (std::filesystem::temp_directory_path() / "checkpoint-test-XXXXXX")
               .string();
  if (mkdtemp(dir.data()) == nullptr)
    return make_error(ec::store_failure,
                      "cannot create a temporary directory from " + dir);
  return temp_directory{dir};
}

temp_directory::temp_directory(std::filesystem::path path)
  : path_(std::move(path)) {
  // nop
}

temp_directory::temp_directory(temp_directory&& other) noexcept
  : path_(std::exchange(other.path_, {})) {
  // nop
}

temp_directory::~temp_directory() {
  std::error_code ignored;
  if (!path_.empty())
    std::filesystem::remove_all(path_, ignored);
}

caf::expected<std::unique_ptr<store_backing>> make_sqlite_backing() {
  auto dir = temp_directory::make();
  if (!dir)
    return std::move(dir.error());
  return std::make_unique<sqlite_backing>(std::move(*dir));
}

caf::expected<std::string> postgres_test_dsn() {
  auto dsn = std::getenv("CHECKPOINT_TEST_PG_DSN");
  if (dsn == nullptr || *dsn == '\0')
    return make_error(ec::store_unavailable,
                      "CHECKPOINT_TEST_PG_DSN is not set: set it to the "
                      "connection string of a PostgreSQL database in which "
                      "the tests may create and drop schemas (ctest sets it "
                      "to the cluster it starts)");
  return std::string{dsn};
}

std::string random_schema_name() {
  std::random_device rd;
  std::uniform_int_distribution<uint64_t> dist;
  static constexpr char hex[] = "0123456789abcdef";
  std::string result = "checkpoint_test_";
  for (auto bits = dist(rd), i = uint64_t{0}; i < 16; ++i, bits >>= 4)
    result += hex[bits & 0xF];
  return result;
}

caf::expected<std::unique_ptr<store_backing>>
make_postgres_backing(std::string schema) {
  auto dsn = postgres_test_dsn();
  if (!dsn)
    return std::move(dsn.error());
  return std::make_unique<postgres_backing>(std::move(*dsn), std::move(schema));
}

// -- store_under_test ---------------------------------------------------------

store_under_test::store_under_test(std::unique_ptr<store_backing> backing)
  : backing_(std::move(backing)) {
  // nop
}

caf::expected<store_under_test> store_under_test::make(const store_kind& kind) {
  auto backing = kind.make_backing();
  if (!backing)
    return std::move(backing.error());
  store_under_test result{std::move(*backing)};
  if (auto err = result.reopen())
    return err;
  return result;
}

caf::error store_under_test::reopen() {
  // SQLite admits one owner per file: close before opening again.
  store_.reset();
  auto opened = backing_->open();
  if (!opened)
    return std::move(opened.error());
  if (auto err = (*opened)->migrate())
    return err;
  store_ = std::move(*opened);
  return {};
}

// -- one-operation calls ------------------------------------------------------

namespace {

caf::error apply_one(store& s, std::string_view group, operation op) {
  auto results = s.apply(group, {std::move(op)});
  if (!results)
    return std::move(results.error());
  return std::move(results->front());
}

} // namespace

caf::error advance(store& s, std::string_view group, std::string partition,
                   hlc_time ts) {
  return apply_one(s, group, advance_op{std::move(partition), ts});
}

caf::error commit(store& s, std::string_view group, hlc_range range) {
  return apply_one(s, group, commit_op{range});
}

caf::error ensure(store& s, std::string_view group,
                  std::vector<std::string> partitions) {
  return apply_one(s, group, ensure_op{std::move(partitions)});
}

std::string outcome(const caf::error& err) {
  return err ? describe(err) : "ok";
}

std::vector<std::string>
result_codes(const caf::expected<std::vector<caf::error>>& results) {
  if (!results)
    return {"the call failed: " + describe(results.error())};
  std::vector<std::string> result;
  for (const auto& err : *results)
    result.push_back(code_of(err) != ec::none ? to_string(code_of(err))
                                              : outcome(err));
  return result;
}

// -- stored rows --------------------------------------------------------------

bool operator==(const row& x, const row& y) {
  return x.partition == y.partition && x.ts == y.ts && x.applied == y.applied;
}

std::string to_string(const row& x) {
  auto result = x.partition + "@" + to_string(x.ts);
  if (x.applied)
    result += " applied";
  return result;
}

caf::expected<std::vector<row>> rows(store& s, std::string_view group) {
  auto history = s.history(group);
  if (!history)
    return std::move(history.error());
  std::vector<row> result;
  for (const auto& r : *history)
    result.push_back({r.partition, r.ts, static_cast<bool>(r.applied_at)});
  return result;
}

} // namespace checkpoint::test

// Schema evolution (docs/migrations.md): schemas that older builds left, with
// rows, upgraded by this build keep their rows and end up identical to a
// fresh schema; `migrate` refuses, writing nothing, a schema newer than the
// build and a `checkpoints` table that this component did not create.

#define CAF_SUITE store_upgrade

#include <caf/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include <pqxx/pqxx>
#include <sqlite3.h>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/postgres_store.hpp>
#include <checkpoint/storage/sqlite_store.hpp>
#include <checkpoint/tests/checks.hpp>
#include <checkpoint/tests/store_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

// -- the rows of the fixtures -------------------------------------------------

// What the fixtures hold: made by checkpointd and checkpointctl with
// ensure orders p1 p2; advance orders p1 5, 10, 15.0000000003; advance
// orders p2 7, 12; commit orders 0 11; ensure idle q; advance idle q 3;
// commit idle 0 4; advance a'b"c p 9.
void check_fixture_rows(store& s) {
  CAF_CHECK_EQUAL(rows(s, "orders"),
                  (std::vector<row>{{"p1", ensured_time, true},
                                    {"p1", {5, 0}, true},
                                    {"p1", {10, 0}, true},
                                    {"p1", {15, 3}, false},
                                    {"p2", ensured_time, true},
                                    {"p2", {7, 0}, true},
                                    {"p2", {12, 0}, false}}));
  CAF_CHECK_EQUAL(rows(s, "idle"), (std::vector<row>{{"q", ensured_time, true},
                                                     {"q", {3, 0}, true}}));
  CAF_CHECK_EQUAL(rows(s, "a'b\"c"), (std::vector<row>{{"p", {9, 0}, false}}));
  auto bounds = s.bounds("orders", 0);
  CAF_CHECK(bounds && *bounds == including({7, 0}, {12, 0}));
  auto scan = s.scan();
  CAF_CHECK(scan && *scan == (std::vector<std::string>{"a'b\"c", "orders"}));
  // The upgraded schema takes writes.
  CAF_CHECK_EQUAL(outcome(advance(s, "orders", "p2", {15, 3})), "ok");
  bounds = s.bounds("orders", 0);
  CAF_CHECK(bounds && *bounds == including({7, 0}, {15, 3}));
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  CAF_REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string fixture(const std::string& name) {
  return read_file(std::string{CHECKPOINT_TEST_FIXTURES} + "/" + name);
}

// Replaces every `from` (no regex syntax in it) in `text` with `to`.
std::string replaced(const std::string& text, const std::string& from,
                     const std::string& to) {
  return std::regex_replace(text, std::regex{from}, to);
}

// -- PostgreSQL ---------------------------------------------------------------

std::string dsn() {
  auto result = postgres_test_dsn();
  CAF_REQUIRE(result);
  return *result;
}

// A shell word: `x` in single quotes.
std::string shell_quoted(const std::string& x) {
  return "'" + replaced(x, "'", "'\\''") + "'";
}

// pg_dump of `schema` (with `--schema-only`, without rows) with the schema
// name replaced by @SCHEMA@ and without the random `\restrict` token pair
// that pg_dump 15.18 writes.
std::string pg_dump(const std::string& schema, bool schema_only) {
  auto command = std::string{CHECKPOINT_TEST_PG_DUMP} + " --no-owner"
                 + (schema_only ? " --schema-only" : " --column-inserts")
                 + " --dbname=" + shell_quoted(dsn())
                 + " --schema=" + shell_quoted(schema);
  auto pipe = ::popen(command.c_str(), "r");
  CAF_REQUIRE(pipe != nullptr);
  std::string output;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), pipe)) > 0;)
    output.append(buf, n);
  CAF_REQUIRE_EQUAL(::pclose(pipe), 0);
  std::istringstream lines{output};
  std::string result;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("\\restrict ", 0) != 0
        && line.rfind("\\unrestrict ", 0) != 0)
      result += replaced(line, schema, "@SCHEMA@") + '\n';
  return result;
}

// Runs `sql` (statements without parameters) in one transaction.
void pg_exec(const std::string& sql) {
  pqxx::connection conn{dsn()};
  pqxx::work tx{conn};
  tx.exec(sql);
  tx.commit();
}

std::vector<int> pg_versions(const std::string& schema) {
  pqxx::connection conn{dsn()};
  pqxx::read_transaction tx{conn};
  std::vector<int> result;
  for (const auto& r : tx.exec("SELECT version FROM " + tx.quote_name(schema)
                               + ".checkpoint_migrations ORDER BY version"))
    result.push_back(r[0].as<int>());
  return result;
}

// A throwaway schema migrated by this build, with a row; dropped with the
// backing.
std::unique_ptr<store_backing> migrated_schema(const std::string& schema) {
  auto backing = make_postgres_backing(schema);
  CAF_REQUIRE(backing);
  auto s = (*backing)->open();
  CAF_REQUIRE(s);
  CAF_REQUIRE_EQUAL(outcome((*s)->migrate()), "ok");
  CAF_REQUIRE_EQUAL(outcome(advance(**s, "g", "p", t(1))), "ok");
  return std::move(*backing);
}

// A throwaway schema loaded from the version 3 fixture, then changed by
// `edit` (SQL with @SCHEMA@) into an older version; migrated, it must be a
// fresh schema with the fixture's rows.
void check_postgres_upgrade(const std::string& edit) {
  auto fresh_schema = random_schema_name();
  auto fresh = migrated_schema(fresh_schema);
  auto old_schema = random_schema_name();
  auto old = make_postgres_backing(old_schema);
  CAF_REQUIRE(old);
  // The name goes into identifiers and string literals alike: random
  // schema names need no quoting in either.
  pg_exec(replaced(fixture("postgres-v3.sql") + edit, "@SCHEMA@", old_schema));
  auto s = (*old)->open();
  CAF_REQUIRE(s);
  CAF_REQUIRE_EQUAL(outcome((*s)->migrate()), "ok");
  CAF_CHECK_EQUAL(pg_dump(old_schema, true), pg_dump(fresh_schema, true));
  CAF_CHECK_EQUAL(pg_versions(old_schema), pg_versions(fresh_schema));
  check_fixture_rows(**s);
  // Migrating again changes nothing.
  CAF_REQUIRE_EQUAL(outcome((*s)->migrate()), "ok");
  CAF_CHECK_EQUAL(pg_dump(old_schema, true), pg_dump(fresh_schema, true));
}

// Opens a store on `schema`, expects `migrate` to fail with a message that
// holds every one of `parts`, and checks that it wrote nothing.
void check_postgres_refusal(const std::string& schema,
                            const std::vector<std::string>& parts) {
  auto before = pg_dump(schema, false);
  auto s = postgres_store::open({dsn(), schema});
  CAF_REQUIRE(s);
  auto err = (*s)->migrate();
  CAF_CHECK_EQUAL(code_of(err), ec::store_failure);
  for (const auto& part : parts)
    CAF_CHECK_FUNC(contains, describe(err), part);
  CAF_CHECK_EQUAL(pg_dump(schema, false), before);
}

// -- SQLite -------------------------------------------------------------------

// A raw connection to a database file, for what the store does not show.
class sqlite_file {
public:
  explicit sqlite_file(const std::string& path) {
    CAF_REQUIRE_EQUAL(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  }

  ~sqlite_file() {
    sqlite3_close(db_);
  }

  void exec(const std::string& sql) {
    char* msg = nullptr;
    auto rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
    if (rc != SQLITE_OK)
      CAF_FAIL("sqlite3_exec failed: " << (msg ? msg : "?"));
  }

  // Every row of `sql`, each column as text and separated by `|`.
  std::vector<std::string> query(const std::string& sql) {
    std::vector<std::string> result;
    auto collect = [](void* out, int n, char** values, char**) {
      std::string line;
      for (int i = 0; i < n; ++i)
        line += std::string{i > 0 ? "|" : ""}
                + (values[i] ? values[i] : "NULL");
      static_cast<std::vector<std::string>*>(out)->push_back(line);
      return 0;
    };
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), collect, &result, &msg) != SQLITE_OK)
      CAF_FAIL("sqlite3_exec failed: " << (msg ? msg : "?"));
    return result;
  }

  // The schema's catalog and version.
  std::vector<std::string> catalog() {
    auto result = query("SELECT type, name, tbl_name, sql FROM sqlite_master "
                        "ORDER BY type, name");
    result.push_back("user_version " + query("PRAGMA user_version").front());
    return result;
  }

  // The catalog and every row of every table.
  std::vector<std::string> contents() {
    auto result = catalog();
    for (const auto& table :
         query("SELECT name FROM sqlite_master WHERE type = 'table' "
               "ORDER BY name")) {
      auto rows = query("SELECT * FROM \"" + table + "\" ORDER BY 1, 2, 3");
      result.insert(result.end(), rows.begin(), rows.end());
    }
    return result;
  }

private:
  sqlite3* db_ = nullptr;
};

std::string db_path(const temp_directory& dir) {
  return (dir.path() / "checkpoints.db").string();
}

// A file in `dir` migrated by this build, with a row.
void make_fresh_sqlite(const temp_directory& dir) {
  auto s = sqlite_store::open({db_path(dir)});
  CAF_REQUIRE(s);
  CAF_REQUIRE_EQUAL(outcome((*s)->migrate()), "ok");
  CAF_REQUIRE_EQUAL(outcome(advance(**s, "g", "p", t(1))), "ok");
}

// Opens a store on the file in `dir`, expects `migrate` to fail with a
// message that holds every one of `parts`, and checks that it wrote nothing.
void check_sqlite_refusal(const temp_directory& dir,
                          const std::vector<std::string>& parts) {
  auto before = sqlite_file{db_path(dir)}.contents();
  {
    auto s = sqlite_store::open({db_path(dir)});
    CAF_REQUIRE(s);
    auto err = (*s)->migrate();
    CAF_CHECK_EQUAL(code_of(err), ec::store_failure);
    for (const auto& part : parts)
      CAF_CHECK_FUNC(contains, describe(err), part);
  }
  CAF_CHECK_EQUAL(sqlite_file{db_path(dir)}.contents(), before);
}

temp_directory make_dir() {
  auto dir = temp_directory::make();
  CAF_REQUIRE(dir);
  return std::move(*dir);
}

} // namespace

CAF_TEST(a version 3 postgres schema upgrades to a fresh one with its rows) {
  check_postgres_upgrade("");
}

CAF_TEST(a version 2 postgres schema upgrades to a fresh one with its rows) {
  // Version 2, as the code before migration 3 left it: no bounds function.
  check_postgres_upgrade(R"sql(
DROP FUNCTION @SCHEMA@.checkpoint_bounds;
DELETE FROM @SCHEMA@.checkpoint_migrations WHERE version > 2;)sql");
}

CAF_TEST(a postgres schema newer than the build is refused untouched) {
  auto schema = random_schema_name();
  auto backing = migrated_schema(schema);
  auto known = pg_versions(schema).back();
  auto newer = known + 1;
  pqxx::connection conn{dsn()};
  pg_exec("INSERT INTO " + conn.quote_name(schema)
          + ".checkpoint_migrations (version) VALUES (" + std::to_string(newer)
          + ")");
  check_postgres_refusal(
    schema, {"'" + schema + "'", "at version " + std::to_string(newer),
             "newer than version " + std::to_string(known)});
}

CAF_TEST(a postgres schema with a foreign checkpoints table is refused) {
  auto schema = random_schema_name();
  auto backing = make_postgres_backing(schema);
  CAF_REQUIRE(backing);
  // replicator's staging table (../shared/reference), with a row.
  pqxx::connection conn{dsn()};
  auto quoted = conn.quote_name(schema);
  pg_exec("CREATE SCHEMA " + quoted + "; CREATE TABLE " + quoted
          + R"sql(.checkpoints (
  group_name text NOT NULL, source_hlc numeric NOT NULL,
  partition text NOT NULL, first_seen timestamptz NOT NULL DEFAULT now(),
  target_applied_at timestamptz,
  PRIMARY KEY (group_name, source_hlc, partition));
INSERT INTO )sql"
          + quoted
          + ".checkpoints (group_name, source_hlc, partition) VALUES ('g', "
            "5.0000000001, 'p')");
  check_postgres_refusal(schema, {"'" + schema + "'",
                                  "table 'checkpoints' that this component "
                                  "did not create",
                                  "choose another schema"});
}

CAF_TEST(a version 1 sqlite file upgrades to a fresh one with its rows) {
  auto fresh = make_dir();
  make_fresh_sqlite(fresh);
  auto old = make_dir();
  sqlite_file{db_path(old)}.exec(fixture("sqlite-v1.sql"));
  auto s = sqlite_store::open({db_path(old)});
  CAF_REQUIRE(s);
  CAF_REQUIRE_EQUAL(outcome((*s)->migrate()), "ok");
  CAF_CHECK_EQUAL(sqlite_file{db_path(old)}.catalog(),
                  sqlite_file{db_path(fresh)}.catalog());
  check_fixture_rows(**s);
}

CAF_TEST(an sqlite file newer than the build is refused untouched) {
  auto dir = make_dir();
  make_fresh_sqlite(dir);
  sqlite_file file{db_path(dir)};
  auto known = std::stoi(file.query("PRAGMA user_version").front());
  auto newer = known + 1;
  file.exec("PRAGMA user_version = " + std::to_string(newer));
  check_sqlite_refusal(dir,
                       {db_path(dir), "at version " + std::to_string(newer),
                        "newer than version " + std::to_string(known)});
}

CAF_TEST(an sqlite file with a foreign checkpoints table is refused) {
  auto dir = make_dir();
  sqlite_file{db_path(dir)}.exec(R"sql(
CREATE TABLE checkpoints (group_name TEXT, source_hlc NUMERIC, partition TEXT,
  first_seen TEXT, target_applied_at TEXT);
INSERT INTO checkpoints VALUES ('g', 5.0000000001, 'p', 'now', NULL);)sql");
  check_sqlite_refusal(dir, {db_path(dir),
                             "table 'checkpoints' that this component did "
                             "not create",
                             "choose another file"});
}

// What only the SQLite store promises: one owner per file.

#define CAF_SUITE sqlite_store

#include <checkpoint/storage/sqlite_store.hpp>

#include <caf/test/unit_test.hpp>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/tests/checks.hpp>
#include <checkpoint/tests/store_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

CAF_TEST(a second opener of the file fails until the first closes) {
  auto backing = make_sqlite_backing();
  CAF_REQUIRE(backing);
  auto first = (*backing)->open();
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(outcome((*first)->migrate()), "ok");
  auto second = (*backing)->open();
  CAF_REQUIRE(!second);
  CAF_CHECK_FUNC(contains, describe(second.error()), "checkpoints.db");
  first->reset();
  auto third = (*backing)->open();
  CAF_CHECK(third);
}

CAF_TEST(a file that cannot be created is an error) {
  auto s = sqlite_store::open({"/nonexistent/directory/checkpoints.db"});
  CAF_REQUIRE(!s);
  CAF_CHECK_NOT_EQUAL(code_of(s.error()), ec::none);
}

CAF_TEST(a ping reads the file) {
  auto backing = make_sqlite_backing();
  CAF_REQUIRE(backing);
  auto s = (*backing)->open();
  CAF_REQUIRE(s);
  // Before and after the schema exists: a probe does not read the tables.
  CAF_CHECK_EQUAL(outcome((*s)->ping()), "ok");
  CAF_CHECK_EQUAL(outcome((*s)->migrate()), "ok");
  CAF_CHECK_EQUAL(outcome((*s)->ping()), "ok");
}

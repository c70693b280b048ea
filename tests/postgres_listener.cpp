// The listener of the PostgreSQL store's notifications: which writes it
// reports, and its recovery from a lost connection.

#define CAF_SUITE postgres_listener

#include <checkpoint/storage/postgres_listener.hpp>

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <set>

#include <pqxx/pqxx>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/tests/checks.hpp>
#include <checkpoint/tests/store_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;
using namespace std::chrono_literals;

namespace {

struct fixture {
  std::string dsn;
  std::string schema = random_schema_name();
  std::unique_ptr<store_backing> backing;

  // This node's store connections; the listener skips their writes.
  std::shared_ptr<backend_pids> own = std::make_shared<backend_pids>();

  // A store of this node and one of another node.
  std::unique_ptr<postgres_store> mine;
  std::shared_ptr<store> theirs;

  fixture() {
    auto d = postgres_test_dsn();
    auto b = make_postgres_backing(schema);
    CAF_REQUIRE(d && b);
    dsn = *d;
    backing = std::move(*b);
    auto s = backing->open();
    CAF_REQUIRE(s);
    CAF_REQUIRE_EQUAL(outcome((*s)->migrate()), "ok");
    theirs = std::move(*s);
    auto m = postgres_store::open(options());
    CAF_REQUIRE(m);
    mine = std::move(*m);
  }

  postgres_options options() const {
    return {dsn, schema, own};
  }

  // Waits (at most 10 s) until `listener` reports `group`; returns every
  // group it reported meanwhile.
  std::set<std::string> until(postgres_listener& listener,
                              const std::string& group) {
    std::set<std::string> seen;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (seen.count(group) == 0
           && std::chrono::steady_clock::now() < deadline) {
      auto found = listener.wait(100ms);
      CAF_REQUIRE(found);
      seen.insert(found->groups.begin(), found->groups.end());
    }
    return seen;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(postgres_listener_tests, fixture)

CAF_TEST(it reports the groups written by other nodes only) {
  postgres_listener listener{options()};
  auto first = listener.wait(0s);
  CAF_REQUIRE(first);
  CAF_CHECK(first->resync);
  CAF_CHECK(first->groups.empty());
  // In commit order: when b's notification arrives, a's would have too.
  CAF_CHECK_EQUAL(outcome(advance(*mine, "a", "p", t(1))), "ok");
  CAF_CHECK_EQUAL(outcome(advance(*theirs, "b", "p", t(1))), "ok");
  CAF_CHECK_EQUAL(until(listener, "b"), std::set<std::string>{"b"});
  // A write that changes nothing notifies nobody; the next one does.
  CAF_CHECK_EQUAL(outcome(advance(*theirs, "c", "p", t(1))), "ok");
  CAF_CHECK_EQUAL(outcome(advance(*theirs, "c", "p", t(1))), "ok");
  CAF_CHECK_EQUAL(outcome(advance(*theirs, "d", "p", t(1))), "ok");
  auto seen = until(listener, "d");
  CAF_CHECK_EQUAL(seen, (std::set<std::string>{"c", "d"}));
}

CAF_TEST(a lost connection is re - established with a resync) {
  postgres_listener listener{options()};
  CAF_REQUIRE(listener.wait(0s));
  pqxx::connection admin{dsn};
  pqxx::nontransaction tx{admin};
  auto killed
    = tx.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE query = 'LISTEN ' || quote_ident($1)",
                     schema + ".checkpoints");
  CAF_REQUIRE_EQUAL(killed.size(), 1u);
  // The server's goodbye and the closed socket may take two waits.
  auto lost = listener.wait(1s);
  for (int i = 0; i < 10 && lost; ++i)
    lost = listener.wait(1s);
  CAF_REQUIRE(!lost);
  CAF_CHECK_EQUAL(lost.error(), ec::store_unavailable);
  auto back = listener.wait(0s);
  CAF_REQUIRE(back);
  CAF_CHECK(back->resync);
  CAF_CHECK_EQUAL(outcome(advance(*theirs, "b", "p", t(1))), "ok");
  CAF_CHECK_EQUAL(until(listener, "b"), std::set<std::string>{"b"});
}

CAF_TEST(a failed connection names the server and never the password) {
  // The server refuses the role, and its message quotes the role's name,
  // which is also the password here.
  auto secret = std::string{"hunter2secret"};
  postgres_listener listener{
    {dsn + " user=" + secret + " password=" + secret, schema, own}};
  stderr_capture err;
  auto found = listener.wait(0s);
  CAF_CHECK_EQUAL(err.text(), "");
  CAF_REQUIRE(!found);
  CAF_CHECK_EQUAL(found.error(), ec::store_unavailable);
  auto text = describe(found.error());
  CAF_CHECK(!contains{}(text, secret));
  CAF_CHECK_FUNC(contains, text, "role \"********\" does not exist");
  CAF_CHECK_FUNC(contains, text, "host 127.0.0.1, port ");
  CAF_CHECK_FUNC(contains, text, "'" + schema + ".checkpoints'");
}

CAF_TEST_FIXTURE_SCOPE_END()

// The store worker's ping, which serves the node's /healthz: it asks the
// store for a ping (not a scan, whose cost grows with the unapplied rows)
// and passes on the store's failure.

#define CAF_SUITE store_worker

#include <checkpoint/tests/actor_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

CAF_TEST_FIXTURE_SCOPE(store_worker_tests, actor_fixture)

CAF_TEST(a ping asks the store for a ping) {
  CAF_CHECK(ask<ok_atom>(worker, ping_atom::value));
  CAF_CHECK_EQUAL(db->pings, 1u);
  CAF_CHECK_EQUAL(db->bounds_calls, 0u);
  CAF_CHECK(db->batches.empty());
}

CAF_TEST(a ping of a failing store is its error) {
  db->failure = make_error(ec::store_unavailable, "the database is down");
  auto answer = ask<ok_atom>(worker, ping_atom::value);
  CAF_REQUIRE(!answer);
  CAF_CHECK_EQUAL(code_of(answer.error()), ec::store_unavailable);
  CAF_CHECK_FUNC(contains, describe(answer.error()), "the database is down");
  // The worker reopens the store for the next call, which then answers.
  db->failure = {};
  CAF_CHECK(ask<ok_atom>(worker, ping_atom::value));
  CAF_CHECK_EQUAL(db->pings, 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()

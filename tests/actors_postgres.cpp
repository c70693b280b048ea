#define CAF_SUITE actors_postgres

#include <caf/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <caf/all.hpp>

#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/tests/store_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

constexpr int requesters = 64;
constexpr int partitions = 16;
constexpr int advances_per_requester = 40;

} // namespace

// The whole path under real concurrency: 64 requester actors advance 16
// partitions of one group through one group actor, on detached store
// workers over a real PostgreSQL, while an applier commits behind them.
CAF_TEST(concurrent requesters through one group lose nothing) {
  auto backing = make_postgres_backing(random_schema_name());
  CAF_REQUIRE(backing);
  auto admin = (*backing)->open();
  CAF_REQUIRE(admin);
  CAF_REQUIRE(!(*admin)->migrate());
  test::test_config cfg;
  caf::actor_system sys{cfg};
  auto pool = spawn_store_pool(sys, 4, [&b = **backing] { return b.open(); });
  auto sup = sys.spawn(supervisor_impl, supervisor_config{}, pool);
  caf::scoped_actor self{sys};
  group_actor group;
  self
    ->request(sup, caf::infinite, start_atom::value, table_group{"g", {}, {}},
              group_options{})
    .receive([&](group_actor& g) { group = g; },
             [](caf::error& err) { CAF_FAIL(describe(err)); });
  // Each requester owns an interleaved sequence on its partition: four
  // requesters share a partition, so some advances go backwards and must be
  // refused; every acknowledged one must be stored.
  std::mutex mtx;
  std::set<std::pair<std::string, hlc_time>> acknowledged;
  std::map<ec, int> refused;
  std::atomic<int> running{requesters};
  std::vector<std::thread> threads;
  for (int i = 0; i < requesters; ++i) {
    threads.emplace_back([&, i] {
      caf::scoped_actor me{sys};
      auto partition = "p" + std::to_string(i % partitions);
      for (int k = 1; k <= advances_per_requester; ++k) {
        hlc_time ts{int64_t{k} * 4 + i / partitions, 0};
        me->request(group, std::chrono::seconds(30), advance_atom::value,
                    partition, ts)
          .receive(
            [&](ok_atom) {
              std::lock_guard<std::mutex> guard{mtx};
              acknowledged.emplace(partition, ts);
            },
            [&](caf::error& err) {
              std::lock_guard<std::mutex> guard{mtx};
              ++refused[code_of(err)];
            });
      }
      --running;
    });
  }
  // The applier: commit whatever the bounds allow until the requesters end.
  int commits = 0;
  while (running > 0 && commits < 100000) {
    self->request(group, std::chrono::seconds(30), bounds_atom::value)
      .receive(
        [&](hlc_range bounds) {
          self
            ->request(group, std::chrono::seconds(30), commit_atom::value,
                      bounds)
            .receive([&](ok_atom) { ++commits; },
                     [](caf::error& err) { CAF_FAIL(describe(err)); });
        },
        [](caf::error& err) { CAF_FAIL(describe(err)); });
  }
  for (auto& t : threads)
    t.join();
  CAF_MESSAGE(acknowledged.size()
              << " acknowledged, " << commits << " commits");
  for (auto& [code, n] : refused)
    CAF_CHECK_EQUAL(to_string(code), std::string{"going_backwards"});
  CAF_CHECK_EQUAL(acknowledged.size()
                    + (refused.empty() ? 0 : refused[ec::going_backwards]),
                  static_cast<size_t>(requesters * advances_per_requester));
  auto history = (*admin)->history("g");
  CAF_REQUIRE(history);
  std::set<std::pair<std::string, hlc_time>> stored;
  std::map<std::string, std::vector<const checkpoint_row*>> by_partition;
  for (auto& row : *history) {
    stored.emplace(row.partition, row.ts);
    by_partition[row.partition].push_back(&row);
  }
  for (auto& ack : acknowledged)
    if (stored.count(ack) == 0)
      CAF_FAIL("acknowledged advance not stored: " << ack.first << " "
                                                   << to_string(ack.second));
  // Ordered by timestamp, every partition's rows must also be ordered by
  // when they were written: nothing older was inserted after something newer.
  for (auto& [name, rows] : by_partition)
    for (size_t i = 1; i < rows.size(); ++i)
      CAF_CHECK(rows[i - 1]->first_seen <= rows[i]->first_seen);
  // The group's published bounds equal the store's own computation.
  auto expected = (*admin)->bounds("g", 0);
  CAF_REQUIRE(expected);
  self->request(group, std::chrono::seconds(30), refresh_atom::value)
    .receive([&](hlc_range r) { CAF_CHECK_EQUAL(r, *expected); },
             [](caf::error& err) { CAF_FAIL(describe(err)); });
  self->request(sup, std::chrono::seconds(60), shutdown_atom::value)
    .receive([](ok_atom) {}, [](caf::error& err) { CAF_FAIL(describe(err)); });
  self->send_exit(pool, caf::exit_reason::user_shutdown);
}

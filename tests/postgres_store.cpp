// What only the PostgreSQL store promises: several connections and
// processes on one database at once, and a schema name that is an
// identifier.

#define CAF_SUITE postgres_store

#include <checkpoint/storage/postgres_store.hpp>

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include <pqxx/pqxx>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/tests/checks.hpp>
#include <checkpoint/tests/store_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

// A fresh schema in the tests' database; fails the test when there is none.
std::unique_ptr<store_backing>
postgres_backing(std::string schema = random_schema_name()) {
  auto result = make_postgres_backing(std::move(schema));
  if (!result) {
    CAF_ERROR(describe(result.error()));
    return nullptr;
  }
  return std::move(*result);
}

// Opens `count` stores on `backing`, each with its own connection; none
// (and a failed test) if one does not open.
std::vector<std::shared_ptr<store>> open_stores(store_backing& backing,
                                                size_t count) {
  std::vector<std::shared_ptr<store>> result;
  for (size_t i = 0; i < count; ++i) {
    auto s = backing.open();
    if (!s) {
      CAF_ERROR("cannot open a store: " << describe(s.error()));
      return {};
    }
    result.push_back(std::move(*s));
  }
  return result;
}

// One store on a fresh backing in `schema`, migrated, with a first Advance
// (g, p, 1) applied; no store (and a failed test) if any step fails.
struct advanced_store {
  std::unique_ptr<store_backing> backing;
  std::shared_ptr<store> s;
};

advanced_store advanced_store_in(const std::string& schema) {
  advanced_store result{postgres_backing(schema), nullptr};
  if (!result.backing)
    return result;
  auto stores = open_stores(*result.backing, 1);
  if (stores.empty())
    return result;
  CAF_REQUIRE_EQUAL(outcome(stores.front()->migrate()), "ok");
  CAF_REQUIRE_EQUAL(outcome(advance(*stores.front(), "g", "p", t(1))), "ok");
  result.s = std::move(stores.front());
  return result;
}

// Runs `f(i)` for every `i < count` on threads of its own, started together
// to make them overlap, and returns the results in order.
template <class F>
auto run_together(size_t count, F f) {
  std::promise<void> go;
  auto ready = go.get_future().share();
  std::vector<std::future<decltype(f(size_t{0}))>> futures;
  for (size_t i = 0; i < count; ++i)
    futures.push_back(std::async(std::launch::async, [=] {
      ready.wait();
      return f(i);
    }));
  go.set_value();
  std::vector<decltype(f(size_t{0}))> result;
  for (auto& x : futures)
    result.push_back(x.get());
  return result;
}

} // namespace

CAF_TEST(migration is safe from several connections at once) {
  auto backing = postgres_backing();
  if (!backing)
    return;
  auto stores = open_stores(*backing, 8);
  if (stores.empty())
    return;
  auto results = run_together(stores.size(), [&](size_t i) {
    return outcome(stores[i]->migrate());
  });
  CAF_CHECK_EQUAL(results, std::vector<std::string>(stores.size(), "ok"));
  CAF_CHECK_EQUAL(outcome(advance(*stores.front(), "g", "p", t(1))), "ok");
  CAF_CHECK_EQUAL(rows(*stores.back(), "g"),
                  (std::vector<row>{{"p", t(1), false}}));
}

// A node of the previous version keeps running while a new one migrates:
// its prepared bounds statement must still work on the upgraded schema.
CAF_TEST(migration 4 keeps the bounds of a running version 3 node working) {
  auto schema = random_schema_name();
  auto one = advanced_store_in(schema);
  if (!one.s)
    return;
  auto dsn = postgres_test_dsn();
  CAF_REQUIRE(dsn);
  pqxx::connection admin{*dsn};
  auto quoted = admin.quote_name(schema);
  {
    pqxx::work tx{admin};
    tx.exec0("DROP FUNCTION " + quoted + ".checkpoint_windows");
    tx.exec0("DELETE FROM " + quoted
             + ".checkpoint_migrations WHERE version > 3");
    tx.commit();
  }
  // The statement version 3 prepares, run once so that its plan is cached.
  pqxx::connection old_node{*dsn};
  old_node.prepare("bounds",
                   "SELECT * FROM " + quoted + ".checkpoint_bounds($1, $2)");
  auto old_bounds = [&] {
    pqxx::nontransaction tx{old_node};
    return tx.exec_prepared("bounds", "g", 0);
  };
  CAF_CHECK_EQUAL(old_bounds().columns(), 10);
  auto stores = open_stores(*one.backing, 1);
  if (stores.empty())
    return;
  CAF_REQUIRE_EQUAL(outcome(stores.front()->migrate()), "ok");
  try {
    auto rows = old_bounds();
    CAF_CHECK_EQUAL(rows.columns(), 10);
    CAF_CHECK_EQUAL(rows.size(), 1u);
  } catch (const std::exception& e) {
    CAF_FAIL(
      "the version 3 statement failed after the migration: " << e.what());
  }
}

CAF_TEST(racing advances on one partition never go backwards) {
  auto backing = postgres_backing();
  if (!backing)
    return;
  auto stores = open_stores(*backing, 2);
  if (stores.empty())
    return;
  for (auto& s : stores)
    CAF_REQUIRE_EQUAL(outcome(s->migrate()), "ok");
  // Each racer advances through increasing timestamps that interleave with
  // the other's: racer 0 the even nanos, racer 1 the odd ones.
  constexpr int64_t per_racer = 2000;
  struct race_result {
    std::vector<hlc_time> accepted;
    int64_t going_backwards = 0;
    std::vector<std::string> other_errors;
    // Accepted below a time whose acceptance had been acknowledged before
    // the request was sent: only a broken check lets that happen.
    std::vector<std::string> accepted_below_acknowledged;
  };
  // The greatest nanos whose acceptance a racer has seen.
  std::atomic<int64_t> acknowledged{-1};
  auto results = run_together(stores.size(), [&](size_t racer) {
    race_result result;
    for (int64_t i = 0; i < per_racer; ++i) {
      hlc_time ts{2 * i + static_cast<int64_t>(racer), 0};
      auto floor = acknowledged.load();
      auto err = advance(*stores[racer], "g", "p", ts);
      if (code_of(err) == ec::going_backwards) {
        ++result.going_backwards;
      } else if (err) {
        result.other_errors.push_back(describe(err));
      } else {
        result.accepted.push_back(ts);
        if (ts.nanos < floor)
          result.accepted_below_acknowledged.push_back(to_string(ts) + " after "
                                                       + std::to_string(floor));
        auto seen = acknowledged.load();
        while (seen < ts.nanos
               && !acknowledged.compare_exchange_weak(seen, ts.nanos)) {
          // retry with the value another racer stored
        }
      }
    }
    return result;
  });
  std::vector<hlc_time> accepted;
  for (const auto& r : results) {
    CAF_CHECK_EQUAL(r.other_errors, std::vector<std::string>{});
    CAF_CHECK_EQUAL(r.accepted_below_acknowledged, std::vector<std::string>{});
    CAF_CHECK_EQUAL(static_cast<int64_t>(r.accepted.size()) + r.going_backwards,
                    per_racer);
    accepted.insert(accepted.end(), r.accepted.begin(), r.accepted.end());
  }
  std::sort(accepted.begin(), accepted.end());
  auto history = stores.front()->history("g");
  CAF_REQUIRE(history);
  // Every accepted timestamp is stored, and nothing else.
  std::vector<hlc_time> stored;
  for (const auto& r : *history)
    stored.push_back(r.ts);
  CAF_CHECK_EQUAL(stored, accepted);
  // In the order they were recorded, the timestamps never go backwards. This
  // holds only if first_seen is taken once the partition's lock is held (a
  // transaction's start time, `now()`, may precede a rival's whole write).
  auto recorded = *history;
  std::sort(recorded.begin(), recorded.end(),
            [](const checkpoint_row& x, const checkpoint_row& y) {
              return std::tie(x.first_seen, x.ts)
                     < std::tie(y.first_seen, y.ts);
            });
  auto backwards
    = std::adjacent_find(recorded.begin(), recorded.end(),
                         [](const checkpoint_row& x, const checkpoint_row& y) {
                           return y.ts < x.ts;
                         });
  CAF_CHECK(backwards == recorded.end());
  if (backwards != recorded.end()) {
    auto next = std::next(backwards);
    CAF_MESSAGE(to_string(next->ts)
                << " first seen at "
                << caf::timestamp_to_string(next->first_seen) << " after "
                << to_string(backwards->ts) << " first seen at "
                << caf::timestamp_to_string(backwards->first_seen));
  }
}

CAF_TEST(the schema name is an identifier) {
  // Within the store's limit of 51 bytes; `$$` would end a dollar-quoted
  // function body that named the schema.
  auto schema = random_schema_name() + " \"Q\";DROP$$";
  auto one = advanced_store_in(schema);
  if (!one.s)
    return;
  auto& s = *one.s;
  CAF_CHECK_EQUAL(rows(s, "g"), (std::vector<row>{{"p", t(1), false}}));
  auto dsn = postgres_test_dsn();
  CAF_REQUIRE(dsn);
  pqxx::connection conn{*dsn};
  pqxx::read_transaction tx{conn};
  auto count = [&](const std::string& name) {
    return tx
      .exec_params1("SELECT count(*) FROM information_schema.schemata"
                    " WHERE schema_name = $1",
                    name)[0]
      .as<int>();
  };
  CAF_CHECK_EQUAL(count(schema), 1);
}

CAF_TEST(a connection the server closed between calls is replaced) {
  auto schema = random_schema_name();
  auto one = advanced_store_in(schema);
  if (!one.s)
    return;
  auto& s = *one.s;
  auto dsn = postgres_test_dsn();
  CAF_REQUIRE(dsn);
  pqxx::connection admin{*dsn};
  pqxx::nontransaction tx{admin};
  // The store's backend is the one whose last statement was its apply.
  auto killed = tx.exec_params(
    "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE strpos(query, $1) > 0 AND strpos(query, 'checkpoint_apply') > 0",
    schema);
  CAF_REQUIRE_EQUAL(killed.size(), 1u);
  // The socket closes when the process exits (the server is on this
  // machine): wait until it is gone or a zombie.
  auto stat = "/proc/" + killed[0][0].as<std::string>() + "/stat";
  auto exited = [&] {
    std::ifstream in{stat};
    std::string pid, name, state;
    return !(in >> pid >> name >> state) || state == "Z";
  };
  for (int i = 0; i < 500 && !exited(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CAF_REQUIRE(exited());
  // Found broken before anything was sent, so tried again on a new
  // connection: no error, and the Advance took effect exactly once.
  CAF_CHECK_EQUAL(outcome(advance(s, "g", "p", t(2))), "ok");
  CAF_CHECK_EQUAL(rows(s, "g"),
                  (std::vector<row>{{"p", t(1), false}, {"p", t(2), false}}));
}

CAF_TEST(a ping answers and replaces a connection the server closed) {
  auto backing = postgres_backing();
  if (!backing)
    return;
  auto dsn = postgres_test_dsn();
  CAF_REQUIRE(dsn);
  auto own = std::make_shared<backend_pids>();
  auto opened = postgres_store::open({*dsn, random_schema_name(), own});
  CAF_REQUIRE(opened);
  auto& s = **opened;
  // No schema needed: a probe does not read the tables.
  CAF_CHECK_EQUAL(outcome(s.ping()), "ok");
  pqxx::connection admin{*dsn};
  pqxx::nontransaction tx{admin};
  auto terminated = 0;
  for (const auto& r : tx.exec("SELECT pid FROM pg_stat_activity"))
    if (own->contains(r[0].as<int>())) {
      tx.exec_params("SELECT pg_terminate_backend($1, 5000)", r[0].as<int>());
      ++terminated;
    }
  CAF_REQUIRE_EQUAL(terminated, 1);
  CAF_CHECK_EQUAL(outcome(s.ping()), "ok");
}

CAF_TEST(an unreachable server is an error not an exception) {
  try {
    // Nothing listens on port 1; the connection is refused at once.
    auto s = postgres_store::open(
      {"host=127.0.0.1 port=1 dbname=postgres user=postgres", "s"});
    CAF_REQUIRE(!s);
    CAF_CHECK_EQUAL(code_of(s.error()), ec::store_unavailable);
  } catch (const std::exception& e) {
    CAF_ERROR("postgres_store::open threw: " << e.what());
  }
}

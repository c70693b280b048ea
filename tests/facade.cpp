#define CAF_SUITE facade

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>

#include <checkpoint/checkpoints.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/tests/checks.hpp>
#include <checkpoint/tests/store_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

// The facade in a real actor system (its store workers run on threads of
// their own, which CAF's test coordinator cannot drive), on a SQLite file
// in a fresh directory. Every blocking call waits for the component's own
// answer, so the outcomes do not depend on timing.

namespace {

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  temp_directory dir = std::move(*temp_directory::make());

  std::string db_path() const {
    return (dir.path() / "checkpoints.db").string();
  }

  checkpoints open() {
    auto cps = checkpoints::open_sqlite(sys, db_path());
    CAF_REQUIRE(cps);
    return std::move(*cps);
  }

  // The error of opening with `opts`, rendered; empty if it opened.
  std::string open_error(checkpoints_options opts) {
    auto cps = checkpoints::open(sys, std::move(opts));
    return cps ? std::string{} : describe(cps.error());
  }

  checkpoints_options options() const {
    checkpoints_options opts;
    opts.path = db_path();
    return opts;
  }
};

// Answers `ok` with the bounds after advancing p2 to `t(7)` and
// committing [0, t(6)), each request continued with `.then`.
caf::behavior driver(caf::event_based_actor* self, group g) {
  return {
    [=](ok_atom) {
      auto rp = self->make_response_promise();
      auto fail = [=](caf::error& err) mutable { rp.deliver(std::move(err)); };
      g.advance(self, "p2", t(7))
        .then(
          [=](ok_atom) {
            g.commit(self, hlc_range{t(0), t(6)})
              .then(
                [=](ok_atom) {
                  g.refresh(self).then(
                    [=](const hlc_range& bounds) mutable {
                      rp.deliver(bounds);
                    },
                    fail);
                },
                fail);
          },
          fail);
      return rp;
    },
  };
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(facade_tests, fixture)

CAF_TEST(plain code drives a group and reads its bounds) {
  auto cps = open();
  table_group orders{"orders", "shop", {"orders", "lines"}};
  auto g = cps.start(orders);
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(g->table_group(), orders);
  CAF_CHECK_EQUAL((g->ensure({"p1", "p2"})), caf::error{});
  CAF_CHECK_EQUAL(g->refresh(), (hlc_range{hlc_time{1, 1}, hlc_time{1, 2}}));
  CAF_CHECK_EQUAL(g->advance("p1", t(5)), caf::error{});
  CAF_CHECK_EQUAL(g->advance("p2", t(7)), caf::error{});
  CAF_CHECK_EQUAL(g->refresh(), (hlc_range{hlc_time{1, 1}, hlc_time{5, 6}}));
  CAF_CHECK_EQUAL(cps.scan_for_target_schemas(),
                  std::vector<std::string>{"orders"});
  CAF_CHECK_EQUAL((g->commit(hlc_range{t(0), t(6)})), caf::error{});
  CAF_CHECK_EQUAL(g->refresh(), (hlc_range{t(5), hlc_time{5, 6}}));
  // The published bounds are those the refresh computed.
  CAF_CHECK_EQUAL(g->bounds(), (hlc_range{t(5), hlc_time{5, 6}}));
  // A second start finds the running group.
  auto again = cps.start(table_group{"orders", {}, {}});
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->actor(), g->actor());
}

CAF_TEST(an actor drives a group without blocking) {
  auto cps = open();
  auto g = cps.start(table_group{"orders", {}, {}});
  CAF_REQUIRE(g);
  CAF_REQUIRE_EQUAL((g->ensure({"p1", "p2"})), caf::error{});
  CAF_REQUIRE_EQUAL(g->advance("p1", t(5)), caf::error{});
  auto actor = sys.spawn(driver, *g);
  caf::scoped_actor self{sys};
  self->request(actor, std::chrono::seconds(10), ok_atom::value)
    .receive(
      [](const hlc_range& bounds) {
        CAF_CHECK_EQUAL(bounds, (hlc_range{t(5), hlc_time{5, 6}}));
      },
      [](const caf::error& err) { CAF_FAIL("driver: " << describe(err)); });
  self->send_exit(actor, caf::exit_reason::user_shutdown);
}

CAF_TEST(an actor starts a group without blocking) {
  auto cps = open();
  caf::scoped_actor self{sys};
  auto starter = sys.spawn([&cps](caf::event_based_actor* self) {
    return caf::behavior{
      [=, &cps](ok_atom) {
        auto rp = self->make_response_promise();
        cps.start(self, table_group{"orders", {}, {}})
          .then([=](const group_actor& handle) mutable { rp.deliver(handle); },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
    };
  });
  self->request(starter, std::chrono::seconds(10), ok_atom::value)
    .receive(
      [&](const group_actor& handle) {
        auto g = cps.make_group(table_group{"orders", {}, {}}, handle);
        CAF_CHECK_EQUAL(g.ensure({"p1"}), caf::error{});
        CAF_CHECK_EQUAL(g.refresh(),
                        (hlc_range{hlc_time{1, 1}, hlc_time{1, 2}}));
      },
      [](const caf::error& err) { CAF_FAIL("starter: " << describe(err)); });
  self->send_exit(starter, caf::exit_reason::user_shutdown);
}

CAF_TEST(errors of the group pass through) {
  auto cps = open();
  auto g = cps.start(table_group{"orders", {}, {}});
  CAF_REQUIRE(g);
  CAF_REQUIRE_EQUAL(g->advance("p1", t(5)), caf::error{});
  auto err = g->advance("p1", t(3));
  CAF_CHECK_EQUAL(code_of(err), ec::going_backwards);
  CAF_CHECK_FUNC(contains, describe(err), "'p1'");
  err = g->ensure({""});
  CAF_CHECK_EQUAL(code_of(err), ec::bad_input);
  err = g->commit(hlc_range{t(6), t(2)});
  CAF_CHECK_EQUAL(code_of(err), ec::bad_input);
}

CAF_TEST(bad starts give errors of the supervisor) {
  auto cps = open();
  auto g = cps.start(table_group{"", {}, {}});
  CAF_REQUIRE(!g);
  CAF_CHECK_EQUAL(code_of(g.error()), ec::bad_input);
  g = cps.start(table_group{"orders", {}, {}}, group_options{-1});
  CAF_REQUIRE(!g);
  CAF_CHECK_EQUAL(code_of(g.error()), ec::bad_input);
  CAF_CHECK_FUNC(contains, describe(g.error()), "-1");
  // LimitLookahead: fixed for the group's life in this process.
  CAF_REQUIRE(cps.start(table_group{"orders", {}, {}}, group_options{3}));
  g = cps.start(table_group{"orders", {}, {}}, group_options{4});
  CAF_REQUIRE(!g);
  CAF_CHECK_EQUAL(code_of(g.error()), ec::lookahead_conflict);
}

CAF_TEST(the default lookahead applies to groups started without one) {
  auto opts = options();
  opts.lookahead = 1;
  auto cps = checkpoints::open(sys, opts);
  CAF_REQUIRE(cps);
  CAF_REQUIRE(cps->start(table_group{"orders", {}, {}}));
  auto g = cps->start(table_group{"orders", {}, {}}, group_options{2});
  CAF_REQUIRE(!g);
  CAF_CHECK_EQUAL(code_of(g.error()), ec::lookahead_conflict);
  CAF_CHECK(cps->start(table_group{"orders", {}, {}}, group_options{1}));
}

CAF_TEST(max_future guards the Advances of the stores it opens) {
  // Year 2255: a microseconds-as-nanoseconds mistake, far past the default
  // hour.
  hlc_time far{9'000'000'000'000'000'000, 0};
  auto cps = open();
  auto g = cps.start(table_group{"orders", {}, {}});
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(code_of(g->advance("p1", far)), ec::far_future);
  auto opts = options();
  opts.path = db_path() + ".off";
  opts.max_future = caf::timespan{0};
  auto off = checkpoints::open(sys, opts);
  CAF_REQUIRE(off);
  auto h = off->start(table_group{"orders", {}, {}});
  CAF_REQUIRE(h);
  CAF_CHECK_EQUAL(h->advance("p1", far), caf::error{});
}

CAF_TEST(bad options name the field and open nothing) {
  auto opts = options();
  opts.lookahead = -2;
  CAF_CHECK_EQUAL(open_error(opts), "bad_input: checkpoints_options.lookahead: "
                                    "must not be negative, got -2");
  opts = options();
  opts.store = "my\nsql";
  CAF_CHECK_EQUAL(open_error(opts), "bad_input: checkpoints_options.store: "
                                    "expected postgres or sqlite, got "
                                    "'my\\nsql'");
  opts = options();
  opts.store = "postgres";
  CAF_CHECK_EQUAL(open_error(opts), "bad_input: checkpoints_options.dsn: "
                                    "required with store = postgres");
  opts = options();
  opts.path.clear();
  CAF_CHECK_FUNC(contains, open_error(opts), "checkpoints_options.path");
  opts = options();
  opts.workers = 0;
  CAF_CHECK_FUNC(contains, open_error(opts), "checkpoints_options.workers");
  opts = options();
  opts.batch_size = 0;
  CAF_CHECK_FUNC(contains, open_error(opts), "checkpoints_options.batch_size");
  opts = options();
  opts.queue_limit = 0;
  CAF_CHECK_FUNC(contains, open_error(opts), "checkpoints_options.queue_limit");
  opts = options();
  opts.refresh_interval = caf::timespan{0};
  CAF_CHECK_FUNC(contains, open_error(opts),
                 "checkpoints_options.refresh_interval");
  opts = options();
  opts.max_future = -std::chrono::seconds{1};
  CAF_CHECK_FUNC(contains, open_error(opts), "checkpoints_options.max_future");
  opts = options();
  opts.timeout = caf::timespan{0};
  CAF_CHECK_FUNC(contains, open_error(opts), "checkpoints_options.timeout");
  // Nothing was written: the database file was never created.
  CAF_CHECK(!std::filesystem::exists(db_path()));
}

CAF_TEST(a store that cannot be opened gives the error of the store) {
  auto err = checkpoints::open_postgres(sys, "host=127.0.0.1 port=1 "
                                             "connect_timeout=5");
  CAF_REQUIRE(!err);
  CAF_CHECK_EQUAL(code_of(err.error()), ec::store_unavailable);
  err = checkpoints::open_postgres(sys, "no_such_key=1");
  CAF_REQUIRE(!err);
  CAF_CHECK_EQUAL(code_of(err.error()), ec::bad_input);
  CAF_CHECK_FUNC(contains, describe(err.error()), "malformed");
  err = checkpoints::open_sqlite(sys, (dir.path() / "no/dir/x.db").string());
  CAF_REQUIRE(!err);
  CAF_CHECK_FUNC(contains, describe(err.error()), "no/dir/x.db");
}

CAF_TEST(shutdown stops what the facade started and is idempotent) {
  auto cps = open();
  auto g = cps.start(table_group{"orders", {}, {}});
  CAF_REQUIRE(g);
  CAF_REQUIRE_EQUAL(g->advance("p1", t(5)), caf::error{});
  CAF_CHECK_EQUAL(cps.shutdown(), caf::error{});
  CAF_CHECK_EQUAL(cps.shutdown(), caf::error{});
  // The group drained and ended, and so did the supervisor.
  CAF_CHECK(!g->bounds());
  CAF_CHECK(!cps.start(table_group{"orders", {}, {}}));
}

CAF_TEST(an attached facade leaves the supervisor running) {
  auto cps = open();
  {
    auto attached = checkpoints::attach(sys, cps.supervisor());
    auto g = attached.start(table_group{"orders", {}, {}});
    CAF_REQUIRE(g);
    CAF_CHECK_EQUAL(g->ensure({"p1"}), caf::error{});
  }
  auto g = cps.start(table_group{"orders", {}, {}});
  CAF_REQUIRE(g);
  CAF_CHECK_EQUAL(g->refresh(), (hlc_range{hlc_time{1, 1}, hlc_time{1, 2}}));
}

CAF_TEST_FIXTURE_SCOPE_END()

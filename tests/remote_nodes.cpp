#define CAF_SUITE remote_nodes

// Two simulated CAF nodes (CAF's io_dsl): the component runs on `earth`, a
// client on `mars` reaches its supervisor over the (simulated) network. This
// pins that every message type that crosses nodes is registered and
// serialisable, and that remote subscribers are served and cleaned up.

#define FAIL(msg) CAF_FAIL(msg) // dsl.hpp uses FAIL without defining it.
#include <caf/test/io_dsl.hpp>

#include <memory>
#include <string>
#include <vector>

#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/memory_store.hpp>
#include <checkpoint/tests/checks.hpp>
#include <checkpoint/tests/collector.hpp>

using namespace checkpoint;
using checkpoint::test::collector;
using checkpoint::test::collector_actor;
using checkpoint::test::contains;
using checkpoint::test::t;

namespace {

// Two simulated nodes need the network layer.
struct network_config : test::test_config {
  network_config() {
    load<caf::io::middleman>();
  }
};

using node_fixture = test_coordinator_fixture<network_config>;

// What a request got: "accepted", or the error as a client would print it.
template <class T>
std::string outcome(const caf::expected<T>& x) {
  return x ? "accepted" : describe(x.error());
}

// Everything stored for `group`, one line per row, to compare before and
// after refused requests.
std::vector<std::string> stored(store& db, const std::string& group) {
  std::vector<std::string> lines;
  auto rows = db.history(group);
  if (!rows)
    return {describe(rows.error())};
  for (auto& row : *rows)
    lines.push_back(row.partition + ' ' + to_string(row.ts)
                    + (row.applied_at ? " applied" : ""));
  return lines;
}

struct fixture : point_to_point_fixture<node_fixture> {
  std::shared_ptr<memory_store> db = std::make_shared<memory_store>();
  store_worker worker;
  supervisor_control sup;
  supervisor_actor remote_sup;

  fixture() {
    worker = spawn_scheduled_worker(
      earth.sys,
      [db = db]() -> caf::expected<std::shared_ptr<store>> { return db; });
    supervisor_config cfg;
    // The simulated network fires every pending timer until none is left:
    // a periodic refresh would never let it rest.
    cfg.groups.refresh_interval = caf::timespan{0};
    sup = earth.sys.spawn(supervisor_impl, cfg, worker);
    exec_all();
    prepare_connection(earth, mars, "earth", 8080);
    // As checkpointd does: the public handle, not the control handle.
    earth.publish(supervisor_actor{sup}, 8080);
    remote_sup = mars.remote_actor<supervisor_actor>("earth", 8080);
  }

  ~fixture() {
    earth.self->request(sup, caf::infinite, shutdown_atom::value);
    exec_all();
    earth.self->send_exit(worker, caf::exit_reason::user_shutdown);
    exec_all();
  }

  // Sends a request from mars and returns the answer after running both
  // nodes and the network.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& dest, Ts&&... xs) {
    auto rh = mars.self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    exec_all();
    caf::expected<T> result = caf::make_error(caf::sec::request_timeout);
    if (mars.self->mailbox().empty())
      return result;
    rh.receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  group_state& group_on_earth(const std::string& name) {
    auto& sup_state
      = earth
          .deref<
            caf::stateful_actor<supervisor_state, supervisor_control::base>>(
            sup)
          .state;
    return earth
      .deref<caf::stateful_actor<group_state, group_control::base>>(
        sup_state.groups.at(name).handle)
      .state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(remote_nodes_tests, fixture)

CAF_TEST(a remote client drives a group and gets its errors with context) {
  auto g = ask<group_actor>(remote_sup, start_atom::value,
                            table_group{"Orders", "public", {"t1"}},
                            group_options{});
  CAF_REQUIRE(g);
  CAF_CHECK(
    ask<ok_atom>(*g, ensure_atom::value, std::vector<std::string>{"p1", "p2"}));
  CAF_CHECK(ask<ok_atom>(*g, advance_atom::value, "p1", t(5)));
  CAF_CHECK(ask<ok_atom>(*g, advance_atom::value, "p2", t(5)));
  auto bounds = ask<hlc_range>(*g, bounds_atom::value);
  CAF_REQUIRE(bounds);
  CAF_CHECK_EQUAL(*bounds, including(ensured_time, t(5)));
  auto back = ask<ok_atom>(*g, advance_atom::value, "p1", t(3));
  CAF_REQUIRE(!back);
  CAF_CHECK_EQUAL(code_of(back.error()), ec::going_backwards);
  CAF_CHECK_NOT_EQUAL(describe(back.error()).find("partition 'p1'"),
                      std::string::npos);
  auto status = ask<group_status>(*g, status_atom::value);
  CAF_REQUIRE(status);
  CAF_CHECK_EQUAL(status->group, "orders");
  CAF_REQUIRE_EQUAL(status->partitions.size(), 2u);
  CAF_CHECK_EQUAL(status->partitions[0].head, t(5));
  auto conflict = ask<group_actor>(remote_sup, start_atom::value,
                                   table_group{"orders", {}, {}},
                                   group_options{7});
  CAF_REQUIRE(!conflict);
  CAF_CHECK_EQUAL(code_of(conflict.error()), ec::lookahead_conflict);
  auto names = ask<std::vector<std::string>>(remote_sup, groups_atom::value);
  CAF_CHECK_EQUAL(names, std::vector<std::string>{"orders"});
}

CAF_TEST(a remote subscriber gets changes and is removed when it goes away) {
  auto g = ask<group_actor>(remote_sup, start_atom::value,
                            table_group{"g", {}, {}}, group_options{});
  CAF_REQUIRE(g);
  auto sub = mars.sys.spawn(collector);
  CAF_CHECK(ask<ok_atom>(*g, subscribe_atom::value, sub));
  auto& got = mars.deref<collector_actor>(sub).state.updates;
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0].bounds, including(zero_time, zero_time));
  CAF_CHECK(ask<ok_atom>(*g, advance_atom::value, "p", t(2)));
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(got[1], (bounds_update{"g", including(zero_time, t(2))}));
  CAF_CHECK_EQUAL(group_on_earth("g").subscribers.size(), 1u);
  mars.self->send_exit(sub, caf::exit_reason::kill);
  exec_all();
  CAF_CHECK_EQUAL(group_on_earth("g").subscribers.size(), 0u);
}

CAF_TEST(malformed requests from a remote node change nothing) {
  auto g = ask<group_actor>(remote_sup, start_atom::value,
                            table_group{"g", {}, {}}, group_options{});
  CAF_REQUIRE(g);
  CAF_REQUIRE(ask<ok_atom>(*g, advance_atom::value, "p", t(5)));
  auto before = stored(*db, "g");
  CAF_REQUIRE_EQUAL(before.size(), 1u);
  auto start = [&](std::string name, group_options opts) {
    return outcome(ask<group_actor>(remote_sup, start_atom::value,
                                    table_group{std::move(name), {}, {}},
                                    opts));
  };
  auto ok = [&](auto&&... xs) { return outcome(ask<ok_atom>(*g, xs...)); };
  auto nul = std::string{"a\0b", 3};
  auto long_name = std::string(max_name_bytes + 1, 'x');
  // Bad group names and lookahead limits start nothing.
  CAF_CHECK_FUNC(contains, start("", {}), "bad_input: group name is empty");
  CAF_CHECK_FUNC(contains, start(nul, {}), "bad_input: group name");
  CAF_CHECK_FUNC(contains, start(long_name, {}), "bad_input: group name");
  CAF_CHECK_FUNC(contains, start("\xff", {}), "bad_input: group name");
  CAF_CHECK_FUNC(contains, start("h", group_options{-1}),
                 "bad_input: lookahead limit -1");
  // Bad partitions, times and ranges fail alone; nothing reaches the store.
  CAF_CHECK_FUNC(contains, ok(advance_atom::value, "", t(9)),
                 "bad_input: partition name is empty");
  CAF_CHECK_FUNC(contains, ok(advance_atom::value, nul, t(9)),
                 "bad_input: partition name");
  CAF_CHECK_FUNC(contains, ok(advance_atom::value, long_name, t(9)),
                 "bad_input: partition name");
  CAF_CHECK_FUNC(contains, ok(advance_atom::value, "p", hlc_time{-1, 0}),
                 "bad_input: advance timestamp -1.0 is not a valid HLC time");
  CAF_CHECK_FUNC(contains, ok(advance_atom::value, "p", hlc_time{9, -1}),
                 "bad_input: advance timestamp 9.-1 is not a valid HLC time");
  CAF_CHECK_FUNC(contains, ok(advance_atom::value, "p", t(3)),
                 "going_backwards");
  CAF_CHECK_FUNC(contains, ok(commit_atom::value, hlc_range{t(5), t(2)}),
                 "is reversed (min > max)");
  CAF_CHECK_FUNC(contains,
                 ok(commit_atom::value, hlc_range{hlc_time{-5, 0}, t(2)}),
                 "bad_input: commit range minimum");
  CAF_CHECK_FUNC(contains,
                 ok(ensure_atom::value, std::vector<std::string>{"q", ""}),
                 "bad_input: partition name is empty");
  // Messages that neither actor takes, sent through untyped handles.
  auto untyped_sup = caf::actor_cast<caf::actor>(remote_sup);
  auto untyped_group = caf::actor_cast<caf::actor>(*g);
  CAF_CHECK_FUNC(contains, outcome(ask<ok_atom>(untyped_sup, "hello")),
                 "unexpected_message");
  CAF_CHECK_FUNC(
    contains,
    outcome(ask<ok_atom>(untyped_sup, advance_atom::value, "p", t(9))),
    "unexpected_message");
  CAF_CHECK_FUNC(contains,
                 outcome(ask<ok_atom>(untyped_group, start_atom::value,
                                      table_group{"g", {}, {}},
                                      group_options{})),
                 "unexpected_message");
  CAF_CHECK_FUNC(contains,
                 outcome(ask<ok_atom>(untyped_group, bounds_update{})),
                 "unexpected_message");
  // Nothing was written, no group started, and both actors still serve.
  CAF_CHECK_EQUAL(stored(*db, "g"), before);
  CAF_CHECK_EQUAL(stored(*db, "q"), std::vector<std::string>{});
  CAF_CHECK_EQUAL(ask<std::vector<std::string>>(remote_sup, groups_atom::value),
                  std::vector<std::string>{"g"});
  CAF_CHECK_EQUAL(ok(advance_atom::value, "p", t(6)), "accepted");
  CAF_CHECK_EQUAL(ask<hlc_range>(*g, bounds_atom::value),
                  including(zero_time, t(6)));
}

CAF_TEST(the published supervisor offers only the client operations) {
  // The node's own messages (shutdown, bootstrap, ...) are not announced:
  // a remote node cannot take the control handle.
  mars.sched.inline_next_enqueue();
  mars.sched.after_next_enqueue(mars.run_all_nodes);
  auto control = mars.mm.remote_actor<supervisor_control>("earth", 8080);
  CAF_CHECK(!control);
}

CAF_TEST_FIXTURE_SCOPE_END()

#define CAF_SUITE remote_nodes

// Two simulated CAF nodes (CAF's io_dsl): the component runs on `earth`, a
// client on `mars` reaches its supervisor over the (simulated) network. This
// pins that every message type that crosses nodes is registered and
// serialisable, and that remote subscribers are served and cleaned up.

#define FAIL(msg) CAF_FAIL(msg) // dsl.hpp uses FAIL without defining it.
#include <caf/test/io_dsl.hpp>

#include <memory>

#include "actors/supervisor.hpp"
#include "messages/error.hpp"
#include "messages/register.hpp"
#include "storage/memory_store.hpp"
#include "tests/collector.hpp"

using namespace checkpoint;
using checkpoint::test::collector;
using checkpoint::test::collector_actor;

namespace {

struct node_config : caf::actor_system_config {
  node_config() {
    load<caf::io::middleman>();
    register_message_types(*this);
  }
};

using node_fixture = test_coordinator_fixture<node_config>;

hlc_time t(int64_t n) {
  return {n, static_cast<int32_t>(n)};
}

struct fixture : point_to_point_fixture<node_fixture> {
  std::shared_ptr<memory_store> db = std::make_shared<memory_store>();
  store_worker worker;
  supervisor_actor sup;
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
    earth.publish(sup, 8080);
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
    auto& sup_state = earth.deref<caf::stateful_actor<
      supervisor_state, supervisor_actor::base>>(sup)
                        .state;
    return earth
      .deref<caf::stateful_actor<group_state, group_actor::base>>(
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
  CAF_CHECK(ask<ok_atom>(*g, ensure_atom::value,
                         std::vector<std::string>{"p1", "p2"}));
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
  auto& got = mars.deref<collector_actor>(sub)
                .state.updates;
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

CAF_TEST_FIXTURE_SCOPE_END()

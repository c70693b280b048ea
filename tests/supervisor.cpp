#define CAF_SUITE supervisor

#include <checkpoint/tests/actor_fixture.hpp>
#include <checkpoint/tests/collector.hpp>

#include <checkpoint/actors/supervisor.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

struct fixture : actor_fixture {
  supervisor_actor sup = sys.spawn(supervisor_impl, supervisor_config{},
                                   worker);

  ~fixture() override {
    if (sup) {
      self->send(sup, shutdown_atom::value);
      drain();
    }
  }

  supervisor_state& state() {
    return deref<caf::stateful_actor<supervisor_state, supervisor_actor::base>>(
             sup)
      .state;
  }

  caf::expected<group_actor> start(std::string name,
                                   caf::optional<int32_t> lookahead = {}) {
    return ask<group_actor>(sup, start_atom::value,
                            table_group{std::move(name), "public", {}},
                            group_options{lookahead});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_tests, fixture)

CAF_TEST(the same canonical name gives the same group) {
  auto a = start("Orders");
  auto b = start("orders");
  CAF_REQUIRE(a && b);
  CAF_CHECK_EQUAL(*a, *b);
  auto names = ask<std::vector<std::string>>(sup, groups_atom::value);
  CAF_REQUIRE(names);
  CAF_CHECK_EQUAL(*names, std::vector<std::string>{"orders"});
}

CAF_TEST(a bad name or lookahead is refused) {
  auto empty = start("");
  CAF_REQUIRE(!empty);
  CAF_CHECK_EQUAL(code_of(empty.error()), ec::bad_input);
  auto negative = start("g", -1);
  CAF_REQUIRE(!negative);
  CAF_CHECK_EQUAL(code_of(negative.error()), ec::bad_input);
}

CAF_TEST(a running group keeps its lookahead) {
  CAF_REQUIRE(start("g", 3));
  CAF_CHECK(start("g"));
  CAF_CHECK(start("g", 3));
  auto other = start("g", 4);
  CAF_REQUIRE(!other);
  CAF_CHECK_EQUAL(code_of(other.error()), ec::lookahead_conflict);
}

CAF_TEST(scan and bootstrap find the groups with work) {
  CAF_REQUIRE(db->apply("busy", {advance_op{"p", t(1)}}));
  CAF_REQUIRE(db->apply("done", {advance_op{"p", t(1)},
                                 commit_op{including(zero_time, t(1))}}));
  auto scanned = ask<std::vector<std::string>>(sup, scan_atom::value);
  CAF_REQUIRE(scanned);
  CAF_CHECK_EQUAL(*scanned, std::vector<std::string>{"busy"});
  auto started = ask<std::vector<std::string>>(sup, bootstrap_atom::value);
  CAF_REQUIRE(started);
  CAF_CHECK_EQUAL(*started, std::vector<std::string>{"busy"});
  auto names = ask<std::vector<std::string>>(sup, groups_atom::value);
  CAF_CHECK_EQUAL(*names, std::vector<std::string>{"busy"});
}

CAF_TEST(a crashed group restarts with its subscribers) {
  auto g = start("g");
  CAF_REQUIRE(g);
  auto sub = sys.spawn(collector);
  CAF_CHECK(ask<ok_atom>(*g, subscribe_atom::value, sub));
  CAF_CHECK(ask<ok_atom>(*g, advance_atom::value, "p", t(2)));
  self->send_exit(*g, caf::exit_reason::kill);
  drain();
  // The old handle is dead: its clients get an error and ask again.
  auto dead = ask<hlc_range>(*g, bounds_atom::value);
  CAF_CHECK(!dead);
  CAF_CHECK(!state().groups.at("g").handle);
  // Only the restart delay passes: no later timer fires.
  advance_time(state().cfg.restart_delay);
  drain();
  CAF_CHECK(state().groups.at("g").handle);
  auto restarted = start("g");
  CAF_REQUIRE(restarted);
  CAF_CHECK_NOT_EQUAL(*restarted, *g);
  CAF_CHECK_EQUAL(state().groups.at("g").handle, *restarted);
  // The subscriber was re-attached: it got the bounds again and gets changes.
  auto& got = deref<collector_actor>(sub).state.updates;
  CAF_CHECK(ask<ok_atom>(*restarted, advance_atom::value, "p", t(3)));
  CAF_REQUIRE(!got.empty());
  CAF_CHECK_EQUAL(got.back().bounds, including(zero_time, t(3)));
  self->send_exit(sub, caf::exit_reason::user_shutdown);
}

CAF_TEST(shutdown drains every group and stops the supervisor) {
  auto g = start("g");
  CAF_REQUIRE(g);
  for (int i = 1; i <= 3; ++i)
    self->send(*g, advance_atom::value, std::string{"p"}, t(i));
  // Two shutdown requests: both are answered once the groups drained.
  auto first = self->request(sup, caf::infinite, shutdown_atom::value);
  auto done = ask<ok_atom>(sup, shutdown_atom::value);
  CAF_CHECK(done);
  first.receive([](ok_atom) {},
                [](caf::error& err) { CAF_FAIL(describe(err)); });
  size_t acks = 0;
  for (int i = 0; i < 3; ++i)
    self->receive([&](ok_atom) { ++acks; },
                  [](caf::error& err) { CAF_FAIL(describe(err)); });
  CAF_CHECK_EQUAL(acks, 3u);
  auto hist = db->history("g");
  CAF_REQUIRE(hist);
  CAF_CHECK_EQUAL(hist->size(), 3u);
  auto late = start("h");
  CAF_CHECK(!late);
  sup = nullptr;
}

CAF_TEST_FIXTURE_SCOPE_END()

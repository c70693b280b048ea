#define CAF_SUITE supervisor

#include <checkpoint/tests/actor_fixture.hpp>
#include <checkpoint/tests/collector.hpp>

#include <checkpoint/actors/supervisor.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

struct fixture : actor_fixture {
  supervisor_control sup = sys.spawn(supervisor_impl, supervisor_config{},
                                     worker);

  ~fixture() override {
    if (sup) {
      self->send(sup, shutdown_atom::value);
      drain();
    }
  }

  supervisor_state& state() {
    return deref<
             caf::stateful_actor<supervisor_state, supervisor_control::base>>(
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
  CAF_REQUIRE(names);
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
  expect((restart_atom, std::string), from(sup).to(sup).with(_, "g"));
  CAF_REQUIRE(state().groups.at("g").handle);
  // The new group sends the re-attached subscriber its bounds once computed.
  auto fresh = state().groups.at("g").handle;
  CAF_REQUIRE(sched.prioritize(fresh)); // its start: a first computation
  sched.run_once();
  expect((bounds_atom, std::string, int32_t), from(fresh).to(worker));
  expect((hlc_range), from(worker).to(fresh));
  expect((bounds_update), from(fresh).to(sub));
  auto restarted = start("g");
  CAF_REQUIRE(restarted);
  CAF_CHECK_NOT_EQUAL(*restarted, *g);
  CAF_CHECK_EQUAL(state().groups.at("g").handle, *restarted);
  // The subscriber was re-attached: it got the bounds again and gets changes.
  auto& got = deref<collector_actor>(sub).state.updates;
  CAF_CHECK(ask<ok_atom>(*restarted, advance_atom::value, "p", t(3)));
  CAF_REQUIRE(!got.empty());
  CAF_CHECK_EQUAL(got.back().bounds, including(zero_time, t(3)));
  // A crash is no stop: the subscriber was not told the group went away.
  CAF_CHECK(deref<collector_actor>(sub).state.stopped.empty());
  self->send_exit(sub, caf::exit_reason::user_shutdown);
}

CAF_TEST(a group stopped on request tells its subscribers and is gone) {
  auto g = start("g");
  CAF_REQUIRE(g);
  auto sub = sys.spawn(collector);
  CAF_CHECK(ask<ok_atom>(*g, subscribe_atom::value, sub));
  CAF_CHECK(ask<ok_atom>(*g, advance_atom::value, "p", t(1)));
  auto handle = state().groups.at("g").handle;
  // The group drains first; its subscribers learn of the stop after that.
  self->send(sup, stop_atom::value, std::string{"G"});
  expect((stop_atom, std::string), from(self).to(sup).with(_, "G"));
  expect((shutdown_atom), from(sup).to(handle));
  expect((ok_atom), from(handle).to(sup));
  expect((ok_atom), from(sup).to(self));
  expect((caf::down_msg), from(handle).to(sup));
  expect((group_stopped),
         from(sup).to(sub).with(group_stopped{"g", "stopped on request"}));
  auto names = ask<std::vector<std::string>>(sup, groups_atom::value);
  CAF_REQUIRE(names);
  CAF_CHECK(names->empty());
  // It is not restarted, and a new start gets a new group.
  CAF_CHECK(!sched.has_job());
  auto again = start("g");
  CAF_REQUIRE(again);
  CAF_CHECK_NOT_EQUAL(*again, *g);
  // Stopping a group that is not running is no error; a bad name is.
  CAF_CHECK(ask<ok_atom>(sup, stop_atom::value, std::string{"other"}));
  auto bad = ask<ok_atom>(sup, stop_atom::value, std::string{});
  CAF_REQUIRE(!bad);
  CAF_CHECK_EQUAL(code_of(bad.error()), ec::bad_input);
  self->send_exit(sub, caf::exit_reason::user_shutdown);
}

CAF_TEST(the restart delay doubles up to its cap and resets when healthy) {
  CAF_REQUIRE(start("g"));
  auto& cfg = state().cfg;
  // Crashes the group and checks that it comes back after exactly `delay`.
  auto crash = [&](caf::timespan delay) {
    self->send_exit(state().groups.at("g").handle, caf::exit_reason::kill);
    drain();
    CAF_REQUIRE(!state().groups.at("g").handle);
    advance_time(delay - caf::timespan{1});
    drain();
    CAF_CHECK(!state().groups.at("g").handle);
    advance_time(caf::timespan{1});
    drain();
    CAF_CHECK(state().groups.at("g").handle);
  };
  for (auto delay = cfg.restart_delay; delay < cfg.max_restart_delay;
       delay *= 2)
    crash(delay);
  crash(cfg.max_restart_delay);
  crash(cfg.max_restart_delay);
  // Healthy for a while: the next crash starts over.
  advance_time(cfg.healthy_after);
  drain();
  crash(cfg.restart_delay);
  crash(cfg.restart_delay * 2);
}

CAF_TEST(shutdown drains every group and stops the supervisor) {
  auto g = start("g");
  CAF_REQUIRE(g);
  auto sub = sys.spawn(collector);
  CAF_CHECK(ask<ok_atom>(*g, subscribe_atom::value, sub));
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
  CAF_CHECK_EQUAL(
    deref<collector_actor>(sub).state.stopped,
    (std::vector<group_stopped>{{"g", "the node is shutting down"}}));
  self->send_exit(sub, caf::exit_reason::user_shutdown);
  sup = nullptr;
}

CAF_TEST_FIXTURE_SCOPE_END()

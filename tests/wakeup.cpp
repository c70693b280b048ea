// The supervisor's `changed` message: a store notification about a group
// makes the running group recompute its bounds.

#define CAF_SUITE wakeup

#include <checkpoint/tests/actor_fixture.hpp>

#include <checkpoint/actors/supervisor.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

struct fixture : actor_fixture {
  supervisor_control sup = sys.spawn(supervisor_impl, supervisor_config{},
                                     worker);

  ~fixture() override {
    self->send(sup, shutdown_atom::value);
    drain();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(wakeup_tests, fixture)

CAF_TEST(a running group recomputes its bounds) {
  auto group = ask<group_actor>(sup, start_atom::value,
                                table_group{"orders", {}, {}}, group_options{});
  CAF_REQUIRE(group);
  auto before = db->bounds_calls;
  self->send(sup, changed_atom::value, std::string{"orders"});
  expect((changed_atom, std::string), from(self).to(sup));
  expect((changed_atom), from(sup).to(*group));
  drain();
  CAF_CHECK_EQUAL(db->bounds_calls, before + 1);
}

CAF_TEST(another node writing changes the bounds) {
  auto group = ask<group_actor>(sup, start_atom::value,
                                table_group{"orders", {}, {}}, group_options{});
  CAF_REQUIRE(group);
  // Written behind the group's back, as by another node.
  CAF_REQUIRE(db->apply("orders", {advance_op{"p", t(5)}}));
  auto before = ask<hlc_range>(*group, bounds_atom::value);
  self->send(sup, changed_atom::value, std::string{"orders"});
  drain();
  auto after = ask<hlc_range>(*group, bounds_atom::value);
  CAF_REQUIRE(before && after);
  CAF_CHECK_NOT_EQUAL(*before, *after);
}

CAF_TEST(unknown groups are ignored) {
  auto group = ask<group_actor>(sup, start_atom::value,
                                table_group{"orders", {}, {}}, group_options{});
  CAF_REQUIRE(group);
  auto before = db->bounds_calls;
  self->send(sup, changed_atom::value, std::string{"nobody"});
  expect((changed_atom, std::string), from(self).to(sup));
  disallow((changed_atom), from(sup).to(*group));
  drain();
  CAF_CHECK_EQUAL(db->bounds_calls, before);
  auto names = ask<std::vector<std::string>>(sup, groups_atom::value);
  CAF_REQUIRE(names);
  CAF_CHECK_EQUAL(*names, std::vector<std::string>{"orders"});
}

CAF_TEST_FIXTURE_SCOPE_END()

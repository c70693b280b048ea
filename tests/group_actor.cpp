#define CAF_SUITE group_actor

#include <checkpoint/tests/actor_fixture.hpp>
#include <checkpoint/tests/collector.hpp>
#include <checkpoint/tests/store_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

struct fixture : actor_fixture {
  group_config cfg;
  group_control group;

  void start(group_config config = {}) {
    cfg = config;
    group = sys.spawn(group_impl, std::string{"g"}, cfg, worker,
                      supervisor_control{}, std::vector<bounds_subscriber>{});
  }

  ~fixture() override {
    if (group)
      self->send_exit(group, caf::exit_reason::user_shutdown);
  }

  std::vector<bounds_update>& updates_of(const bounds_subscriber& sub) {
    return deref<collector_actor>(sub).state.updates;
  }

  group_state& state() {
    return deref<caf::stateful_actor<group_state, group_control::base>>(group)
      .state;
  }

  hlc_range bounds() {
    auto result = ask<hlc_range>(group, bounds_atom::value);
    CAF_REQUIRE(result);
    return *result;
  }
};

// A worker blocked on a database that accepts connections but never
// answers: it takes every request and answers none.
store_worker::behavior_type silent_worker(store_worker::pointer self) {
  return {
    [self](apply_atom, const std::string&, const std::vector<operation>&) {
      return self->make_response_promise<std::vector<caf::error>>();
    },
    [self](bounds_atom, const std::string&, int32_t) {
      return self->make_response_promise<hlc_range>();
    },
    [self](status_atom, const std::string&, int32_t) {
      return self->make_response_promise<std::vector<partition_status>>();
    },
    [self](scan_atom) {
      return self->make_response_promise<std::vector<std::string>>();
    },
    [self](ping_atom) { return self->make_response_promise<ok_atom>(); },
  };
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(group_actor_tests, fixture)

CAF_TEST(a group computes its bounds before answering a bounds request) {
  auto setup = db->apply("g", {advance_op{"p", t(5)}});
  CAF_REQUIRE(setup);
  start();
  // The request is queued behind the first computation, not answered with a
  // made-up value.
  auto rh = self->request(group, caf::infinite, bounds_atom::value);
  drain();
  rh.receive(
    [](hlc_range r) { CAF_CHECK_EQUAL(r, including(zero_time, t(5))); },
    [](caf::error& err) { CAF_FAIL("unexpected error: " << describe(err)); });
}

CAF_TEST(requests take effect in arrival order) {
  start();
  drain();
  auto a = self->request(group, caf::infinite, advance_atom::value, "p", t(2));
  auto c = self->request(group, caf::infinite, commit_atom::value,
                         including(zero_time, t(2)));
  auto b = self->request(group, caf::infinite, advance_atom::value, "p", t(3));
  drain();
  for (auto* rh : {&a, &c, &b})
    rh->receive([](ok_atom) {},
                [](caf::error& err) { CAF_FAIL(describe(err)); });
  auto hist = db->history("g");
  CAF_REQUIRE(hist);
  CAF_REQUIRE_EQUAL(hist->size(), 2u);
  CAF_CHECK((*hist)[0].applied_at);
  CAF_CHECK(!(*hist)[1].applied_at);
  CAF_CHECK_EQUAL(bounds(), including(t(2), t(3)));
}

CAF_TEST(requests queued behind a write become one batch with one answer each) {
  start();
  drain();
  // The first advance goes to the store at once; the next ones arrive while
  // it is in flight and form the next transaction.
  std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>>
    handles;
  constexpr int n = 10;
  for (int i = 1; i <= n; ++i)
    self->send(group, advance_atom::value, std::string{"p"}, t(i));
  // The group handles all ten before the worker runs once.
  sched.prioritize(group);
  while (sched.prioritize(group) && sched.try_run_once())
    ; // nop
  drain();
  CAF_CHECK_EQUAL(db->batches, (std::vector<size_t>{1, n - 1}));
  size_t acks = 0;
  for (int i = 0; i < n; ++i)
    self->receive([&](ok_atom) { ++acks; },
                  [](caf::error& err) { CAF_FAIL(describe(err)); });
  CAF_CHECK_EQUAL(acks, static_cast<size_t>(n));
  CAF_CHECK_EQUAL(bounds(), including(zero_time, t(n)));
}

CAF_TEST(the next batch goes to the store before the last is answered) {
  start();
  drain();
  self->send(group, advance_atom::value, std::string{"p"}, t(1));
  self->send(group, advance_atom::value, std::string{"p"}, t(2));
  // The group takes both (the second waits), then the worker writes the
  // first, then the group takes the result.
  for (auto who : {caf::actor_cast<caf::abstract_actor*>(group),
                   caf::actor_cast<caf::abstract_actor*>(group),
                   caf::actor_cast<caf::abstract_actor*>(worker),
                   caf::actor_cast<caf::abstract_actor*>(group)}) {
    CAF_REQUIRE(sched.prioritize(who));
    sched.run_once();
  }
  // Every queued request waits for the write in flight, so the second
  // batch leaves before the refresh that the first write calls for.
  auto& worker_mailbox
    = deref<caf::stateful_actor<store_worker_state, store_worker::base>>(worker)
        .mailbox();
  auto* next = worker_mailbox.peek();
  CAF_REQUIRE(next != nullptr);
  CAF_CHECK(next->content().match_element<apply_atom>(0));
  drain();
  CAF_CHECK_EQUAL(db->batches, (std::vector<size_t>{1, 1}));
  size_t acks = 0;
  for (int i = 0; i < 2; ++i)
    self->receive([&](ok_atom) { ++acks; },
                  [](caf::error& err) { CAF_FAIL(describe(err)); });
  CAF_CHECK_EQUAL(acks, 2u);
}

CAF_TEST(a going - backwards item in a batch fails alone) {
  start();
  drain();
  self->send(group, advance_atom::value, std::string{"p"}, t(5));
  self->send(group, advance_atom::value, std::string{"p"}, t(3));
  self->send(group, advance_atom::value, std::string{"q"}, t(4));
  while (sched.prioritize(group) && sched.try_run_once())
    ; // nop
  drain();
  CAF_CHECK_EQUAL(db->batches, (std::vector<size_t>{1, 2}));
  std::vector<ec> answers;
  for (int i = 0; i < 3; ++i)
    self->receive([&](ok_atom) { answers.push_back(ec::none); },
                  [&](caf::error& err) { answers.push_back(code_of(err)); });
  CAF_CHECK_EQUAL(answers,
                  (std::vector<ec>{ec::none, ec::going_backwards, ec::none}));
  CAF_CHECK_EQUAL(state().going_backwards, 1u);
}

CAF_TEST(a far future item in a batch fails alone and is counted) {
  // The store's clock stands at 1000 s; the limit is one second.
  db->limit_future({std::chrono::seconds{1},
                    [] { return caf::timestamp{std::chrono::seconds{1000}}; }});
  start();
  drain();
  hlc_time now{1'000'000'000'000, 0};
  self->send(group, advance_atom::value, std::string{"p"}, now);
  self->send(group, advance_atom::value, std::string{"p"},
             hlc_time{now.nanos + 1'000'000'001, 0});
  self->send(group, commit_atom::value,
             hlc_range{zero_time, {INT64_MAX, hlc_time::max_logical}});
  self->send(group, advance_atom::value, std::string{"q"},
             hlc_time{now.nanos + 1'000'000'000, 7});
  while (sched.prioritize(group) && sched.try_run_once())
    ; // nop
  drain();
  CAF_CHECK_EQUAL(db->batches, (std::vector<size_t>{1, 2}));
  std::vector<ec> answers;
  for (int i = 0; i < 4; ++i)
    self->receive([&](ok_atom) { answers.push_back(ec::none); },
                  [&](caf::error& err) { answers.push_back(code_of(err)); });
  CAF_CHECK_EQUAL(
    answers, (std::vector<ec>{ec::none, ec::far_future, ec::none, ec::none}));
  CAF_CHECK_EQUAL(state().far_future, 1u);
  CAF_CHECK_EQUAL(state().going_backwards, 0u);
  CAF_CHECK_EQUAL(
    rows(*db, "g"),
    (std::vector<row>{{"p", now, true},
                      {"q", {now.nanos + 1'000'000'000, 7}, false}}));
}

CAF_TEST(triggers during a refresh cause one more refresh and not many) {
  start();
  drain();
  auto before = db->bounds_calls;
  // Five refresh requests reach the group before the worker runs: the first
  // starts a computation, the other four wait for exactly one more.
  for (int i = 0; i < 5; ++i)
    self->send(group, refresh_atom::value);
  while (sched.prioritize(group) && sched.try_run_once())
    ; // nop
  drain();
  CAF_CHECK_EQUAL(db->bounds_calls - before, 2u);
  size_t answers = 0;
  for (int i = 0; i < 5; ++i)
    self->receive([&](hlc_range) { ++answers; },
                  [](caf::error& err) { CAF_FAIL(describe(err)); });
  CAF_CHECK_EQUAL(answers, 5u);
}

CAF_TEST(subscribers get the bounds at once and then each change once) {
  start();
  drain();
  auto sub = sys.spawn(collector);
  CAF_CHECK(ask<ok_atom>(group, subscribe_atom::value, sub));
  auto& got = updates_of(sub);
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0],
                  (bounds_update{"g", including(zero_time, zero_time)}));
  CAF_CHECK(ask<ok_atom>(group, advance_atom::value, "p", t(2)));
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(got[1].bounds, including(zero_time, t(2)));
  // The duplicate tail and a refresh change nothing: nobody is told.
  CAF_CHECK(ask<ok_atom>(group, advance_atom::value, "p", t(2)));
  CAF_CHECK(ask<hlc_range>(group, refresh_atom::value));
  CAF_CHECK_EQUAL(got.size(), 2u);
  CAF_CHECK(
    ask<ok_atom>(group, commit_atom::value, including(zero_time, t(2))));
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  CAF_CHECK_EQUAL(got[2].bounds, including(t(2), t(2)));
  // Unsubscribed: no more updates.
  CAF_CHECK(ask<ok_atom>(group, unsubscribe_atom::value, sub));
  CAF_CHECK(ask<ok_atom>(group, advance_atom::value, "p", t(3)));
  CAF_CHECK_EQUAL(got.size(), 3u);
  self->send_exit(sub, caf::exit_reason::user_shutdown);
}

CAF_TEST(a subscriber that goes away is removed) {
  start();
  drain();
  auto sub = sys.spawn(collector);
  CAF_CHECK(ask<ok_atom>(group, subscribe_atom::value, sub));
  auto& st = state();
  CAF_CHECK_EQUAL(st.subscribers.size(), 1u);
  self->send_exit(sub, caf::exit_reason::kill);
  drain();
  CAF_CHECK_EQUAL(st.subscribers.size(), 0u);
}

CAF_TEST(a full queue answers overloaded at once) {
  group_config config;
  config.max_queue = 2;
  start(config);
  drain();
  // One write in flight, two queued, the fourth is refused.
  for (int i = 1; i <= 4; ++i)
    self->send(group, advance_atom::value, std::string{"p"}, t(i));
  while (sched.prioritize(group) && sched.try_run_once())
    ; // nop
  self->receive([](ok_atom) { CAF_FAIL("expected overloaded first"); },
                [](caf::error& err) {
                  CAF_CHECK_EQUAL(code_of(err), ec::overloaded);
                  CAF_CHECK(is_retryable(code_of(err)));
                });
  drain();
  for (int i = 0; i < 3; ++i)
    self->receive([](ok_atom) {},
                  [](caf::error& err) { CAF_FAIL(describe(err)); });
}

CAF_TEST(a failed refresh keeps the last good bounds) {
  start();
  drain();
  CAF_CHECK(ask<ok_atom>(group, advance_atom::value, "p", t(2)));
  db->failure = make_error(ec::store_unavailable, "database is down");
  auto refreshed = ask<hlc_range>(group, refresh_atom::value);
  CAF_REQUIRE(!refreshed);
  CAF_CHECK_EQUAL(code_of(refreshed.error()), ec::store_unavailable);
  CAF_CHECK_EQUAL(bounds(), including(zero_time, t(2)));
  auto& st = state();
  CAF_CHECK_EQUAL(st.failed_refreshes, 1u);
  // A write during the outage fails with the store's error, nothing else.
  auto adv = ask<ok_atom>(group, advance_atom::value, "p", t(3));
  CAF_REQUIRE(!adv);
  CAF_CHECK_EQUAL(code_of(adv.error()), ec::store_unavailable);
  // The periodic refresh retries and catches up once the store is back.
  db->failure = caf::error{};
  CAF_CHECK(db->apply("g", {advance_op{"p", t(4)}}));
  sched.trigger_timeout();
  drain();
  CAF_CHECK_EQUAL(bounds(), including(zero_time, t(4)));
}

// Issue 11, defect 1: status named the partition with the least head (p2),
// not the one whose window ends at the proposed time under the group's
// lookahead.
CAF_TEST(status names the partitions whose windows hold the bounds back) {
  std::vector<operation> ops;
  for (int64_t n = 1; n <= 10; ++n)
    ops.emplace_back(advance_op{"p1", {n, 0}});
  ops.emplace_back(advance_op{"p2", {1, 0}});
  ops.emplace_back(advance_op{"p2", {9, 0}});
  CAF_REQUIRE(db->apply("g", ops));
  group_config config;
  config.lookahead = 2;
  start(config);
  auto st = ask<group_status>(group, status_atom::value);
  CAF_REQUIRE(st);
  CAF_CHECK_EQUAL(to_string(st->bounds), "[ 0.0000000000 -> 3.0000000001 )");
  CAF_CHECK_EQUAL(st->lookahead, 2);
  CAF_CHECK_EQUAL(st->holding_back, std::vector<std::string>{"p1"});
  CAF_REQUIRE_EQUAL(st->partitions.size(), 2u);
  CAF_CHECK_EQUAL(st->partitions[0].window,
                  (partition_window{zero_time, {3, 0}, true}));
  CAF_CHECK_EQUAL(st->partitions[1].window,
                  (partition_window{zero_time, {9, 0}, true}));
}

CAF_TEST(a store that does not answer fails requests as store_unavailable) {
  auto silent = sys.spawn(silent_worker);
  group_config config;
  config.refresh_interval = caf::timespan{0};
  group = sys.spawn(group_impl, std::string{"g"}, config, silent,
                    supervisor_control{}, std::vector<bounds_subscriber>{});
  drain();
  auto adv = self->request(group, caf::infinite, advance_atom::value,
                           std::string{"p"}, t(1));
  auto stat = self->request(group, caf::infinite, status_atom::value);
  drain();
  // The store calls' timeouts, not CAF's request_timeout: clients read that
  // as a lost node, and retrying here is the right thing to do.
  sched.trigger_timeouts();
  drain();
  auto unavailable = [](caf::error& err) {
    CAF_CHECK_EQUAL(code_of(err), ec::store_unavailable);
    CAF_CHECK_NOT_EQUAL(describe(err).find("did not answer within 30000 ms"),
                        std::string::npos);
  };
  adv.receive([](ok_atom) { CAF_FAIL("the advance succeeded"); }, unavailable);
  stat.receive([](group_status&) { CAF_FAIL("the status succeeded"); },
               unavailable);
  self->send_exit(silent, caf::exit_reason::user_shutdown);
}

CAF_TEST(shutdown answers everything queued before the group exits) {
  start();
  drain();
  for (int i = 1; i <= 3; ++i)
    self->send(group, advance_atom::value, std::string{"p"}, t(i));
  self->send(group, shutdown_atom::value);
  self->send(group, advance_atom::value, std::string{"p"}, t(9));
  while (sched.prioritize(group) && sched.try_run_once())
    ; // nop
  drain();
  std::vector<ec> answers;
  for (int i = 0; i < 5; ++i)
    self->receive([&](ok_atom) { answers.push_back(ec::none); },
                  [&](caf::error& err) { answers.push_back(code_of(err)); });
  // The advance after the shutdown request is refused at once; the three
  // before it and the shutdown itself are answered once written.
  CAF_CHECK_EQUAL(answers, (std::vector<ec>{ec::shutting_down, ec::none,
                                            ec::none, ec::none, ec::none}));
  auto hist = db->history("g");
  CAF_REQUIRE(hist);
  CAF_CHECK_EQUAL(hist->size(), 3u);
  group = nullptr;
}

CAF_TEST(a tick from anyone but the group itself is ignored) {
  start();
  drain();
  auto before = db->bounds_calls;
  // A client holding the control handle cannot start another refresh chain.
  self->send(group, tick_atom::value);
  expect((tick_atom), from(self).to(group));
  drain();
  CAF_CHECK_EQUAL(db->bounds_calls, before);
  // The group's own timer (the first one due) still refreshes.
  CAF_REQUIRE(sched.trigger_timeout());
  expect((tick_atom), from(group).to(group));
  drain();
  CAF_CHECK_EQUAL(db->bounds_calls, before + 1);
}

CAF_TEST(a second shutdown request is answered too) {
  start();
  drain();
  self->send(group, advance_atom::value, std::string{"p"}, t(1));
  self->send(group, shutdown_atom::value);
  self->send(group, shutdown_atom::value);
  drain();
  // The advance and both shutdowns; a lost promise would leave two answers.
  size_t oks = 0;
  for (int i = 0; i < 3; ++i)
    self->receive([&](ok_atom) { ++oks; },
                  [](caf::error& err) { CAF_FAIL(describe(err)); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK_EQUAL(oks, 3u);
  group = nullptr;
}

CAF_TEST(a drained queue holds no memory after a burst) {
  start();
  drain();
  constexpr int n = 10;
  for (int i = 1; i <= n; ++i)
    self->send(group, advance_atom::value, std::string{"p"}, t(i));
  // The group takes all ten before the worker runs: one write, nine queued.
  while (sched.prioritize(group) && sched.try_run_once())
    ; // nop
  CAF_CHECK_EQUAL(state().queue.size(), static_cast<size_t>(n - 1));
  drain();
  CAF_CHECK_EQUAL(state().queue.capacity(), 0u);
  for (int i = 0; i < n; ++i)
    self->receive([](ok_atom) {},
                  [](caf::error& err) { CAF_FAIL(describe(err)); });
}

// SEMANTICS.md, "Lookahead example": the group's own limit, not 0, reaches
// the bounds computation.
CAF_TEST(a group with a lookahead limit publishes bounds that use it) {
  group_config config;
  config.lookahead = 4;
  start(config);
  drain();
  for (int64_t n = 1; n <= 10; ++n)
    CAF_CHECK(ask<ok_atom>(group, advance_atom::value, "p", hlc_time{n, 0}));
  CAF_CHECK_EQUAL(bounds(), including(zero_time, hlc_time{5, 0}));
  CAF_CHECK(ask<ok_atom>(group, commit_atom::value,
                         including(zero_time, hlc_time{1, 0})));
  CAF_CHECK_EQUAL(bounds(), including(hlc_time{1, 0}, hlc_time{5, 0}));
  CAF_CHECK(ask<ok_atom>(group, commit_atom::value,
                         including(zero_time, hlc_time{2, 0})));
  CAF_CHECK_EQUAL(bounds(), including(hlc_time{2, 0}, hlc_time{6, 0}));
  CAF_CHECK(ask<ok_atom>(group, commit_atom::value,
                         including(zero_time, hlc_time{10, 0})));
  CAF_CHECK_EQUAL(bounds(), including(hlc_time{10, 0}, hlc_time{10, 0}));
}

CAF_TEST_FIXTURE_SCOPE_END()

#define CAF_SUITE group_metrics

#include <checkpoint/tests/actor_fixture.hpp>

#include <algorithm>
#include <chrono>

#include <checkpoint/actors/log.hpp>
#include <checkpoint/actors/metrics.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

// A time of whole seconds, so that rendered values are exact.
hlc_time secs(int64_t s) {
  return {s * 1'000'000'000, 0};
}

struct fixture : actor_fixture {
  metrics_registry registry;
  group_actor group;

  fixture() {
    group_config cfg;
    cfg.metrics = &registry;
    group = sys.spawn(group_impl, std::string{"g"}, cfg, worker,
                      supervisor_control{}, std::vector<bounds_subscriber>{});
    drain();
  }

  ~fixture() override {
    self->send_exit(group, caf::exit_reason::user_shutdown);
  }

  // The rendered metrics at `now` after the epoch.
  std::string scrape(std::chrono::nanoseconds now = {}) {
    return registry.render(std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(now)});
  }

  bool scraped(const std::string& line, std::chrono::nanoseconds now = {}) {
    auto text = scrape(now);
    if (text.find(line + '\n') != std::string::npos)
      return true;
    CAF_MESSAGE("no line '" << line << "' in:\n" << text);
    return false;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(group_metrics_tests, fixture)

CAF_TEST(a group counts its requests batches and going - backwards errors) {
  self->send(group, advance_atom::value, std::string{"p"}, secs(5));
  self->send(group, advance_atom::value, std::string{"p"}, secs(3));
  self->send(group, commit_atom::value, including(zero_time, secs(1)));
  // All three reach the group before the worker runs: one batch of one,
  // then one of two.
  while (sched.prioritize(group) && sched.try_run_once())
    ; // nop
  drain();
  CAF_CHECK_EQUAL(db->batches, (std::vector<size_t>{1, 2}));
  CAF_CHECK(
    scraped(R"(checkpoint_advance_duration_seconds_count{group="g"} 2)"));
  CAF_CHECK(
    scraped(R"(checkpoint_commit_duration_seconds_count{group="g"} 1)"));
  CAF_CHECK(scraped(R"(checkpoint_batch_size_count{group="g"} 2)"));
  CAF_CHECK(scraped(R"(checkpoint_batch_size_sum{group="g"} 3)"));
  CAF_CHECK(scraped(R"(checkpoint_batch_size_bucket{group="g",le="1"} 1)"));
  CAF_CHECK(scraped(R"(checkpoint_batch_size_bucket{group="g",le="2"} 2)"));
  CAF_CHECK(
    scraped(R"(checkpoint_proposed_going_backwards_errors{group="g"} 1)"));
  // Every request was answered, and each answer was timed once.
  for (int i = 0; i < 3; ++i)
    self->receive([](ok_atom) {}, [](caf::error&) {});
  CAF_CHECK_EQUAL(registry.group("g").going_backwards.load(), 1u);
}

CAF_TEST(a group counts its far future errors) {
  db->limit_future({std::chrono::seconds{1},
                    [] { return caf::timestamp{std::chrono::seconds{5}}; }});
  CAF_CHECK(scraped(R"(checkpoint_far_future_errors{group="g"} 0)"));
  self->send(group, advance_atom::value, std::string{"p"}, secs(6));
  self->send(group, advance_atom::value, std::string{"p"}, secs(7));
  drain();
  for (int i = 0; i < 2; ++i)
    self->receive([](ok_atom) {}, [](caf::error&) {});
  CAF_CHECK(scraped(R"(checkpoint_far_future_errors{group="g"} 1)"));
  CAF_CHECK(
    scraped(R"(checkpoint_proposed_going_backwards_errors{group="g"} 0)"));
}

CAF_TEST(the time gauges follow the published bounds after a refresh) {
  auto first = ask<ok_atom>(group, advance_atom::value, std::string{"p"},
                            secs(7));
  CAF_REQUIRE(first);
  auto before = ask<hlc_range>(group, bounds_atom::value);
  CAF_REQUIRE(before);
  CAF_CHECK_EQUAL(registry.group("g").proposed_nanos.load(), before->max.nanos);
  // A write by another process shows only after a refresh: partition q
  // holds the proposed time back to 4 s.
  auto other = db->apply("g", {advance_op{"q", secs(4)}});
  CAF_REQUIRE(other);
  CAF_CHECK_EQUAL(registry.group("g").proposed_nanos.load(), before->max.nanos);
  auto after = ask<hlc_range>(group, refresh_atom::value);
  CAF_REQUIRE(after);
  CAF_CHECK_EQUAL(after->max.nanos, secs(4).nanos);
  CAF_CHECK(scraped(R"(checkpoint_proposed_time_seconds{group="g"} 4)"));
  CAF_CHECK(scraped(R"(checkpoint_committed_time_seconds{group="g"} 0)"));
  // The ages are computed when scraped.
  using std::chrono::seconds;
  CAF_CHECK(
    scraped(R"(checkpoint_proposed_age_seconds{group="g"} 6)", seconds(10)));
  CAF_CHECK(
    scraped(R"(checkpoint_committed_age_seconds{group="g"} 10)", seconds(10)));
  CAF_CHECK(
    scraped(R"(checkpoint_refresh_duration_seconds_count{group="g"} 3)"));
}

// A label value is the name's printable form, escaped as Prometheus says
// (the scrape unescapes it back to the printable form).
CAF_TEST(group names are escaped in labels) {
  registry.group("a\"b\\c").going_backwards = 2;
  registry.group("r\r\x1b[31m\n\x7f").going_backwards = 3;
  CAF_CHECK(scraped(
    R"(checkpoint_proposed_going_backwards_errors{group="a\"b\\\\c"} 2)"));
  CAF_CHECK(scraped(R"(checkpoint_proposed_going_backwards_errors{)"
                    R"(group="r\\r\\x1b[31m\\n\\x7f"} 3)"));
  auto page = scrape();
  CAF_CHECK(std::none_of(page.begin(), page.end(), [](unsigned char c) {
    return (c < 0x20 && c != '\n') || c == 0x7f;
  }));
}

// A value is the printable form, quoted when it would break key=value.
CAF_TEST(names in log lines are quoted when they would break key = value) {
  CAF_CHECK_EQUAL(logfmt("orders"), "orders");
  CAF_CHECK_EQUAL(logfmt("Zürich"), "Zürich");
  CAF_CHECK_EQUAL(logfmt(""), R"("")");
  CAF_CHECK_EQUAL(logfmt("a b"), R"("a b")");
  CAF_CHECK_EQUAL(logfmt("k=v"), R"("k=v")");
  CAF_CHECK_EQUAL(logfmt("a\"b\\c"), R"("a\"b\\\\c")");
  CAF_CHECK_EQUAL(logfmt("x\ny"), R"("x\\ny")");
  CAF_CHECK_EQUAL(logfmt("\r\x1b[31mred"), R"("\\r\\x1b[31mred")");
  CAF_CHECK_EQUAL(logfmt("\x7f\xff"), R"("\\x7f\\xff")");
}

CAF_TEST_FIXTURE_SCOPE_END()

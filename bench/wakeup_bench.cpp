// Wake-up latency across nodes on real PostgreSQL: two actor systems in one
// process, each a node of its own (supervisor, store workers, notification
// listener), sharing one database. An Advance goes through node A while a
// subscriber on node B waits for the bounds that include it. The periodic
// refresh is an hour away, so only the notification can carry the change.
//
//   wakeup_bench [--pg-dsn DSN] [--count N] [--seconds S]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <fmt/format.h>

#include <checkpoint/actors/listener.hpp>
#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/bench/harness.hpp>
#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/register.hpp>
#include <checkpoint/storage/postgres_store.hpp>

namespace checkpoint::bench {

namespace {

using namespace std::chrono_literals;

// Timestamps start here (2023-11) so that they look like real HLC times.
constexpr int64_t base_nanos = 1'700'000'000'000'000'000;

// The longest wait for one request or one wake-up.
constexpr auto wait_timeout = 10s;

// Advances before the measured ones: connections and plans warm up.
constexpr int warmup = 20;

struct options {
  std::string dsn;
  int count = 1000;
  double seconds = 60;
};

struct node_config : caf::actor_system_config {
  node_config() {
    register_message_types(*this);
  }
};

/// One node as checkpointd runs it, with its own store connections.
class node {
public:
  node(postgres_options opts, size_t workers) {
    opts.own_backends = std::make_shared<backend_pids>();
    auto open = [opts]() -> caf::expected<std::shared_ptr<store>> {
      auto db = postgres_store::open(opts);
      if (!db)
        return std::move(db.error());
      return std::shared_ptr<store>{std::move(*db)};
    };
    pool_ = spawn_store_pool(sys_, workers, open);
    supervisor_config cfg;
    cfg.groups.refresh_interval = 1h;
    cfg.groups.max_refresh_interval = 1h;
    sup_ = sys_.spawn(supervisor_impl, cfg, pool_);
    listener_ = spawn_listener(sys_, opts, sup_);
  }

  ~node() {
    caf::scoped_actor self{sys_};
    self->send_exit(listener_, caf::exit_reason::user_shutdown);
    self->request(sup_, wait_timeout, shutdown_atom::value)
      .receive([](ok_atom) {}, [](const caf::error&) {});
    self->send_exit(pool_, caf::exit_reason::user_shutdown);
  }

  caf::actor_system& sys() {
    return sys_;
  }

  /// Starts (or finds) a group on this node.
  group_actor start(caf::scoped_actor& self, const std::string& name) {
    caf::expected<group_actor> result{caf::sec::request_timeout};
    self
      ->request(sup_, wait_timeout, start_atom::value,
                table_group{name, {}, {}}, group_options{})
      .receive([&](group_actor& g) { result = std::move(g); },
               [&](caf::error& err) { result = std::move(err); });
    return take(std::move(result), "start the group");
  }

private:
  node_config cfg_;
  caf::actor_system sys_{cfg_};
  store_worker pool_;
  supervisor_control sup_;
  listener_actor listener_;
};

// Waits for the bounds on `b` to include `ts`; false on a timeout.
bool await_bounds(caf::scoped_actor& b, hlc_time ts) {
  auto seen = false;
  auto timed_out = false;
  while (!seen && !timed_out)
    b->receive([&](const bounds_update& x) { seen = ts < x.bounds.max; },
               caf::after(wait_timeout) >> [&] { timed_out = true; });
  return seen;
}

int run(const options& opts) {
  fmt::print("wakeup_bench: {}\n", describe_machine(opts.dsn));
  throwaway_schema schema{opts.dsn};
  postgres_options pg{opts.dsn, schema.name()};
  check(take(postgres_store::open(pg), "open PostgreSQL")->migrate(),
        "migrate");
  node a_node{pg, 2};
  node b_node{pg, 2};
  caf::scoped_actor a{a_node.sys()};
  caf::scoped_actor b{b_node.sys()};
  auto group_a = a_node.start(a, "wakeup");
  auto group_b = b_node.start(b, "wakeup");
  auto subscriber = caf::actor_cast<bounds_subscriber>(b);
  b->request(group_b, wait_timeout, subscribe_atom::value, subscriber)
    .receive([](ok_atom) {},
             [](const caf::error& err) { check(err, "subscribe"); });
  std::vector<int64_t> sent_to_seen;
  std::vector<int64_t> acked_to_seen;
  std::vector<int64_t> sent_to_acked;
  auto start = bench_clock::now();
  auto more = [&](int i) {
    return i < warmup + opts.count && seconds_since(start) < opts.seconds;
  };
  for (int i = 0; more(i); ++i) {
    hlc_time ts{base_nanos + i, 0};
    auto sent = bench_clock::now();
    a->request(group_a, wait_timeout, advance_atom::value, std::string{"p"}, ts)
      .receive([](ok_atom) {},
               [](const caf::error& err) { check(err, "advance"); });
    auto acked = bench_clock::now();
    if (!await_bounds(b, ts))
      throw bench_failure{fmt::format("node B never saw advance {}", i)};
    auto seen = bench_clock::now();
    if (i < warmup)
      continue;
    sent_to_seen.push_back(nanos_between(sent, seen));
    acked_to_seen.push_back(nanos_between(acked, seen));
    sent_to_acked.push_back(nanos_between(sent, acked));
  }
  b->request(group_b, wait_timeout, unsubscribe_atom::value, subscriber)
    .receive([](ok_atom) {}, [](const caf::error&) {});
  table out{{fmt::format("{} Advances, one at a time", sent_to_seen.size()),
             "p50 ms", "p99 ms"}};
  auto add = [&](const char* what, std::vector<int64_t> sample) {
    auto p = percentiles_of(std::move(sample));
    out.add({what, fixed(p.p50_ms, 3), fixed(p.p99_ms, 3)});
  };
  add("Advance sent to A -> acknowledged by A", sent_to_acked);
  add("Advance sent to A -> bounds seen on B", sent_to_seen);
  add("acknowledged by A -> bounds seen on B", acked_to_seen);
  out.print();
  return EXIT_SUCCESS;
}

} // namespace

} // namespace checkpoint::bench

int main(int argc, char** argv) {
  using namespace checkpoint::bench;
  options opts;
  CLI::App app{"Measures how soon an Advance through one node reaches a "
               "subscriber on another node (LISTEN/NOTIFY)."};
  add_pg_dsn_option(app, opts.dsn);
  app.add_option("--count", opts.count, "Measured Advances")
    ->check(CLI::Range(1, 1'000'000))
    ->capture_default_str();
  app.add_option("--seconds", opts.seconds, "Longest duration of the run")
    ->check(CLI::Range(0.1, 600.0))
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(opts);
  } catch (const bench_failure& e) {
    std::fprintf(stderr, "wakeup_bench: %s\n", e.what());
    return EXIT_FAILURE;
  }
}

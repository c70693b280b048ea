// Actor benchmark on real PostgreSQL.
//
// Default mode: Advance throughput of one group actor (group commit over a
// pool of store workers) with a subscriber measuring how soon acknowledged
// timestamps become the proposed time; then, in the same run, the baseline
// of one transaction per Advance from concurrent connections, and the ratio.
//
// `--scale N`: start N idle groups through the supervisor; report the start
// time, resident memory per group and the store calls of the idle groups.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/bench/harness.hpp>
#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/register.hpp>
#include <checkpoint/storage/postgres_store.hpp>
#include <checkpoint/tests/forwarding_store.hpp>

namespace checkpoint::bench {

namespace {

// Timestamps start here (2023-11) so that they look like real HLC times.
constexpr int64_t base_nanos = 1'700'000'000'000'000'000;

// How long any single request of the benchmark may take.
constexpr auto request_timeout = std::chrono::seconds(60);

// How long to wait for the last bounds change after the load stops.
constexpr auto settle_timeout = std::chrono::seconds(10);

struct options {
  std::string dsn;
  size_t pool = 4;
  double seconds = 10;
  size_t in_flight = 64;
  size_t partitions = 16;
  int64_t max_requests = 10'000'000;
  bool commit = false;
  size_t scale = 0;
  size_t scale_partitions = 4;
  double idle_seconds = 20;
  double sample_seconds = 5;
};

// -- plumbing -----------------------------------------------------------------

using run_atom = caf::atom_constant<caf::atom("run")>;

/// Runs one part of the benchmark and answers when it is over.
using runner_actor = caf::typed_actor<caf::replies_to<run_atom>::with<ok_atom>>;

/// Sends a request from a blocking actor and returns the answer, or throws.
template <class T, class Handle, class... Ts>
T ask(caf::scoped_actor& self, const Handle& dest, caf::timespan timeout,
      Ts&&... xs) {
  caf::expected<T> result{caf::make_error(caf::sec::request_timeout)};
  self->request(dest, timeout, std::forward<Ts>(xs)...)
    .receive([&](T x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return take(std::move(result), "request");
}

/// The store calls that the workers made, by kind, and the time that the
/// applies and bounds computations took inside the store.
struct store_calls {
  std::atomic<uint64_t> apply{0};
  std::atomic<uint64_t> bounds{0};
  std::atomic<uint64_t> other{0};
  std::atomic<int64_t> apply_ns{0};
  std::atomic<int64_t> bounds_ns{0};

  uint64_t total() const {
    return apply + bounds + other;
  }
};

/// The applies and bounds computations between two points in time.
struct store_work {
  uint64_t applies = 0;
  uint64_t bounds = 0;
  int64_t apply_ns = 0;
  int64_t bounds_ns = 0;

  /// Reads the counters now.
  static store_work of(const store_calls& calls) {
    return {calls.apply, calls.bounds, calls.apply_ns, calls.bounds_ns};
  }

  /// The work done since `before`.
  store_work since(const store_work& before) const {
    return {applies - before.applies, bounds - before.bounds,
            apply_ns - before.apply_ns, bounds_ns - before.bounds_ns};
  }
};

// Runs `f`, adding its duration to `total_ns`.
template <class F>
auto timed(std::atomic<int64_t>& total_ns, F f) {
  auto start = bench_clock::now();
  auto result = f();
  total_ns += nanos_between(start, bench_clock::now());
  return result;
}

/// Forwards every call to a real store and counts it.
class counting_store final : public test::forwarding_store {
public:
  counting_store(std::unique_ptr<store> inner,
                 std::shared_ptr<store_calls> calls)
    : forwarding_store(std::move(inner)), calls_(std::move(calls)) {
  }

  caf::expected<std::vector<std::string>> scan() override {
    ++calls_->other;
    return forwarding_store::scan();
  }

  caf::error ping() override {
    ++calls_->other;
    return forwarding_store::ping();
  }

protected:
  caf::expected<std::vector<caf::error>>
  do_apply(const std::string& group,
           const std::vector<operation>& ops) override {
    ++calls_->apply;
    return timed(calls_->apply_ns,
                 [&] { return forwarding_store::do_apply(group, ops); });
  }

  caf::expected<hlc_range> do_bounds(const std::string& group,
                                     int32_t lookahead) override {
    ++calls_->bounds;
    return timed(calls_->bounds_ns,
                 [&] { return forwarding_store::do_bounds(group, lookahead); });
  }

  caf::expected<std::vector<partition_status>>
  do_status(const std::string& group, int32_t lookahead) override {
    ++calls_->other;
    return forwarding_store::do_status(group, lookahead);
  }

  caf::expected<std::vector<checkpoint_row>>
  do_history(const std::string& group) override {
    ++calls_->other;
    return forwarding_store::do_history(group);
  }

private:
  std::shared_ptr<store_calls> calls_;
};

std::unique_ptr<store> open_postgres(const options& opts,
                                     const std::string& schema) {
  return take(postgres_store::open({opts.dsn, schema}), "open PostgreSQL");
}

struct node_config : caf::actor_system_config {
  node_config() {
    register_message_types(*this);
  }
};

/// A node as `checkpointd` would run it: a pool of detached store workers,
/// each with its own counted PostgreSQL connection, and a supervisor.
class bench_node {
public:
  bench_node(const options& opts, const std::string& schema,
             std::shared_ptr<store_calls> calls)
    : sys_(cfg_) {
    auto open = [dsn = opts.dsn, schema,
                 calls]() -> caf::expected<std::shared_ptr<store>> {
      auto db = postgres_store::open({dsn, schema});
      if (!db)
        return std::move(db.error());
      return std::make_shared<counting_store>(std::move(*db), calls);
    };
    pool_ = spawn_store_pool(sys_, opts.pool, open);
    supervisor_ = sys_.spawn(supervisor_impl, supervisor_config{}, pool_);
    // One scan per worker, all sent before any is answered, so that the
    // pool hands each to an idle worker: every worker opens its connection
    // now, outside of any measurement.
    caf::scoped_actor self{sys_};
    using scan_handle
      = decltype(self->request(pool_, request_timeout, scan_atom::value));
    std::vector<scan_handle> scans;
    for (size_t i = 0; i < opts.pool; ++i)
      scans.push_back(self->request(pool_, request_timeout, scan_atom::value));
    for (auto& scan : scans) {
      caf::expected<std::vector<std::string>> result{caf::sec::request_timeout};
      scan.receive(
        [&](std::vector<std::string>& xs) { result = std::move(xs); },
        [&](caf::error& err) { result = std::move(err); });
      take(std::move(result), "warm-up scan");
    }
  }

  bench_node(const bench_node&) = delete;

  bench_node& operator=(const bench_node&) = delete;

  ~bench_node() {
    caf::scoped_actor self{sys_};
    self->request(supervisor_, request_timeout, shutdown_atom::value)
      .receive([](ok_atom) {},
               [](caf::error& err) {
                 std::fprintf(stderr, "supervisor shutdown failed: %s\n",
                              describe(err).c_str());
               });
    self->send_exit(pool_, caf::exit_reason::user_shutdown);
  }

  caf::actor_system& system() {
    return sys_;
  }

  const supervisor_control& supervisor() const {
    return supervisor_;
  }

private:
  node_config cfg_;
  caf::actor_system sys_;
  store_worker pool_;
  supervisor_control supervisor_;
};

std::vector<std::string> partition_names(const char* prefix, size_t n) {
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i)
    names.push_back(fmt::format("{}{:02}", prefix, i));
  return names;
}

// -- (a) group actor throughput -----------------------------------------------

/// An acknowledged Advance: its sequence number (its timestamp is
/// `base_nanos + seq`) and when the driver received the ack.
struct ack {
  int64_t seq = 0;
  int64_t at_ns = 0;
};

/// What the load driver saw; written by the driver, read after it is done.
struct load_record {
  std::vector<int64_t> latency_ns;
  std::vector<ack> acks;
  int64_t start_ns = 0;
  uint64_t failures = 0;
  std::string first_failure;
  double seconds = 0;
};

/// A change of the proposed time and when the subscriber saw it.
struct notification {
  hlc_time proposed;
  int64_t at_ns = 0;
};

/// The subscriber's observations, in order of increasing proposed time.
struct notification_log {
  std::mutex mtx;
  std::vector<notification> seen;
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> failed_commits{0};
};

// Records every increase of the proposed time of `group`, and quits with
// the group. With `commit`, it also acts as an applier that applies
// instantly: it commits every range it is told about, which keeps the
// group's unapplied rows few.
bounds_subscriber::behavior_type
subscriber_impl(bounds_subscriber::pointer self, bench_clock::time_point origin,
                std::shared_ptr<notification_log> log, group_actor group,
                bool commit) {
  self->monitor(group);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  return {
    [self, origin, log, group, commit](const bounds_update& update) {
      auto at = nanos_between(origin, bench_clock::now());
      auto proposed = update.bounds.max_inclusive();
      {
        std::lock_guard<std::mutex> guard{log->mtx};
        if (log->seen.empty() || log->seen.back().proposed < proposed)
          log->seen.push_back({proposed, at});
      }
      if (!commit)
        return;
      ++log->commits;
      self->request(group, request_timeout, commit_atom::value, update.bounds)
        .then([](ok_atom) {}, [log](caf::error&) { ++log->failed_commits; });
    },
    [self](const group_stopped&) { self->quit(); },
  };
}

struct driver_state {
  static constexpr const char* name = "bench-driver";
  group_actor group;
  std::vector<std::string> partitions;
  bench_clock::time_point origin;
  bench_clock::time_point start;
  bench_clock::time_point deadline;
  int64_t next_seq = 0;
  int64_t max_requests = 0;
  size_t in_flight = 0;
  std::shared_ptr<load_record> record;
  caf::optional<caf::typed_response_promise<ok_atom>> done;
};

using driver_ptr = runner_actor::stateful_pointer<driver_state>;

void answered(driver_ptr self);

// Sends the next Advance unless the run is over. A single sender keeps
// every partition's timestamps in order: CAF delivers one sender's messages
// to one receiver in order.
void send_next(driver_ptr self) {
  auto& st = self->state;
  if (bench_clock::now() >= st.deadline || st.next_seq >= st.max_requests)
    return;
  auto seq = st.next_seq++;
  ++st.in_flight;
  auto sent = bench_clock::now();
  self
    ->request(st.group, request_timeout, advance_atom::value,
              st.partitions[seq % st.partitions.size()],
              hlc_time{base_nanos + seq, 0})
    .then(
      [self, seq, sent](ok_atom) {
        auto now = bench_clock::now();
        auto& st = self->state;
        st.record->latency_ns.push_back(nanos_between(sent, now));
        st.record->acks.push_back({seq, nanos_between(st.origin, now)});
        answered(self);
      },
      [self](caf::error& err) {
        auto& rec = *self->state.record;
        if (rec.failures++ == 0)
          rec.first_failure = describe(err);
        answered(self);
      });
}

void answered(driver_ptr self) {
  auto& st = self->state;
  --st.in_flight;
  send_next(self);
  if (st.in_flight > 0)
    return;
  st.record->seconds = seconds_since(st.start);
  st.done->deliver(ok_atom::value);
  self->quit();
}

runner_actor::behavior_type
driver_impl(driver_ptr self, group_actor group,
            std::vector<std::string> partitions, bench_clock::time_point origin,
            const options& opts, std::shared_ptr<load_record> record) {
  auto& st = self->state;
  st.group = std::move(group);
  st.partitions = std::move(partitions);
  st.origin = origin;
  st.max_requests = opts.max_requests;
  st.record = std::move(record);
  auto duration = std::chrono::duration_cast<bench_clock::duration>(
    std::chrono::duration<double>(opts.seconds));
  auto in_flight = opts.in_flight;
  return {
    [self, duration, in_flight](run_atom) {
      auto& st = self->state;
      st.done = self->make_response_promise<ok_atom>();
      st.start = bench_clock::now();
      st.deadline = st.start + duration;
      st.record->start_ns = nanos_between(st.origin, st.start);
      for (size_t i = 0; i < in_flight; ++i)
        send_next(self);
      return *st.done;
    },
  };
}

struct run_result {
  int64_t acks = 0;
  double seconds = 0;
  percentiles ack_latency;
  uint64_t failures = 0;
  std::string first_failure;
  // Only for the group actor:
  percentiles notify_latency;
  size_t notified = 0;
  size_t not_notified = 0;
  size_t beyond_final = 0;
  uint64_t transactions = 0;
  store_work work;
  std::vector<int64_t> acks_per_second;
  uint64_t commits = 0;
  uint64_t failed_commits = 0;
};

// The greatest time that every partition reached: the last proposed time
// the group can publish once the load stops.
hlc_time final_proposed(const load_record& rec, size_t partitions) {
  std::vector<int64_t> head(partitions, -1);
  for (auto& a : rec.acks) {
    auto& h = head[a.seq % partitions];
    h = std::max(h, a.seq);
  }
  auto least = *std::min_element(head.begin(), head.end());
  return least < 0 ? zero_time : hlc_time{base_nanos + least, 0};
}

// Waits (bounded) until the subscriber saw `target`.
void settle(notification_log& log, hlc_time target) {
  auto start = bench_clock::now();
  while (bench_clock::now() - start < settle_timeout) {
    {
      std::lock_guard<std::mutex> guard{log.mtx};
      if (!log.seen.empty() && log.seen.back().proposed >= target)
        return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// For every acknowledged Advance up to `final`: the time from its ack to the
// first notification whose proposed time reached its timestamp.
void match_notifications(const load_record& rec, notification_log& log,
                         hlc_time final, run_result& out) {
  std::lock_guard<std::mutex> guard{log.mtx};
  std::vector<int64_t> latencies;
  for (auto& a : rec.acks) {
    hlc_time ts{base_nanos + a.seq, 0};
    if (ts > final) {
      ++out.beyond_final;
      continue;
    }
    auto i = std::lower_bound(log.seen.begin(), log.seen.end(), ts,
                              [](const notification& n, hlc_time t) {
                                return n.proposed < t;
                              });
    if (i == log.seen.end()) {
      ++out.not_notified;
      continue;
    }
    latencies.push_back(i->at_ns - a.at_ns);
  }
  out.notified = latencies.size();
  out.notify_latency = percentiles_of(std::move(latencies));
}

run_result run_group_actor(const options& opts, const std::string& schema) {
  auto calls = std::make_shared<store_calls>();
  bench_node node{opts, schema, calls};
  caf::scoped_actor self{node.system()};
  auto partitions = partition_names("p", opts.partitions);
  auto group = ask<group_actor>(self, node.supervisor(), request_timeout,
                                start_atom::value,
                                table_group{"actor_bench", "public", {}},
                                group_options{});
  ask<ok_atom>(self, group, request_timeout, ensure_atom::value, partitions);
  auto origin = bench_clock::now();
  auto log = std::make_shared<notification_log>();
  auto sub = node.system().spawn(subscriber_impl, origin, log, group,
                                 opts.commit);
  ask<ok_atom>(self, group, request_timeout, subscribe_atom::value, sub);
  auto record = std::make_shared<load_record>();
  auto driver = node.system().spawn(driver_impl, group, partitions, origin,
                                    opts, record);
  auto work_before = store_work::of(*calls);
  ask<ok_atom>(self, driver,
               std::chrono::duration_cast<caf::timespan>(
                 std::chrono::duration<double>(opts.seconds))
                 + request_timeout,
               run_atom::value);
  run_result out;
  out.work = store_work::of(*calls).since(work_before);
  out.transactions = out.work.applies;
  auto final = final_proposed(*record, opts.partitions);
  settle(*log, final);
  out.commits = log->commits;
  out.failed_commits = log->failed_commits;
  out.acks = static_cast<int64_t>(record->acks.size());
  out.seconds = record->seconds;
  out.ack_latency = percentiles_of(record->latency_ns);
  out.failures = record->failures;
  out.first_failure = record->first_failure;
  match_notifications(*record, *log, final, out);
  for (auto& a : record->acks) {
    auto second
      = static_cast<size_t>((a.at_ns - record->start_ns) / 1'000'000'000);
    if (second >= out.acks_per_second.size())
      out.acks_per_second.resize(second + 1);
    ++out.acks_per_second[second];
  }
  return out;
}

// -- (b) baseline: one transaction per Advance --------------------------------

struct requester_record {
  std::vector<int64_t> latency_ns;
  uint64_t failures = 0;
  std::string first_failure;
};

run_result run_baseline(const options& opts, const std::string& schema) {
  // Every requester owns a partition, so none waits for another's lock and
  // none is rejected: the best case for this baseline.
  auto partitions = partition_names("r", opts.in_flight);
  std::vector<std::unique_ptr<store>> stores;
  for (size_t i = 0; i < opts.in_flight; ++i)
    stores.push_back(open_postgres(opts, schema));
  std::vector<requester_record> records(opts.in_flight);
  auto per_requester = std::max<int64_t>(
    opts.max_requests / static_cast<int64_t>(opts.in_flight), 1);
  auto start = bench_clock::now();
  auto deadline = start
                  + std::chrono::duration_cast<bench_clock::duration>(
                    std::chrono::duration<double>(opts.seconds));
  std::vector<std::thread> threads;
  for (size_t k = 0; k < opts.in_flight; ++k)
    threads.emplace_back([&, k] {
      auto& rec = records[k];
      for (int64_t n = 0; n < per_requester && bench_clock::now() < deadline;
           ++n) {
        std::vector<operation> ops{
          advance_op{partitions[k], hlc_time{base_nanos + n, 0}}};
        auto before = bench_clock::now();
        auto results = stores[k]->apply("baseline", ops);
        caf::error err = results ? std::move(results->front())
                                 : std::move(results.error());
        if (err) {
          if (rec.failures++ == 0)
            rec.first_failure = describe(err);
          continue;
        }
        rec.latency_ns.push_back(nanos_between(before, bench_clock::now()));
      }
    });
  for (auto& t : threads)
    t.join();
  run_result out;
  out.seconds = seconds_since(start);
  std::vector<int64_t> latencies;
  for (auto& rec : records) {
    latencies.insert(latencies.end(), rec.latency_ns.begin(),
                     rec.latency_ns.end());
    out.failures += rec.failures;
    if (out.first_failure.empty())
      out.first_failure = rec.first_failure;
  }
  out.acks = static_cast<int64_t>(latencies.size());
  out.transactions = static_cast<uint64_t>(out.acks) + out.failures;
  out.ack_latency = percentiles_of(std::move(latencies));
  return out;
}

void run_throughput(const options& opts, const std::string& schema) {
  fmt::print("\nOne group, {} partitions, {} requests in flight, {} s; "
             "store pool of {} detached workers; {}\n",
             opts.partitions, opts.in_flight, opts.seconds, opts.pool,
             opts.commit ? "the subscriber commits every published range"
                         : "nothing is committed");
  auto actor = run_group_actor(opts, schema);
  auto base = run_baseline(opts, schema);
  auto rate = [](const run_result& r) { return r.acks / r.seconds; };
  table out{{"", "acked", "seconds", "advances/s", "ack p50 ms", "ack p99 ms",
             "notify p50 ms", "notify p99 ms", "transactions", "advances/tx",
             "failed"}};
  auto row = [&](std::string label, const run_result& r, bool notify) {
    out.add({std::move(label), std::to_string(r.acks), fixed(r.seconds, 2),
             fixed(rate(r), 0), fixed(r.ack_latency.p50_ms, 2),
             fixed(r.ack_latency.p99_ms, 2),
             notify ? fixed(r.notify_latency.p50_ms, 2) : "-",
             notify ? fixed(r.notify_latency.p99_ms, 2) : "-",
             std::to_string(r.transactions),
             fixed(r.transactions ? double(r.acks) / r.transactions : 0, 1),
             std::to_string(r.failures)});
  };
  row(fmt::format("group actor (pool {})", opts.pool), actor, true);
  row(fmt::format("baseline ({} connections, {} partitions)", opts.in_flight,
                  opts.in_flight),
      base, false);
  out.add({"group actor / baseline", "", "", ratio(rate(actor), rate(base)),
           ratio(actor.ack_latency.p50_ms, base.ack_latency.p50_ms),
           ratio(actor.ack_latency.p99_ms, base.ack_latency.p99_ms)});
  std::puts("");
  out.print();
  auto mean_ms = [](int64_t ns, uint64_t n) {
    return fixed(n ? ns / 1e6 / n : 0, 3);
  };
  fmt::print("\nGroup actor, inside the store: {} applies, {} ms each on "
             "average; {} bounds computations, {} ms each on average.\n"
             "Notification latency over {} acks ({} acked above the final "
             "proposed time, {} never notified).\n",
             actor.work.applies,
             mean_ms(actor.work.apply_ns, actor.work.applies),
             actor.work.bounds,
             mean_ms(actor.work.bounds_ns, actor.work.bounds), actor.notified,
             actor.beyond_final, actor.not_notified);
  if (opts.commit)
    fmt::print("The subscriber committed {} ranges ({} failed).\n",
               actor.commits, actor.failed_commits);
  fmt::print("Group actor, advances acknowledged in each second of the load "
             "(the last is the drain after the deadline): {}\n",
             fmt::join(actor.acks_per_second, " "));
  for (auto* r : {&actor, &base})
    if (r->failures > 0)
      fmt::print("First failure: {}\n", r->first_failure);
}

// -- (c) many idle groups -----------------------------------------------------

/// When the groups were started and had their first bounds.
struct start_record {
  double started_seconds = 0;
  double bounded_seconds = 0;
  uint64_t failures = 0;
  std::string first_failure;
};

struct starter_state {
  static constexpr const char* name = "bench-starter";
  size_t started = 0;
  size_t answered = 0;
  bench_clock::time_point start;
  std::shared_ptr<start_record> record;
  caf::typed_response_promise<ok_atom> done;
};

using starter_ptr = runner_actor::stateful_pointer<starter_state>;

void start_answered(starter_ptr self, size_t total) {
  auto& st = self->state;
  if (++st.answered < total)
    return;
  st.record->bounded_seconds = seconds_since(st.start);
  st.done.deliver(ok_atom::value);
  self->quit();
}

void start_failed(starter_ptr self, size_t total, const caf::error& err) {
  auto& rec = *self->state.record;
  if (rec.failures++ == 0)
    rec.first_failure = describe(err);
  start_answered(self, total);
}

// Starts every group through the supervisor at once; a group counts as
// started when it answers its first bounds request, which it does only
// after its first bounds computation.
runner_actor::behavior_type starter_impl(starter_ptr self,
                                         supervisor_actor supervisor,
                                         std::vector<std::string> groups,
                                         std::shared_ptr<start_record> record) {
  self->state.record = std::move(record);
  return {
    [self, supervisor, groups](run_atom) {
      auto& st = self->state;
      st.start = bench_clock::now();
      st.done = self->make_response_promise<ok_atom>();
      auto total = groups.size();
      for (auto& name : groups)
        self
          ->request(supervisor, request_timeout, start_atom::value,
                    table_group{name, "public", {}}, group_options{})
          .then(
            [self, total](group_actor group) {
              auto& st = self->state;
              if (++st.started == total)
                st.record->started_seconds = seconds_since(st.start);
              self->request(group, request_timeout, bounds_atom::value)
                .then([self, total](hlc_range) { start_answered(self, total); },
                      [self, total](caf::error& err) {
                        start_failed(self, total, err);
                      });
            },
            [self, total](caf::error& err) { start_failed(self, total, err); });
      return st.done;
    },
  };
}

// The process's resident memory in bytes.
int64_t resident_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

void run_scale(const options& opts, const std::string& schema) {
  fmt::print("\n{} groups of {} partitions, started through the supervisor "
             "on one node; store pool of {} detached workers\n\n",
             opts.scale, opts.scale_partitions, opts.pool);
  std::vector<std::string> groups;
  for (size_t i = 0; i < opts.scale; ++i)
    groups.push_back(fmt::format("scale_{:06}", i));
  auto ensure_start = bench_clock::now();
  {
    auto db = open_postgres(opts, schema);
    std::vector<operation> ops{
      ensure_op{partition_names("p", opts.scale_partitions)}};
    for (auto& group : groups)
      for (auto& err : take(db->apply(group, ops), "ensure " + group))
        check(err, "ensure in " + group);
  }
  auto ensure_seconds = seconds_since(ensure_start);
  auto calls = std::make_shared<store_calls>();
  bench_node node{opts, schema, calls};
  caf::scoped_actor self{node.system()};
  auto rss_before = resident_bytes();
  auto record = std::make_shared<start_record>();
  auto starter = node.system().spawn(starter_impl, node.supervisor(), groups,
                                     record);
  ask<ok_atom>(self, starter, request_timeout * 10, run_atom::value);
  if (record->failures > 0)
    throw bench_failure{fmt::format("{} groups failed to start; first: {}",
                                    record->failures, record->first_failure)};
  auto rss_started = resident_bytes();
  auto calls_started = calls->total();
  auto work_started = store_work::of(*calls);
  auto idle_start = bench_clock::now();
  table timeline{{"idle window s", "store calls", "calls/s"}};
  double from = 0;
  auto calls_from = calls_started;
  while (from < opts.idle_seconds) {
    auto to = std::min(from + opts.sample_seconds, opts.idle_seconds);
    std::this_thread::sleep_until(
      idle_start
      + std::chrono::duration_cast<bench_clock::duration>(
        std::chrono::duration<double>(to)));
    auto now_calls = calls->total();
    timeline.add({fmt::format("{:.0f}-{:.0f}", from, to),
                  std::to_string(now_calls - calls_from),
                  fixed((now_calls - calls_from) / (to - from), 1)});
    from = to;
    calls_from = now_calls;
  }
  auto idle_seconds = seconds_since(idle_start);
  auto idle_calls = calls->total() - calls_started;
  auto idle_work = store_work::of(*calls).since(work_started);
  auto rss_idle = resident_bytes();
  auto n = static_cast<double>(opts.scale);
  table out{{"", "value"}};
  out.add({"ensure all groups through the store, s", fixed(ensure_seconds, 2)});
  out.add(
    {"start: all handles returned, s", fixed(record->started_seconds, 3)});
  out.add(
    {"start: all first bounds computed, s", fixed(record->bounded_seconds, 3)});
  out.add({"RSS before start, MiB", fixed(rss_before / 1048576.0, 1)});
  out.add({"RSS after start, MiB", fixed(rss_started / 1048576.0, 1)});
  out.add({"RSS after idle window, MiB", fixed(rss_idle / 1048576.0, 1)});
  out.add({"RSS per group after start, KB",
           fixed((rss_started - rss_before) / n / 1000, 2)});
  out.add({"RSS per group after idle window, KB",
           fixed((rss_idle - rss_before) / n / 1000, 2)});
  out.add({fmt::format("store calls while idle ({:.1f} s)", idle_seconds),
           std::to_string(idle_calls)});
  out.add({"store calls/s while idle", fixed(idle_calls / idle_seconds, 1)});
  out.add(
    {"store calls/s per idle group", fixed(idle_calls / idle_seconds / n, 4)});
  out.add(
    {"bounds computation inside the store, mean ms",
     fixed(idle_work.bounds ? idle_work.bounds_ns / 1e6 / idle_work.bounds : 0,
           3)});
  out.print();
  std::puts("");
  timeline.print();
}

int run(const options& opts) {
  fmt::print("actor_bench: {}\n", describe_machine(opts.dsn));
  throwaway_schema schema{opts.dsn};
  check(open_postgres(opts, schema.name())->migrate(), "migrate");
  if (opts.scale > 0)
    run_scale(opts, schema.name());
  else
    run_throughput(opts, schema.name());
  return EXIT_SUCCESS;
}

} // namespace

} // namespace checkpoint::bench

int main(int argc, char** argv) {
  using namespace checkpoint::bench;
  options opts;
  CLI::App app{"Benchmarks the actor layer on PostgreSQL: group commit "
               "against one transaction per Advance, or many idle groups "
               "(--scale)."};
  add_pg_dsn_option(app, opts.dsn);
  app.add_option("--pool", opts.pool, "Store workers (connections)")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  app.add_option("--seconds", opts.seconds, "Duration of each load")
    ->check(CLI::Range(0.1, 600.0))
    ->capture_default_str();
  app
    .add_option("--in-flight", opts.in_flight,
                "Requests in flight (baseline: connections)")
    ->check(CLI::Range(1, 200))
    ->capture_default_str();
  app.add_option("--partitions", opts.partitions, "Partitions of the group")
    ->check(CLI::Range(1, 1000))
    ->capture_default_str();
  app.add_option("--max-requests", opts.max_requests, "Most Advances per load")
    ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))
    ->capture_default_str();
  app.add_flag("--commit", opts.commit,
               "The subscriber commits every published range (an applier)");
  app
    .add_option("--scale", opts.scale,
                "Instead: start this many idle groups (e.g. 10000)")
    ->check(CLI::Range(1, 1'000'000));
  app
    .add_option("--scale-partitions", opts.scale_partitions,
                "Partitions of each idle group")
    ->check(CLI::Range(1, 100))
    ->capture_default_str();
  app
    .add_option("--idle-seconds", opts.idle_seconds,
                "How long the idle groups are watched")
    ->check(CLI::Range(1.0, 3600.0))
    ->capture_default_str();
  app
    .add_option("--sample-seconds", opts.sample_seconds,
                "Length of each window of the idle timeline")
    ->check(CLI::Range(0.5, 600.0))
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(opts);
  } catch (const bench_failure& ex) {
    std::fprintf(stderr, "actor_bench failed: %s\n", ex.what());
    return EXIT_FAILURE;
  }
}

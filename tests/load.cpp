// checkpoint-load: the load driver and checker of the fault tests (crash,
// database outage, peers, overload), itself a CAF client node.
//
//   checkpoint-load run --node HOST:PORT --group G --acks FILE
//                       [--requesters 64] [--partitions 16] [--in-flight 1]
//                       [--count N] [--seconds S] [--bounds-log FILE]
//                       [--timeout S]
//   checkpoint-load check --dsn DSN --schema S --group G --acks FILE
//                         [--node HOST:PORT [--settle S]] [--timeout S]
//
// `run`: requesters advance the partitions of one group through the node,
// each keeping `--in-flight` Advances outstanding, and append every
// acknowledged one to FILE at once (`PARTITION TS MILLIS`, MILLIS the wall
// clock of the answer); an applier subscribes to the group and commits each
// new bounds, and polls the published bounds every 100 ms. Every bounds
// seen goes to the bounds log (`MILLIS MIN MAX`). It stops after `--count`
// Advances, `--seconds`, or when the node is lost, and prints one line of
// counts. Errors are counted, not fatal: exit status 0 unless the node
// could not be reached at all (3), refused to start the group (1) or the
// arguments are wrong (2).
//
// `check`: reads FILE (any number of runs) and the group's rows straight from
// the PostgreSQL store, and checks that every acknowledged Advance is
// stored, that each partition's rows were written in timestamp order, and,
// with `--node`, that the node's published bounds equal the store's own
// computation (at once, or within `--settle` seconds for a node that has
// just written). Prints one line of counts; exit status 0 when all hold, 1
// when one does not (or the node refused the group), 2 for wrong arguments,
// 3 when the store or the node cannot be reached.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/apps/node_client.hpp>
#include <checkpoint/apps/stop_signals.hpp>
#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/hlc.hpp>
#include <checkpoint/storage/postgres_store.hpp>

namespace checkpoint {
namespace {

using namespace std::chrono_literals;
using wall_clock = std::chrono::system_clock;

/// `check` found a lost, backwards or mismatched checkpoint. The other
/// statuses are the clients' (`client_exit`).
constexpr int exit_failed = 1;

/// What the command line asks for.
struct command_line {
  std::string command;
  std::string node;
  node_address address;
  std::string group = "load";
  std::string acks;
  std::string bounds_log;
  int requesters = 64;
  int partitions = 16;
  int in_flight = 1;
  int64_t count = 1'000'000;
  double seconds = 10;
  double settle = 0;
  caf::timespan timeout = 5s;
  std::string dsn;
  std::string schema;
};

caf::optional<int> parse(int argc, char** argv, command_line& cl) {
  CLI::App app{"Load driver and checker of the fault tests", "checkpoint-load"};
  app.require_subcommand(1);
  double timeout = 5;
  auto run = app.add_subcommand("run", "advance and commit under load");
  run->add_option("--node", cl.node, "HOST:PORT of the node")->required();
  run->add_option("--group", cl.group, "the group")->capture_default_str();
  run->add_option("--acks", cl.acks, "file to append acknowledged Advances to")
    ->required();
  run->add_option("--bounds-log", cl.bounds_log,
                  "file to append every bounds seen to");
  run->add_option("--requesters", cl.requesters, "concurrent requesters")
    ->check(CLI::Range(1, 1024))
    ->capture_default_str();
  run->add_option("--partitions", cl.partitions, "partitions advanced")
    ->check(CLI::Range(1, 1024))
    ->capture_default_str();
  run
    ->add_option("--in-flight", cl.in_flight,
                 "Advances each requester keeps outstanding")
    ->check(CLI::Range(1, 1024))
    ->capture_default_str();
  run->add_option("--count", cl.count, "Advances to send at most")
    ->check(CLI::PositiveNumber)
    ->capture_default_str();
  run->add_option("--seconds", cl.seconds, "how long to run at most")
    ->check(CLI::PositiveNumber)
    ->capture_default_str();
  run->add_option("--timeout", timeout, "seconds for connecting and requests")
    ->capture_default_str();
  auto check = app.add_subcommand("check", "check the store against the acks");
  check->add_option("--dsn", cl.dsn, "PostgreSQL connection string")
    ->required();
  check->add_option("--schema", cl.schema, "the store's schema")->required();
  check->add_option("--group", cl.group, "the group")->capture_default_str();
  check->add_option("--acks", cl.acks, "file of acknowledged Advances")
    ->required();
  check->add_option("--node", cl.node,
                    "HOST:PORT of a node whose bounds must match the store");
  check
    ->add_option("--settle", cl.settle,
                 "seconds the node's bounds may take to match (0: must "
                 "match at once)")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  check->add_option("--timeout", timeout, "seconds for connecting and requests")
    ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto status = app.exit(e);
    return status == 0 ? 0 : exit_usage;
  }
  cl.command = app.get_subcommands().front()->get_name();
  auto usage = [](const caf::error& err) {
    std::cerr << "checkpoint-load: " << describe(err) << std::endl;
    return exit_usage;
  };
  // The check that the clients make: CLI11's lets NaN through.
  std::ostringstream text;
  text << timeout;
  auto span = seconds_option(timeout, text.str(), "--timeout");
  if (!span)
    return usage(span.error());
  cl.timeout = *span;
  if (!cl.node.empty()) {
    auto addr = parse_node_address(cl.node, "--node");
    if (!addr)
      return usage(addr.error());
    cl.address = std::move(*addr);
  }
  return caf::none;
}

int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           wall_clock::now().time_since_epoch())
    .count();
}

std::string partition_name(int i) {
  return "p" + std::to_string(i);
}

// -- shared counters ----------------------------------------------------------

/// An append-only file written with one write() per line: a line is in the
/// kernel as soon as it is recorded, whatever happens to this process later.
class line_log {
public:
  explicit line_log(const std::string& path) {
    if (!path.empty())
      fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                   0644);
  }

  ~line_log() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  line_log(const line_log&) = delete;
  line_log& operator=(const line_log&) = delete;

  /// Whether the file could be opened (or none was asked for).
  bool ok(const std::string& path) const {
    return path.empty() || fd_ >= 0;
  }

  /// Appends `line` and a newline (O_APPEND: lines of several threads never
  /// interleave).
  void append(std::string line) {
    if (fd_ < 0)
      return;
    line += '\n';
    for (size_t done = 0; done < line.size();) {
      auto n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return;
      done += static_cast<size_t>(n);
    }
  }

private:
  int fd_ = -1;
};

/// What the actors of a run share with the main thread.
struct run_shared {
  explicit run_shared(const command_line& cl)
    : acks(cl.acks), bounds(cl.bounds_log) {
    // nop
  }

  line_log acks;
  line_log bounds;

  /// Set when the run ends: requesters send no more.
  std::atomic<bool> stopping{false};

  /// Advances sent so far (all requesters).
  std::atomic<int64_t> sent{0};

  std::atomic<int64_t> acknowledged{0};
  std::atomic<int64_t> commits{0};

  std::mutex mtx;

  /// Failed requests by error name (`going_backwards`, `overloaded`, ...).
  std::map<std::string, int64_t> errors;

  /// Bounds seen: how many, and the anomalies among consecutive ones.
  int64_t bounds_seen = 0;
  int64_t bounds_empty = 0;
  int64_t proposed_backwards = 0;
  int64_t committed_backwards = 0;
  caf::optional<hlc_range> last_bounds;

  /// Counts a failed request; the first of each kind is shown on stderr.
  void failed(const caf::error& err) {
    auto code = code_of(err);
    // CAF's own errors (a lost node, a timeout) by their `sec` name.
    auto name = code != ec::none ? std::string{to_string(code)}
                : err.category() == caf::atom("system")
                  ? caf::to_string(static_cast<caf::sec>(err.code()))
                  : caf::to_string(err);
    std::lock_guard<std::mutex> guard{mtx};
    if (errors[name]++ == 0)
      std::cerr << "checkpoint-load: first " << name << ": " << describe(err)
                << std::endl;
  }

  /// Records bounds seen by subscription or poll.
  void seen(const hlc_range& b) {
    bounds.append(std::to_string(now_millis()) + ' ' + to_string(b.min) + ' '
                  + to_string(b.max));
    std::lock_guard<std::mutex> guard{mtx};
    ++bounds_seen;
    if (b.empty())
      ++bounds_empty;
    if (last_bounds) {
      if (b.max < last_bounds->max)
        ++proposed_backwards;
      if (b.min < last_bounds->min)
        ++committed_backwards;
    }
    last_bounds = b;
  }
};

using shared_ptr = std::shared_ptr<run_shared>;

// -- requesters ---------------------------------------------------------------

/// Advances one partition.
using requester_actor = caf::typed_actor<
  // Send the next Advance.
  caf::reacts_to<tick_atom>>;

struct requester_state {
  static constexpr const char* name = "load-requester";
  /// Advances outstanding.
  int in_flight = 0;
  /// The requester's next Advance is its `k`-th.
  int64_t k = 0;
};

/// Requester `index` advances partition `index % partitions` through
/// a sequence of its own, interleaved with the other requesters of that
/// partition: `base + k * share + index / partitions`. Requesters of one
/// partition race, so some Advances go backwards and are refused.
requester_actor::behavior_type
requester_impl(requester_actor::stateful_pointer<requester_state> self,
               shared_ptr sh, group_actor group, command_line cl, int index,
               int64_t base) {
  auto partition = partition_name(index % cl.partitions);
  auto share = (cl.requesters + cl.partitions - 1) / cl.partitions;
  auto offset = index / cl.partitions;
  for (int i = 0; i < cl.in_flight; ++i)
    self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      auto& st = self->state;
      if (sh->stopping || sh->sent.fetch_add(1) >= cl.count) {
        sh->stopping = true;
        if (st.in_flight == 0)
          self->quit();
        return;
      }
      hlc_time ts{base + st.k++ * share + offset, 0};
      ++st.in_flight;
      self->request(group, cl.timeout, advance_atom::value, partition, ts)
        .then(
          [=](ok_atom) {
            sh->acks.append(partition + ' ' + to_string(ts) + ' '
                            + std::to_string(now_millis()));
            ++sh->acknowledged;
            --self->state.in_flight;
            self->send(self, tick_atom::value);
          },
          [=](const caf::error& err) {
            sh->failed(err);
            --self->state.in_flight;
            // A refused Advance is normal here; anything else waits a
            // little, so that an outage is not a busy loop.
            if (err == ec::going_backwards)
              self->send(self, tick_atom::value);
            else
              self->delayed_send(self, 10ms, tick_atom::value);
          });
    },
  };
}

// -- the applier --------------------------------------------------------------

/// Commits the bounds it is told about and polls the published bounds.
using applier_actor = caf::typed_actor<
  // The group's bounds (it is a `bounds_subscriber`).
  caf::reacts_to<bounds_update>,
  // Poll the published bounds and commit what is new.
  caf::reacts_to<tick_atom>>;

struct applier_state {
  static constexpr const char* name = "load-applier";
  /// The latest bounds and the last committed ones.
  caf::optional<hlc_range> latest;
  caf::optional<hlc_range> committed;
  bool committing = false;
};

using applier_pointer = applier_actor::stateful_pointer<applier_state>;

void commit_latest(applier_pointer self, const shared_ptr& sh,
                   const group_actor& group, caf::timespan timeout) {
  auto& st = self->state;
  if (st.committing || !st.latest || st.latest == st.committed)
    return;
  st.committing = true;
  auto range = *st.latest;
  self->request(group, timeout, commit_atom::value, range)
    .then(
      [=](ok_atom) {
        ++sh->commits;
        self->state.committing = false;
        self->state.committed = range;
      },
      [=](const caf::error& err) {
        sh->failed(err);
        self->state.committing = false;
      });
}

applier_actor::behavior_type applier_impl(applier_pointer self, shared_ptr sh,
                                          group_actor group,
                                          caf::timespan timeout) {
  self->send(self, tick_atom::value);
  return {
    [=](const bounds_update& update) {
      sh->seen(update.bounds);
      self->state.latest = update.bounds;
      commit_latest(self, sh, group, timeout);
    },
    [=](tick_atom) {
      if (sh->stopping && !self->state.committing) {
        self->quit();
        return;
      }
      self->request(group, timeout, bounds_atom::value)
        .then([=](const hlc_range& b) { sh->seen(b); },
              [=](const caf::error& err) { sh->failed(err); });
      commit_latest(self, sh, group, timeout);
      self->delayed_send(self, 100ms, tick_atom::value);
    },
  };
}

// -- run ----------------------------------------------------------------------

/// The first Advance of this run: above every recorded head (a previous run
/// may have used later times than the wall clock now shows) and the clock.
int64_t first_time(caf::scoped_actor& self, const group_actor& group,
                   caf::timespan timeout) {
  auto base = std::chrono::duration_cast<std::chrono::nanoseconds>(
                wall_clock::now().time_since_epoch())
                .count();
  self->request(group, timeout, status_atom::value)
    .receive(
      [&](const group_status& st) {
        for (auto& p : st.partitions)
          base = std::max(base, p.head.nanos + 1);
      },
      [](const caf::error&) {});
  return base;
}

int run_load(caf::actor_system& sys, const command_line& cl) {
  auto sh = std::make_shared<run_shared>(cl);
  if (!sh->acks.ok(cl.acks) || !sh->bounds.ok(cl.bounds_log)) {
    std::cerr << "checkpoint-load: cannot open " << cl.acks << " or "
              << cl.bounds_log << ": " << std::strerror(errno) << std::endl;
    return exit_usage;
  }
  caf::scoped_actor self{sys};
  auto sup = connect_supervisor(self, cl.address, cl.timeout);
  if (!sup) {
    std::cerr << "checkpoint-load: cannot reach node " << cl.node << ": "
              << describe(sup.error()) << std::endl;
    return exit_unreachable;
  }
  auto hdl = start_group(self, *sup, cl.group, group_options{}, cl.timeout);
  if (!hdl) {
    std::cerr << "checkpoint-load: " << describe(hdl.error()) << std::endl;
    return exit_status_of(hdl.error());
  }
  auto group = std::move(*hdl);
  std::vector<std::string> names;
  for (int i = 0; i < cl.partitions; ++i)
    names.push_back(partition_name(i));
  self->request(group, cl.timeout, ensure_atom::value, names)
    .receive([](ok_atom) {}, [&](const caf::error& err) { sh->failed(err); });
  auto base = first_time(self, group, cl.timeout);
  auto started = wall_clock::now();
  self->monitor(*sup);
  std::vector<caf::actor> actors;
  auto applier = sys.spawn(applier_impl, sh, group, cl.timeout);
  self
    ->request(group, cl.timeout, subscribe_atom::value,
              caf::actor_cast<bounds_subscriber>(applier))
    .receive([](ok_atom) {}, [&](const caf::error& err) { sh->failed(err); });
  actors.push_back(caf::actor_cast<caf::actor>(applier));
  for (int i = 0; i < cl.requesters; ++i)
    actors.push_back(caf::actor_cast<caf::actor>(
      sys.spawn(requester_impl, sh, group, cl, i, base)));
  for (auto& a : actors)
    self->monitor(a);
  auto deadline = started
                  + std::chrono::duration_cast<wall_clock::duration>(
                    std::chrono::duration<double>{cl.seconds});
  auto node_lost = false;
  size_t ended = 0;
  // Until the deadline, the count or the node's loss; then every actor ends
  // once its requests are answered (each within the timeout).
  auto drain_deadline = deadline + cl.timeout + 5s;
  // SIGINT and SIGTERM end the run early (blocked in main).
  auto signals = stop_signals();
  timespec no_wait{0, 0};
  while (ended < actors.size() && wall_clock::now() < drain_deadline) {
    if (!sh->stopping
        && (wall_clock::now() >= deadline
            || sigtimedwait(&signals, nullptr, &no_wait) > 0))
      sh->stopping = true;
    self->receive(
      [&](const caf::down_msg& msg) {
        if (msg.source == sup->address()) {
          node_lost = true;
          sh->stopping = true;
          // Nothing more can come from a lost node (CAF 0.17 leaves its
          // pending requests to time out): what arrived is recorded within
          // a moment.
          drain_deadline = std::min(drain_deadline, wall_clock::now() + 1s);
          std::cerr << "checkpoint-load: lost node " << cl.node << ": "
                    << describe(msg.reason) << std::endl;
        } else {
          ++ended;
        }
      },
      caf::after(100ms) >> [] {});
  }
  for (auto& a : actors)
    self->send_exit(a, caf::exit_reason::user_shutdown);
  auto secs
    = std::chrono::duration<double>(wall_clock::now() - started).count();
  std::lock_guard<std::mutex> guard{sh->mtx};
  std::cout << "acknowledged=" << sh->acknowledged
            << " sent=" << std::min<int64_t>(sh->sent, cl.count)
            << " commits=" << sh->commits << " seconds=" << secs;
  for (auto& [name, n] : sh->errors)
    std::cout << ' ' << name << '=' << n;
  std::cout << " bounds_seen=" << sh->bounds_seen
            << " bounds_empty=" << sh->bounds_empty
            << " proposed_backwards=" << sh->proposed_backwards
            << " committed_backwards=" << sh->committed_backwards
            << " node_lost=" << node_lost << std::endl;
  return 0;
}

// -- check --------------------------------------------------------------------

int run_check(caf::actor_system& sys, const command_line& cl) {
  std::ifstream in{cl.acks};
  if (!in) {
    std::cerr << "checkpoint-load: cannot read " << cl.acks << std::endl;
    return exit_usage;
  }
  std::set<std::pair<std::string, hlc_time>> acked;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    std::string partition, ts_text;
    fields >> partition >> ts_text;
    auto ts = parse_hlc(ts_text);
    if (partition.empty() || !ts) {
      std::cerr << "checkpoint-load: bad line in " << cl.acks << ": " << line
                << std::endl;
      return exit_usage;
    }
    acked.emplace(partition, *ts);
  }
  auto db = postgres_store::open({cl.dsn, cl.schema});
  if (!db) {
    std::cerr << "checkpoint-load: " << describe(db.error()) << std::endl;
    return exit_unreachable;
  }
  auto history = (*db)->history(cl.group);
  auto expected = (*db)->bounds(cl.group, 0);
  if (!history || !expected) {
    std::cerr << "checkpoint-load: "
              << describe(history ? expected.error() : history.error())
              << std::endl;
    return exit_unreachable;
  }
  std::set<std::pair<std::string, hlc_time>> stored;
  std::map<std::string, hlc_time> stored_head;
  // Rows come ordered by partition and timestamp: each partition's rows
  // must also be ordered by when they were written (nothing older was
  // inserted after something newer).
  int64_t backwards = 0;
  const checkpoint_row* prev = nullptr;
  for (auto& row : *history) {
    stored.emplace(row.partition, row.ts);
    stored_head[row.partition] = row.ts;
    if (prev && prev->partition == row.partition
        && row.first_seen < prev->first_seen) {
      if (backwards++ == 0)
        std::cerr << "checkpoint-load: " << row.partition << ' '
                  << to_string(row.ts) << " was written before "
                  << to_string(prev->ts) << std::endl;
    }
    prev = &row;
  }
  int64_t found = 0;
  std::map<std::string, hlc_time> acked_max;
  for (auto& ack : acked) {
    acked_max[ack.first] = std::max(acked_max[ack.first], ack.second);
    if (stored.count(ack) > 0)
      ++found;
  }
  int64_t lost = static_cast<int64_t>(acked.size()) - found;
  for (auto& ack : acked)
    if (stored.count(ack) == 0) {
      std::cerr << "checkpoint-load: lost " << ack.first << ' '
                << to_string(ack.second) << std::endl;
      break;
    }
  int64_t heads_behind = 0;
  for (auto& [partition, ts] : acked_max)
    if (stored_head.count(partition) == 0 || stored_head[partition] < ts)
      ++heads_behind;
  auto status = lost == 0 && backwards == 0 && heads_behind == 0 ? 0
                                                                 : exit_failed;
  std::cout << "acknowledged=" << acked.size() << " found=" << found
            << " lost=" << lost << " heads_behind=" << heads_behind
            << " backwards=" << backwards << " rows=" << history->size()
            << " store_bounds=" << to_string(*expected);
  if (!cl.node.empty()) {
    caf::scoped_actor self{sys};
    auto sup = connect_supervisor(self, cl.address, cl.timeout);
    if (!sup) {
      std::cout << std::endl;
      std::cerr << "checkpoint-load: cannot reach node " << cl.node << ": "
                << describe(sup.error()) << std::endl;
      return exit_unreachable;
    }
    group_actor group;
    caf::error failure;
    if (auto hdl = start_group(self, *sup, cl.group, group_options{},
                               cl.timeout))
      group = std::move(*hdl);
    else
      failure = std::move(hdl.error());
    // A subscriber gets the group's bounds at once and then every change.
    // A node that wrote last publishes its bounds once the refresh after
    // that write is done: `--settle` gives it that long.
    caf::optional<hlc_range> published;
    if (group) {
      auto sub = sys.spawn(forward_bounds, caf::actor{self});
      self->request(group, cl.timeout, subscribe_atom::value, sub)
        .receive([](ok_atom) {},
                 [&](caf::error& err) { failure = std::move(err); });
      auto settle_until = std::chrono::steady_clock::now()
                          + std::chrono::duration_cast<caf::timespan>(
                            std::chrono::duration<double>{cl.settle});
      // The first update within the timeout, later ones until the deadline.
      auto wait = cl.timeout;
      while (!failure && (!published || !(*published == *expected))) {
        auto more = false;
        self->receive(
          [&](const bounds_update& update) {
            published = update.bounds;
            more = true;
          },
          caf::after(wait) >>
            [&] {
              if (!published)
                failure = make_error(caf::sec::request_timeout);
            });
        wait = std::chrono::duration_cast<caf::timespan>(
          settle_until - std::chrono::steady_clock::now());
        if (!more || wait <= caf::timespan{0})
          break;
      }
      self->send_exit(sub, caf::exit_reason::user_shutdown);
    }
    if (!published) {
      std::cout << std::endl;
      std::cerr << "checkpoint-load: node bounds: " << describe(failure)
                << std::endl;
      return exit_status_of(failure);
    }
    std::cout << " node_bounds=" << to_string(*published);
    if (!(*published == *expected))
      status = exit_failed;
  }
  std::cout << std::endl;
  return status;
}

} // namespace
} // namespace checkpoint

int main(int argc, char** argv) {
  using namespace checkpoint;
  command_line cl;
  if (auto done = parse(argc, argv, cl))
    return *done;
  // Blocked before the actor system starts its threads, which inherit the
  // mask: `run` polls for them.
  block_stop_signals();
  client_config cfg;
  if (auto err = cfg.parse_defaults()) {
    std::cerr << "checkpoint-load: " << describe(err) << std::endl;
    return exit_unreachable;
  }
  caf::actor_system sys{cfg};
  return cl.command == "run" ? run_load(sys, cl) : run_check(sys, cl);
}

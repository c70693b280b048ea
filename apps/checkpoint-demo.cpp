// checkpoint-demo: a live demo against a running checkpointd node, itself a
// CAF node. A simulated changefeed advances several partitions of one group
// at different speeds (the last one lags), an applier commits what the
// bounds allow, and a subscriber prints the moving window once a second.
//
//   checkpoint-demo [--node HOST:PORT] [--group NAME] [--partitions N]
//                   [--seconds S] [--timeout S]
//                   [--tls-certificate PEM --tls-key PEM --tls-ca PEM]
//
// Stops after `--seconds` or on SIGINT/SIGTERM. Exit status: 0 success,
// 1 the node refused an operation, 2 usage error, 3 the node could not be
// reached or was lost.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/apps/node_client.hpp>
#include <checkpoint/apps/stop_signals.hpp>
#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/hlc.hpp>
#include <checkpoint/messages/names.hpp>

namespace checkpoint {
namespace {

using namespace std::chrono_literals;
using std::chrono::duration_cast;
using wall_clock = std::chrono::system_clock;

/// How far the lagging partition trails the wall clock.
constexpr auto lag_behind = 3s;

/// How often the lagging partition advances.
constexpr auto lag_period = 500ms;

/// How long the applier takes to apply one window: longer than the lagging
/// partition's period, so that the proposed time has moved on when a commit
/// lands and the window is seen open.
constexpr auto apply_time = 700ms;

/// What the command line asks for.
struct command_line {
  /// The node as given, `HOST:PORT`, and its parts.
  std::string node = "127.0.0.1:7710";
  node_address address;

  /// The demo's table group (canonical).
  std::string group = "demo";

  /// How many partitions the changefeed has; the last one lags.
  size_t partitions = 4;

  /// How long the demo runs.
  double seconds = 20;

  /// How long connecting and each request may take.
  caf::timespan timeout = 5s;

  /// The files of mutual TLS with the node; none: plain TCP.
  tls_files tls;
};

/// Parses the command line; returns an exit status when done already.
caf::optional<int> parse(int argc, char** argv, command_line& cl) {
  CLI::App app{"Live demo against a checkpointd node: a simulated changefeed, "
               "an applier and the moving window",
               "checkpoint-demo"};
  connection_options connection{app, cl.node, cl.tls};
  app.add_option("--group", cl.group, "the demo's table group")
    ->capture_default_str();
  app
    .add_option("--partitions", cl.partitions,
                "partitions of the changefeed; the last one lags")
    ->check(CLI::Range(2, 16))
    ->capture_default_str();
  auto seconds_opt
    = app.add_option("--seconds", cl.seconds, "how long the demo runs")
        ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto status = app.exit(e);
    return status == 0 ? 0 : exit_usage;
  }
  auto usage = [](const std::string& what) {
    std::cerr << "checkpoint-demo: " << printable(what) << std::endl;
    return exit_usage;
  };
  if (seconds_opt->count() > 0)
    if (auto span = seconds_option(cl.seconds, seconds_opt->results().back(),
                                   "--seconds");
        !span)
      return usage(describe(span.error()));
  if (auto problem = connection.check(cl.address, cl.timeout); !problem.empty())
    return usage(problem);
  auto group = canonical_name(cl.group, "group");
  if (!group)
    return usage(describe(group.error()));
  cl.group = std::move(*group);
  return caf::none;
}

// -- time formatting ----------------------------------------------------------

/// The HLC time of a wall-clock instant.
hlc_time to_hlc(wall_clock::time_point t) {
  return {duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(),
          0};
}

/// How long before `now` an HLC time lies, in seconds.
double age_of(hlc_time t, wall_clock::time_point now) {
  return static_cast<double>(to_hlc(now).nanos - t.nanos) / 1e9;
}

/// Tells whether `t` is a wall-clock time within a day of `now`, as the
/// changefeed's are (Ensure's `1.0000000001` is not).
bool is_recent(hlc_time t, wall_clock::time_point now) {
  return std::abs(age_of(t, now)) < 86400;
}

/// Renders a recent time as a local time of day, `HH:MM:SS.mmm`, and any
/// other as HLC text.
std::string clock_text(hlc_time t, wall_clock::time_point now) {
  if (!is_recent(t, now))
    return to_string(t);
  auto secs = static_cast<time_t>(t.nanos / 1'000'000'000);
  std::tm parts{};
  localtime_r(&secs, &parts);
  return fmt::format("{:%H:%M:%S}.{:03}", parts, t.nanos / 1'000'000 % 1000);
}

/// Renders a window as `[ MIN -> MAX )` in clock time.
std::string window_text(const hlc_range& r, wall_clock::time_point now) {
  return "[ " + clock_text(r.min, now) + " -> " + clock_text(r.max, now) + " )";
}

// -- the reporter: a bounds subscriber that prints a line per second ----------

/// Receives the group's bounds and the counts of acknowledged operations,
/// and prints one line per tick.
using reporter_actor = caf::typed_actor<
  // The group's bounds (it is a `bounds_subscriber`).
  caf::reacts_to<bounds_update>, caf::reacts_to<group_stopped>,
  // The node acknowledged one Advance.
  caf::reacts_to<advance_atom>,
  // The node acknowledged one Commit.
  caf::reacts_to<commit_atom>,
  // Time to print a line.
  caf::reacts_to<tick_atom>>;

/// The state of the reporter.
struct reporter_state {
  static constexpr const char* name = "demo-reporter";

  /// Asked for its status once a line.
  group_actor group;

  /// The latest bounds, once the group sent them.
  caf::optional<hlc_range> bounds;

  /// Acknowledged operations since the last line.
  int64_t advances = 0;
  int64_t commits = 0;

  /// When the demo and the current line's period began.
  wall_clock::time_point start = wall_clock::now();
  wall_clock::time_point period_start = start;
};

/// Prints the table's header.
void print_header() {
  fmt::print("{:>7}  {:<33} {:>6} {:>8} {:>8}  {}\n", "time",
             "window [ committed -> proposed )", "lag", "adv/s", "commit/s",
             "holding back");
  std::fflush(stdout);
}

/// Prints one line: the window, how far the committed time trails the wall
/// clock, the rates since the last line and the partitions holding back.
void print_line(reporter_actor::stateful_pointer<reporter_state> self,
                const group_status& status) {
  auto& st = self->state;
  auto now = wall_clock::now();
  auto period = std::chrono::duration<double>(now - st.period_start).count();
  auto elapsed = std::chrono::duration<double>(now - st.start).count();
  auto bounds = st.bounds ? *st.bounds : status.bounds;
  // The committed time's lag is how far the applied data trails real time.
  auto lag = is_recent(bounds.min, now)
               ? fmt::format("{:.1f}s", age_of(bounds.min, now))
               : "-";
  std::string holding;
  for (auto& p : status.partitions)
    if (std::find(status.holding_back.begin(), status.holding_back.end(),
                  p.partition)
        != status.holding_back.end())
      holding += fmt::format("{}{} ({:.1f}s behind)",
                             holding.empty() ? "" : ", ", p.partition,
                             age_of(p.head, now));
  if (holding.empty())
    holding = "-";
  fmt::print("{:>6.1f}s  {:<33} {:>6} {:>8.1f} {:>8.1f}  {}\n", elapsed,
             window_text(bounds, now), lag,
             static_cast<double>(st.advances) / period,
             static_cast<double>(st.commits) / period, holding);
  std::fflush(stdout);
  st.advances = 0;
  st.commits = 0;
  st.period_start = now;
}

/// Prints a line a second, the first one a second after it starts.
reporter_actor::behavior_type
reporter_impl(reporter_actor::stateful_pointer<reporter_state> self,
              group_actor group, caf::timespan timeout) {
  self->state.group = std::move(group);
  self->delayed_send(self, 1s, tick_atom::value);
  return {
    [self](const bounds_update& update) { self->state.bounds = update.bounds; },
    [self](const group_stopped& x) {
      std::cerr << "checkpoint-demo: group stopped: " << x.reason << std::endl;
      self->quit();
    },
    [self](advance_atom) { ++self->state.advances; },
    [self](commit_atom) { ++self->state.commits; },
    [self, timeout](tick_atom) {
      // The next line is due a second after this one is printed, so a slow
      // node never piles up status requests.
      self->request(self->state.group, timeout, status_atom::value)
        .then(
          [self](const group_status& status) {
            print_line(self, status);
            self->delayed_send(self, 1s, tick_atom::value);
          },
          [self](const caf::error& err) {
            std::cerr << "checkpoint-demo: status: " << printable(describe(err))
                      << std::endl;
            self->delayed_send(self, 1s, tick_atom::value);
          });
    },
  };
}

// -- the applier: commits the window it is allowed to process -----------------

/// Applies and commits each new window of the group's bounds.
using applier_actor = caf::typed_actor<
  // The group's bounds (it is a `bounds_subscriber`).
  caf::reacts_to<bounds_update>, caf::reacts_to<group_stopped>,
  // The simulated apply of the current window is done.
  caf::reacts_to<tick_atom>>;

/// The state of the applier.
struct applier_state {
  static constexpr const char* name = "demo-applier";

  /// Where commits go.
  group_actor group;

  /// Told of every acknowledged commit.
  reporter_actor reporter;

  /// The latest bounds.
  hlc_range bounds;

  /// The end of the last committed window: a window is new only past it.
  hlc_time done;

  /// The window being applied or committed, if any.
  caf::optional<hlc_range> applying;
};

using applier_pointer = applier_actor::stateful_pointer<applier_state>;

/// Starts applying the latest window unless one is in progress or nothing
/// new is proposed.
void apply_next(applier_pointer self) {
  auto& st = self->state;
  if (st.applying || st.bounds.max_inclusive() <= st.bounds.min
      || st.bounds.max <= st.done)
    return;
  st.applying = st.bounds;
  self->delayed_send(self, apply_time, tick_atom::value);
}

/// Commits every new window, one at a time, after a simulated apply.
applier_actor::behavior_type
applier_impl(applier_pointer self, group_actor group, reporter_actor reporter,
             caf::timespan timeout) {
  self->state.group = std::move(group);
  self->state.reporter = std::move(reporter);
  return {
    [self](const bounds_update& update) {
      self->state.bounds = update.bounds;
      apply_next(self);
    },
    [self](const group_stopped&) { self->quit(); },
    [self, timeout](tick_atom) {
      if (!self->state.applying)
        return;
      auto window = *self->state.applying;
      self->request(self->state.group, timeout, commit_atom::value, window)
        .then(
          [self, window](ok_atom) {
            self->state.done = window.max;
            self->send(self->state.reporter, commit_atom::value);
            self->state.applying = caf::none;
            apply_next(self);
          },
          [self, window](const caf::error& err) {
            std::cerr << "checkpoint-demo: commit " << to_string(window) << ": "
                      << printable(describe(err)) << std::endl;
            self->state.applying = caf::none;
            apply_next(self);
          });
    },
  };
}

// -- the changefeed: one actor per partition ----------------------------------

/// Advances one partition on every tick.
using feed_actor = caf::typed_actor<
  // Time for the next Advance.
  caf::reacts_to<tick_atom>>;

/// How one partition of the simulated changefeed moves.
struct feed_pace {
  /// How often it advances.
  caf::timespan period;

  /// How far its resolved timestamp trails the wall clock.
  caf::timespan behind;
};

/// The state of one partition's feed.
struct feed_state {
  static constexpr const char* name = "demo-feed";

  /// The partition's name.
  std::string partition;

  /// How it moves.
  feed_pace pace;

  /// Where Advances go.
  group_actor group;

  /// Told of every acknowledged Advance.
  reporter_actor reporter;

  /// The last time sent: a wall clock stepping back must not make the feed
  /// go backwards.
  hlc_time last;
};

/// Advances `partition` to the wall clock minus `pace.behind`, now and then
/// every `pace.period` after the previous Advance was answered.
feed_actor::behavior_type
feed_impl(feed_actor::stateful_pointer<feed_state> self, std::string partition,
          feed_pace pace, group_actor group, reporter_actor reporter,
          caf::timespan timeout) {
  auto& st = self->state;
  st.partition = std::move(partition);
  st.pace = pace;
  st.group = std::move(group);
  st.reporter = std::move(reporter);
  self->send(self, tick_atom::value);
  return {
    [self, timeout](tick_atom) {
      auto& st = self->state;
      st.last = std::max(st.last, to_hlc(wall_clock::now() - st.pace.behind));
      // The next tick waits for the reply, so at most one Advance per
      // partition is in flight.
      auto next = [self] {
        self->delayed_send(self, self->state.pace.period, tick_atom::value);
      };
      self
        ->request(st.group, timeout, advance_atom::value, st.partition, st.last)
        .then(
          [self, next](ok_atom) {
            self->send(self->state.reporter, advance_atom::value);
            next();
          },
          [self, next](const caf::error& err) {
            std::cerr << "checkpoint-demo: advance " << self->state.partition
                      << ' ' << to_string(self->state.last) << ": "
                      << printable(describe(err)) << std::endl;
            next();
          });
    },
  };
}

/// The pace of partition `i` of `n`: the others every 100 ms, 200 ms, ...,
/// close to the wall clock; the last one slower and seconds behind.
feed_pace pace_of(size_t i, size_t n) {
  if (i + 1 == n)
    return {lag_period, lag_behind};
  return {100ms * static_cast<int64_t>(i + 1), 0s};
}

/// A duration in whole milliseconds.
int64_t ms_of(caf::timespan d) {
  return duration_cast<std::chrono::milliseconds>(d).count();
}

// -- the demo -----------------------------------------------------------------

/// Waits until `deadline`, a signal or the loss of `sup`; returns the exit
/// status.
int wait_until(caf::scoped_actor& self, const supervisor_actor& sup,
               const command_line& cl, wall_clock::time_point deadline) {
  self->monitor(sup);
  auto signals = stop_signals();
  auto status = 0;
  // One pass per 100 ms: bounded by the deadline.
  while (status == 0 && wall_clock::now() < deadline) {
    timespec slice{0, 100'000'000};
    if (sigtimedwait(&signals, nullptr, &slice) > 0) {
      fmt::print("interrupted\n");
      std::fflush(stdout);
      break;
    }
    self->receive(
      [&](const caf::down_msg& msg) {
        std::cerr << "checkpoint-demo: lost node " << printable(cl.node) << ": "
                  << printable(describe(msg.reason)) << std::endl;
        status = exit_unreachable;
      },
      caf::after(0s) >> [] {});
  }
  return status;
}

/// Returns the group's published bounds, or reports why not.
template <class OnError>
caf::optional<hlc_range> bounds_of(caf::scoped_actor& self,
                                   const group_actor& group,
                                   const command_line& cl, OnError& on_error) {
  caf::optional<hlc_range> result;
  self->request(group, cl.timeout, bounds_atom::value)
    .receive([&](const hlc_range& bounds) { result = bounds; }, on_error);
  return result;
}

/// Returns the group's bounds once every request of the stopped actors has
/// taken effect: a stopped applier or feed may have left a request in
/// flight. An empty Commit is written after them (the group writes in
/// arrival order), and a refresh after its answer reflects them all.
template <class OnError>
caf::optional<hlc_range>
settled_bounds_of(caf::scoped_actor& self, const group_actor& group,
                  const command_line& cl, OnError& on_error) {
  auto written = false;
  self->request(group, cl.timeout, commit_atom::value, hlc_range{})
    .receive([&](ok_atom) { written = true; }, on_error);
  caf::optional<hlc_range> result;
  if (written)
    self->request(group, cl.timeout, refresh_atom::value)
      .receive([&](const hlc_range& bounds) { result = bounds; }, on_error);
  return result;
}

/// Runs the demo against the node; returns the exit status.
int run(caf::actor_system& sys, const command_line& cl) {
  caf::scoped_actor self{sys};
  auto sup = connect_supervisor(self, cl.address, cl.timeout);
  if (!sup) {
    std::cerr << "checkpoint-demo: cannot reach node " << printable(cl.node)
              << ": " << printable(describe(sup.error())) << std::endl;
    return exit_unreachable;
  }
  auto status = 0;
  auto on_error = [&](const caf::error& err) {
    std::cerr << "checkpoint-demo: " << printable(describe(err)) << std::endl;
    status = exit_status_of(err);
  };
  auto started = start_group(self, *sup, cl.group, group_options{}, cl.timeout);
  if (!started) {
    on_error(started.error());
    return status;
  }
  auto group = std::move(*started);
  std::vector<std::string> names;
  for (size_t i = 0; i < cl.partitions; ++i)
    names.push_back("p" + std::to_string(i + 1));
  // Ensure first, so that every partition holds the window back from the
  // start, not only once it has advanced.
  self->request(group, cl.timeout, ensure_atom::value, names)
    .receive([](ok_atom) {}, on_error);
  if (status != 0)
    return status;
  auto first = bounds_of(self, group, cl, on_error);
  if (!first)
    return status;
  fmt::print("checkpoint-demo: group {} on node {}, {} s (Ctrl-C stops)\n",
             printable(cl.group), printable(cl.node), cl.seconds);
  for (size_t i = 0; i < names.size(); ++i) {
    auto pace = pace_of(i, names.size());
    fmt::print("  {} advances every {} ms", names[i], ms_of(pace.period));
    if (pace.behind.count() > 0)
      fmt::print(", {} ms behind the wall clock: the lagging partition",
                 ms_of(pace.behind));
    fmt::print("\n");
  }
  fmt::print("  the applier commits each new window, taking {} ms to apply "
             "it\n",
             ms_of(apply_time));
  print_header();
  auto reporter = sys.spawn(reporter_impl, group, cl.timeout);
  auto applier = sys.spawn(applier_impl, group, reporter, cl.timeout);
  std::vector<feed_actor> feeds;
  for (size_t i = 0; i < names.size(); ++i)
    feeds.push_back(sys.spawn(feed_impl, names[i], pace_of(i, names.size()),
                              group, reporter, cl.timeout));
  for (bounds_subscriber sub :
       {bounds_subscriber{reporter}, bounds_subscriber{applier}})
    self->request(group, cl.timeout, subscribe_atom::value, sub)
      .receive([](ok_atom) {}, on_error);
  auto deadline = wall_clock::now()
                  + duration_cast<wall_clock::duration>(
                    std::chrono::duration<double>{cl.seconds});
  if (status == 0)
    status = wait_until(self, *sup, cl, deadline);
  // The group forgets the subscribers when they are gone.
  for (auto& feed : feeds)
    self->send_exit(feed, caf::exit_reason::user_shutdown);
  self->send_exit(applier, caf::exit_reason::user_shutdown);
  self->send_exit(reporter, caf::exit_reason::user_shutdown);
  self->wait_for(feeds, applier, reporter);
  if (status != 0)
    return status;
  auto last = settled_bounds_of(self, group, cl, on_error);
  if (!last)
    return status;
  fmt::print("bounds of group {}, as checkpointctl prints them:\n"
             "  at the start  {}\n"
             "  now           {}\n",
             printable(cl.group), to_string(*first), to_string(*last));
  if (is_recent(first->min, wall_clock::now()))
    fmt::print("the committed time moved {:.1f} s\n",
               static_cast<double>(last->min.nanos - first->min.nanos) / 1e9);
  std::fflush(stdout);
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
  // mask: the signals then wait for `sigtimedwait` in `wait_until`.
  block_stop_signals();
  client_config cfg;
  if (auto err = cfg.parse_defaults()) {
    std::cerr << "checkpoint-demo: " << printable(describe(err)) << std::endl;
    return exit_unreachable;
  }
  use_tls(cfg, cl.tls);
  caf::actor_system sys{cfg};
  return run(sys, cl);
}

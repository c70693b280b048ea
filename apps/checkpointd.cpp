// checkpointd: a node that publishes the supervisor of a checkpoint store to
// other CAF nodes. Usage:
//
//   checkpointd [--config-file=PATH] [--checkpoint.OPTION=VALUE ...]
//
// Exit status: 0 after a graceful shutdown (SIGINT/SIGTERM), 2 for a bad
// option, 1 when the store or the node port is unusable. Nothing is
// published before every check has passed.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <checkpoint/actors/listener.hpp>
#include <checkpoint/actors/log.hpp>
#include <checkpoint/actors/metrics.hpp>
#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/apps/http_endpoint.hpp>
#include <checkpoint/apps/node_client.hpp>
#include <checkpoint/apps/node_options.hpp>
#include <checkpoint/apps/stop_signals.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/names.hpp>
#include <checkpoint/storage/postgres_store.hpp>
#include <checkpoint/storage/sqlite_store.hpp>

namespace checkpoint {
namespace {

/// The store or a port is unusable; a bad option is `exit_usage`, as for
/// the clients.
constexpr int exit_runtime = 1;

/// Opens a new connection to the configured store.
store_opener opener(const node_config& cfg) {
  if (cfg.kind == "postgres")
    return postgres_opener(cfg.postgres, cfg.future);
  return sqlite_opener(cfg.sqlite, cfg.future);
}

/// Asks the supervisor to drain and stop its groups, then stops the workers.
void stop(caf::scoped_actor& self, const supervisor_control& sup,
          const store_worker& pool, caf::timespan timeout) {
  self->request(sup, timeout, shutdown_atom::value)
    .receive([](ok_atom) {},
             [](const caf::error& err) {
               std::cerr << "checkpointd: shutdown: "
                         << printable(describe(err)) << std::endl;
             });
  self->send_exit(pool, caf::exit_reason::user_shutdown);
}

/// Starts the groups of `checkpoint.groups` and Ensures their partitions;
/// returns false after printing why one failed.
bool start_boot_groups(caf::scoped_actor& self, const supervisor_actor& sup,
                       const node_config& cfg) {
  auto timeout = cfg.supervisor.groups.store_timeout;
  auto ok = true;
  auto fail = [&](const std::string& group, const caf::error& err) {
    std::cerr << "checkpointd: checkpoint.groups: group '" << printable(group)
              << "': " << printable(describe(err)) << std::endl;
    ok = false;
  };
  for (auto& name : cfg.boot_groups) {
    auto group = start_group(self, sup, name, group_options{}, timeout);
    if (!group) {
      fail(name, group.error());
      return false;
    }
    auto i = cfg.boot_partitions.find(name);
    if (i == cfg.boot_partitions.end())
      continue;
    self->request(*group, timeout, ensure_atom::value, i->second)
      .receive([](ok_atom) {}, [&](const caf::error& err) { fail(name, err); });
    if (!ok)
      return false;
  }
  return true;
}

int run(caf::actor_system& sys, const node_config& cfg,
        metrics_registry& metrics) {
  auto open = opener(cfg);
  // Migrating once up front turns an unreachable or unusable store into an
  // error now rather than into failing requests later.
  {
    auto db = open();
    if (!db) {
      std::cerr << "checkpointd: " << cfg.store_option()
                << ": cannot open the store: "
                << printable(describe(db.error())) << std::endl;
      return exit_runtime;
    }
    if (auto err = (*db)->migrate()) {
      std::cerr << "checkpointd: " << cfg.store_option()
                << ": cannot migrate the store: " << printable(describe(err))
                << std::endl;
      return exit_runtime;
    }
  }
  auto pool = spawn_store_pool(sys, cfg.worker_count(), open);
  auto sup_cfg = cfg.supervisor;
  if (cfg.metrics_port >= 0)
    sup_cfg.groups.metrics = &metrics;
  auto sup = sys.spawn(supervisor_impl, sup_cfg, pool);
  // A drain may take each group's shutdown timeout; leave room for replies.
  auto stop_timeout = cfg.supervisor.shutdown_timeout + std::chrono::seconds(5);
  caf::scoped_actor self{sys};
  auto failed = false;
  if (cfg.bootstrap)
    self
      ->request(sup, cfg.supervisor.groups.store_timeout, bootstrap_atom::value)
      .receive(
        [](const std::vector<std::string>& started) {
          std::cerr << "checkpointd: bootstrapped " << started.size()
                    << " group(s)" << std::endl;
        },
        [&](const caf::error& err) {
          std::cerr << "checkpointd: checkpoint.bootstrap: "
                    << printable(describe(err)) << std::endl;
          failed = true;
        });
  if (failed || !start_boot_groups(self, sup, cfg)) {
    stop(self, sup, pool, stop_timeout);
    return exit_runtime;
  }
  std::unique_ptr<http_endpoint> http;
  if (cfg.metrics_port >= 0) {
    auto started = http_endpoint::start(
      sys, metrics, pool, cfg.host, static_cast<uint16_t>(cfg.metrics_port));
    if (!started) {
      std::cerr << "checkpointd: checkpoint.metrics.port: "
                << printable(describe(started.error())) << std::endl;
      stop(self, sup, pool, stop_timeout);
      return exit_runtime;
    }
    http = std::move(*started);
    std::cerr << "checkpointd: metrics on " << cfg.host << ':' << http->port()
              << std::endl;
    spdlog::info("msg=\"serving metrics\" address={}:{}", logfmt(cfg.host),
                 http->port());
  }
  auto port = publish_supervisor(sup, cfg.port, cfg.host);
  if (!port) {
    std::cerr << "checkpointd: checkpoint.node.port: cannot listen on "
              << cfg.host << ':' << cfg.port << ": "
              << printable(describe(port.error())) << std::endl;
    stop(self, sup, pool, stop_timeout);
    return exit_runtime;
  }
  // Warned before the `listening on` line, which readers wait for.
  auto tls = tls_enabled(sys);
  if (!tls && !is_loopback(cfg.host))
    spdlog::warn("msg=\"node port reachable beyond loopback without TLS\" "
                 "address={}:{} option=checkpoint.node.insecure",
                 logfmt(cfg.host), *port);
  std::cout << "listening on " << cfg.host << ':' << *port
            << (tls ? " with TLS" : "") << std::endl;
  // The store's location only: a DSN may hold a password.
  spdlog::info("msg=listening address={}:{} store={} location={} tls={}",
               logfmt(cfg.host), *port, cfg.kind,
               logfmt(cfg.kind == "postgres" ? "schema " + cfg.postgres.schema
                                             : cfg.sqlite.path),
               tls);
  // Other nodes' writes to the database wake this node's groups at once;
  // its first connection wakes every group already running.
  listener_actor listener;
  if (cfg.kind == "postgres")
    listener = spawn_listener(sys, cfg.postgres, sup);
  // SIGINT and SIGTERM are blocked in every thread (see main), so this is
  // the only place that sees them.
  auto signals = stop_signals();
  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "checkpointd: signal " << received << ", shutting down"
            << std::endl;
  spdlog::info("msg=\"shutting down\" signal={}", received);
  http.reset();
  if (listener)
    self->send_exit(listener, caf::exit_reason::user_shutdown);
  stop(self, sup, pool, stop_timeout);
  spdlog::info("msg=stopped");
  return 0;
}

} // namespace
} // namespace checkpoint

int main(int argc, char** argv) {
  using namespace checkpoint;
  // Blocked before the actor system starts its threads, which inherit the
  // mask: the signals then wait for `sigwait` in `run` instead of killing
  // the process.
  block_stop_signals();
  node_config cfg;
  if (auto problem = cfg.load_options({argv + 1, argv + argc});
      !problem.empty()) {
    std::cerr << "checkpointd: " << printable(problem) << std::endl;
    return exit_usage;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  // Logs go to stderr: stdout carries only the `listening on` line.
  auto logger = spdlog::stderr_logger_mt("checkpointd");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(cfg.log_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  // Outlives the actor system: a group that failed to drain in time may
  // still update it until the system stops.
  metrics_registry metrics;
  use_tls(cfg, cfg.tls);
  caf::actor_system sys{cfg};
  return run(sys, cfg, metrics);
}

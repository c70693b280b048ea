// checkpointd: a node that publishes the supervisor of a checkpoint store to
// other CAF nodes. Usage:
//
//   checkpointd [--config-file=PATH] [--checkpoint.OPTION=VALUE ...]
//
// Exit status: 0 after a graceful shutdown (SIGINT/SIGTERM), 2 for a bad
// option, 1 when the store or the node port is unusable. Nothing is
// published before every check has passed.

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/config_option_set.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/settings.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/listener.hpp"
#include "actors/store_worker.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "actors/supervisor.hpp"
#include "apps/http_endpoint.hpp"
#include "apps/tls.hpp"
#include "messages/error.hpp"
#include "messages/register.hpp"
#include "storage/postgres_store.hpp"
#include "storage/sqlite_store.hpp"

namespace checkpoint {
namespace {

/// Tells whether `host` names the loopback interface: `localhost`, an IPv4
/// address in 127.0.0.0/8 or `::1`.
bool is_loopback(const std::string& host) {
  if (host == "localhost")
    return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1
         && IN6_IS_ADDR_LOOPBACK(&v6);
}

constexpr int exit_runtime = 1;
constexpr int exit_usage = 2;

/// The node's configuration: CAF's own options plus the `checkpoint` section.
class node_config : public caf::actor_system_config {
public:
  /// The store kind: `postgres` or `sqlite`.
  std::string kind = "sqlite";

  /// The PostgreSQL store's options.
  postgres_options postgres;

  /// The SQLite store's options.
  sqlite_options sqlite{"checkpoints.db"};

  /// The address on which the supervisor is published.
  std::string host = "127.0.0.1";

  /// The port on which the supervisor is published; 0 picks a free one.
  uint16_t port = 7710;

  /// Allows publishing on an address other than loopback, without TLS.
  bool insecure = false;

  /// The files of mutual TLS on the node port (not the metrics port); none:
  /// plain TCP.
  tls_files tls;

  /// The port of the HTTP endpoint (/metrics, /healthz) on `host`; 0 picks
  /// a free one, -1 (the default) serves none.
  int32_t metrics_port = -1;

  /// The least severity logged.
  std::string log_level = "info";

  /// How the supervisor and its groups work.
  supervisor_config supervisor;

  /// The number of store workers (each holds a connection).
  size_t workers = 4;

  /// Whether to start every group with unapplied checkpoints at startup.
  bool bootstrap = false;

  /// The groups to start at startup.
  std::vector<std::string> boot_groups;

  /// The partitions to Ensure at startup, by boot group: the keys of the
  /// config file's section `[checkpoint.partitions]`, e.g.
  /// `orders = ["p1", "p2"]` (config file only: keys are group names).
  std::map<std::string, std::vector<std::string>> boot_partitions;

  node_config() {
    auto& groups = supervisor.groups;
    opt_group{custom_options_, "checkpoint"}
      .add(kind, "store", "store kind: postgres or sqlite")
      .add(groups.lookahead, "lookahead",
           "default lookahead limit of a group (0: none)")
      .add(groups.refresh_interval, "refresh-interval",
           "how often an active group re-reads its bounds")
      .add(workers, "workers", "store workers (sqlite: always 1)")
      .add(groups.max_batch, "batch-size",
           "most operations in one store transaction")
      .add(groups.max_queue, "queue-limit", "most queued operations per group")
      .add(bootstrap, "bootstrap",
           "start the groups with unapplied checkpoints at startup")
      .add(boot_groups, "groups", "groups to start at startup");
    opt_group{custom_options_, "checkpoint.postgres"}
      .add(postgres.dsn, "dsn", "libpq connection string or URI")
      .add(postgres.schema, "schema", "staging schema of the tables");
    opt_group{custom_options_, "checkpoint.sqlite"}
      .add(sqlite.path, "path", "database file");
    opt_group{custom_options_, "checkpoint.node"}
      .add(host, "host", "address on which the supervisor is published")
      .add(port, "port", "port of the supervisor (0: pick a free one)")
      .add(insecure, "insecure",
           "allow a host other than loopback without TLS (the plain node "
           "port is not safe to expose)");
    // Not `checkpoint.node.tls`: CAF 0.17.6 drops the keys read from a
    // `[checkpoint.node]` section when a `[checkpoint.node.tls]` one follows.
    opt_group{custom_options_, "checkpoint.tls"}
      .add(tls.certificate, "certificate",
           "PEM certificate (chain) of the node; turns on mutual TLS on the "
           "node port")
      .add(tls.key, "key", "PEM private key of the certificate, unencrypted")
      .add(tls.ca, "ca", "PEM CA certificate(s) that sign every peer");
    opt_group{custom_options_, "checkpoint.metrics"}.add(
      metrics_port, "port",
      "port of /metrics and /healthz (0: pick a free one, -1: none)");
    opt_group{custom_options_, "checkpoint"}.add(
      log_level, "log-level",
      "trace, debug, info, warn, error, critical or off");
    load<caf::io::middleman>();
    register_message_types(*this);
    // Shared by the store workers and the listener, which then skips the
    // notifications of this node's own writes.
    postgres.own_backends = std::make_shared<backend_pids>();
  }

  /// Returns what is wrong with the loaded options, naming the option, or an
  /// empty string. CAF 0.17 silently keeps the default for a wrong-typed
  /// value in the config file, and ignores unknown keys there, so every value
  /// of the `checkpoint` section is checked again here.
  std::string validate() const {
    if (auto section = caf::get_if<caf::settings>(&content, "checkpoint"))
      if (auto problem = check_section("checkpoint", *section);
          !problem.empty())
        return problem;
    if (kind != "postgres" && kind != "sqlite")
      return "checkpoint.store: expected postgres or sqlite, got " + kind;
    if (kind == "postgres" && postgres.dsn.empty())
      return "checkpoint.postgres.dsn: required with store = postgres";
    if (kind == "postgres" && postgres.schema.empty())
      return "checkpoint.postgres.schema: must not be empty";
    if (kind == "sqlite" && sqlite.path.empty())
      return "checkpoint.sqlite.path: must not be empty";
    if (host.empty())
      return "checkpoint.node.host: must not be empty";
    // CAF's own options would skip the startup checks of check_tls.
    if (!openssl_certificate.empty() || !openssl_key.empty()
        || !openssl_passphrase.empty() || !openssl_capath.empty()
        || !openssl_cafile.empty())
      return "openssl.*: not used by checkpointd; set "
             "checkpoint.tls.certificate, .key and .ca instead";
    if (auto problem = check_tls(tls, "checkpoint.tls."); !problem.empty())
      return problem;
    if (!insecure && !tls.enabled() && !is_loopback(host))
      return "checkpoint.node.host: " + host
             + " is not a loopback address, and the plain CAF node port is "
               "not safe to expose (one crafted header makes the node "
               "allocate gigabytes before any authentication); keep the "
               "node on 127.0.0.1, configure TLS (checkpoint.tls.*), "
               "or set checkpoint.node.insecure=true to accept the risk";
    if (metrics_port < -1 || metrics_port > 65535)
      return "checkpoint.metrics.port: expected -1 (none), 0 (any) or a "
             "port, got "
             + std::to_string(metrics_port);
    if (spdlog::level::from_str(log_level) == spdlog::level::off
        && log_level != "off")
      return "checkpoint.log-level: expected trace, debug, info, warn, "
             "error, critical or off, got "
             + log_level;
    if (supervisor.groups.lookahead < 0)
      return "checkpoint.lookahead: must not be negative";
    if (supervisor.groups.refresh_interval.count() <= 0)
      return "checkpoint.refresh-interval: must be positive";
    if (workers == 0)
      return "checkpoint.workers: must be at least 1";
    if (supervisor.groups.max_batch == 0)
      return "checkpoint.batch-size: must be at least 1";
    if (supervisor.groups.max_queue == 0)
      return "checkpoint.queue-limit: must be at least 1";
    for (auto& [group, partitions] : boot_partitions)
      if (std::find(boot_groups.begin(), boot_groups.end(), group)
          == boot_groups.end())
        return "checkpoint.partitions." + group
               + ": not a group of checkpoint.groups";
    return {};
  }

  /// Copies the loaded `checkpoint` values into the members. CAF 0.17.6
  /// leaves the keys of dotted config file sections such as
  /// `[checkpoint.node]` in `content` only (which also holds the command
  /// line's values, so those still win); a value of the wrong type is left
  /// for `validate` to report.
  void apply_content() {
    for (auto& opt : custom_options_) {
      auto name = opt.full_name();
      if (name.compare(0, 11, "checkpoint.") != 0)
        continue;
      if (auto value = caf::get_if(&content, name); value && !opt.check(*value))
        opt.store(*value);
    }
  }

  /// Reads `[checkpoint.partitions]` into `boot_partitions`; returns what is
  /// wrong with it, naming the key, or an empty string.
  std::string load_boot_partitions() {
    auto section = caf::get_if<caf::settings>(&content,
                                              "checkpoint.partitions");
    if (!section)
      return {};
    for (auto& [key, value] : *section) {
      auto name = "checkpoint.partitions." + key;
      auto list = caf::get_if<caf::config_value::list>(&value);
      if (!list)
        return name + ": expected a list of partition names";
      auto& partitions = boot_partitions[key];
      for (auto& x : *list) {
        auto partition = caf::get_if<std::string>(&x);
        if (!partition)
          return name + ": invalid value " + caf::deep_to_string(x)
                 + " (expected a partition name)";
        partitions.push_back(*partition);
      }
    }
    return {};
  }

  /// Opens a new connection to the configured store.
  store_opener opener() const {
    if (kind == "postgres")
      return [opts = postgres] { return shared(postgres_store::open(opts)); };
    return [opts = sqlite] { return shared(sqlite_store::open(opts)); };
  }

  /// The number of store workers to spawn: a SQLite file has one owner.
  size_t worker_count() const {
    return kind == "sqlite" ? 1 : workers;
  }

  /// The option that names the store's location, for error messages.
  const char* store_option() const {
    return kind == "postgres" ? "checkpoint.postgres.dsn"
                               : "checkpoint.sqlite.path";
  }

private:
  std::string check_section(const std::string& prefix,
                            const caf::settings& section) const {
    for (auto& [key, value] : section) {
      auto name = prefix + '.' + key;
      // Its keys are group names, read by load_boot_partitions.
      if (name == "checkpoint.partitions")
        continue;
      if (auto nested = caf::get_if<caf::settings>(&value)) {
        if (auto problem = check_section(name, *nested); !problem.empty())
          return problem;
        continue;
      }
      auto opt = custom_options_.qualified_name_lookup(prefix, key);
      if (opt == nullptr)
        return name + ": unknown option";
      if (auto err = opt->check(value)) {
        auto type = opt->type_name();
        return name + ": invalid value " + caf::deep_to_string(value)
               + " (expected " + std::string{type.begin(), type.end()} + ")";
      }
    }
    return {};
  }

  template <class Store>
  static caf::expected<std::shared_ptr<store>>
  shared(caf::expected<std::unique_ptr<Store>> x) {
    if (!x)
      return std::move(x.error());
    return std::shared_ptr<checkpoint::store>{std::move(*x)};
  }
};

/// Asks the supervisor to drain and stop its groups, then stops the workers.
void stop(caf::scoped_actor& self, const supervisor_actor& sup,
          const store_worker& pool, caf::timespan timeout) {
  self->request(sup, timeout, shutdown_atom::value)
    .receive([](ok_atom) {},
             [](const caf::error& err) {
               std::cerr << "checkpointd: shutdown: " << describe(err)
                         << std::endl;
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
    std::cerr << "checkpointd: checkpoint.groups: group '" << group
              << "': " << describe(err) << std::endl;
    ok = false;
  };
  for (auto& name : cfg.boot_groups) {
    group_actor group;
    self->request(sup, timeout, start_atom::value, table_group{name, {}, {}},
                  group_options{})
      .receive([&](group_actor& hdl) { group = std::move(hdl); },
               [&](const caf::error& err) { fail(name, err); });
    if (!ok)
      return false;
    auto i = cfg.boot_partitions.find(name);
    if (i == cfg.boot_partitions.end())
      continue;
    self->request(group, timeout, ensure_atom::value, i->second)
      .receive([](ok_atom) {},
               [&](const caf::error& err) { fail(name, err); });
    if (!ok)
      return false;
  }
  return true;
}

int run(caf::actor_system& sys, const node_config& cfg,
        metrics_registry& metrics) {
  auto open = cfg.opener();
  // Migrating once up front turns an unreachable or unusable store into an
  // error now rather than into failing requests later.
  {
    auto db = open();
    if (!db) {
      std::cerr << "checkpointd: " << cfg.store_option()
                << ": cannot open the store: " << describe(db.error())
                << std::endl;
      return exit_runtime;
    }
    if (auto err = (*db)->migrate()) {
      std::cerr << "checkpointd: " << cfg.store_option()
                << ": cannot migrate the store: " << describe(err)
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
      ->request(sup, cfg.supervisor.groups.store_timeout,
                bootstrap_atom::value)
      .receive(
        [](const std::vector<std::string>& started) {
          std::cerr << "checkpointd: bootstrapped " << started.size()
                    << " group(s)" << std::endl;
        },
        [&](const caf::error& err) {
          std::cerr << "checkpointd: checkpoint.bootstrap: " << describe(err)
                    << std::endl;
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
                << describe(started.error()) << std::endl;
      stop(self, sup, pool, stop_timeout);
      return exit_runtime;
    }
    http = std::move(*started);
    std::cerr << "checkpointd: metrics on " << cfg.host << ':'
              << http->port() << std::endl;
    spdlog::info("msg=\"serving metrics\" address={}:{}", logfmt(cfg.host),
                 http->port());
  }
  auto port = publish_supervisor(sup, cfg.port, cfg.host);
  if (!port) {
    std::cerr << "checkpointd: checkpoint.node.port: cannot listen on "
              << cfg.host << ':' << cfg.port << ": " << describe(port.error())
              << std::endl;
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
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
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
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  node_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "checkpointd: bad command line or config file: "
              << describe(err) << std::endl;
    return exit_usage;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  if (!cfg.remainder.empty()) {
    std::cerr << "checkpointd: unexpected argument " << cfg.remainder.front()
              << std::endl;
    return exit_usage;
  }
  cfg.apply_content();
  if (auto problem = cfg.load_boot_partitions(); !problem.empty()) {
    std::cerr << "checkpointd: " << problem << std::endl;
    return exit_usage;
  }
  if (auto problem = cfg.validate(); !problem.empty()) {
    std::cerr << "checkpointd: " << problem << std::endl;
    return exit_usage;
  }
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

// checkpointd: a node that publishes the supervisor of a checkpoint store to
// other CAF nodes. Usage:
//
//   checkpointd [--config-file=PATH] [--checkpoint.OPTION=VALUE ...]
//
// Exit status: 0 after a graceful shutdown (SIGINT/SIGTERM), 2 for a bad
// option, 1 when the store or the node port is unusable. Nothing is
// published before every check has passed.

#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
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

#include "actors/store_worker.hpp"
#include "actors/supervisor.hpp"
#include "messages/error.hpp"
#include "messages/register.hpp"
#include "storage/postgres_store.hpp"
#include "storage/sqlite_store.hpp"

namespace checkpoint {
namespace {

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

  /// How the supervisor and its groups work.
  supervisor_config supervisor;

  /// The number of store workers (each holds a connection).
  size_t workers = 4;

  /// Whether to start every group with unapplied checkpoints at startup.
  bool bootstrap = false;

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
           "start the groups with unapplied checkpoints at startup");
    opt_group{custom_options_, "checkpoint.postgres"}
      .add(postgres.dsn, "dsn", "libpq connection string or URI")
      .add(postgres.schema, "schema", "staging schema of the tables");
    opt_group{custom_options_, "checkpoint.sqlite"}
      .add(sqlite.path, "path", "database file");
    opt_group{custom_options_, "checkpoint.node"}
      .add(host, "host", "address on which the supervisor is published")
      .add(port, "port", "port of the supervisor (0: pick a free one)");
    load<caf::io::middleman>();
    register_message_types(*this);
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

int run(caf::actor_system& sys, const node_config& cfg) {
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
  auto sup = sys.spawn(supervisor_impl, cfg.supervisor, pool);
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
  if (failed) {
    stop(self, sup, pool, stop_timeout);
    return exit_runtime;
  }
  auto port = sys.middleman().publish(sup, cfg.port, cfg.host.c_str());
  if (!port) {
    std::cerr << "checkpointd: checkpoint.node.port: cannot listen on "
              << cfg.host << ':' << cfg.port << ": " << describe(port.error())
              << std::endl;
    stop(self, sup, pool, stop_timeout);
    return exit_runtime;
  }
  std::cout << "listening on " << cfg.host << ':' << *port << std::endl;
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
  stop(self, sup, pool, stop_timeout);
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
  if (auto problem = cfg.validate(); !problem.empty()) {
    std::cerr << "checkpointd: " << problem << std::endl;
    return exit_usage;
  }
  caf::actor_system sys{cfg};
  return run(sys, cfg);
}

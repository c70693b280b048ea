#pragma once

// checkpointd's options: declared, loaded and validated without starting an
// actor system, so that a fuzz target and unit tests can reach them.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/settings.hpp>

#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/apps/tls.hpp>
#include <checkpoint/storage/postgres_store.hpp>
#include <checkpoint/storage/sqlite_store.hpp>

namespace checkpoint {

/// Tells whether `host` names the loopback interface: `localhost`, an IPv4
/// address in 127.0.0.0/8 or `::1`.
bool is_loopback(const std::string& host);

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

  /// The far-future guard of every store the node opens (only its
  /// `max_future` is an option).
  future_limit future;

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

  node_config();

  /// Loads the options from the command line `args` (without the program
  /// name) and the config file it names (`--config-file=PATH`, else
  /// `caf-application.ini` if present), read once, here. Returns what is
  /// wrong (see the overload), or an empty string.
  std::string load_options(std::vector<std::string> args);

  /// Loads the options from the command line `args` and the config file's
  /// text `file`: CAF's parser, then the dotted sections applied, the boot
  /// partitions read and every option validated. Returns what is wrong,
  /// naming the option (or CAF's error with its line or argument), or an
  /// empty string when the node may start (or CAF printed its help text:
  /// see `cli_helptext_printed`). CAF 0.17 silently drops a wrong-typed
  /// value of a known option from what it keeps, and keeps unknown keys, so
  /// every value of the file's `checkpoint` section is checked against the
  /// options here, as written in `file`.
  std::string load_options(std::vector<std::string> args,
                           const std::string& file);

  /// The number of store workers to spawn: a SQLite file has one owner.
  size_t worker_count() const;

  /// The option that names the store's location, for error messages.
  const char* store_option() const;

private:
  /// Copies the loaded `checkpoint` values into the members. CAF 0.17.6
  /// leaves the keys of dotted config file sections such as
  /// `[checkpoint.node]` in `content` only (which also holds the command
  /// line's values, so those still win); a value of the wrong type is left
  /// for `load_options` to report.
  void apply_content();

  /// Reads `[checkpoint.partitions]` into `boot_partitions`; returns what is
  /// wrong with it, naming the key, or an empty string.
  std::string load_boot_partitions();

  /// Returns what is out of range among the loaded values, naming the
  /// option, or an empty string.
  std::string validate() const;

  /// Returns the first key of `section` (named `prefix`) that is no option
  /// or holds a value of the wrong type, with what is wrong.
  std::string check_section(const std::string& prefix,
                            const caf::settings& section) const;
};

} // namespace checkpoint

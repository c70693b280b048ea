#pragma once

// What every client program of a checkpointd node needs: its address from
// `HOST:PORT`, a CAF config with the component's types, a connection to the
// node's supervisor (plain or TLS) that cannot hang, the one request that
// starts a group (checkpointd's boot groups use it too) and the meaning of
// an error as an exit status.

#include <cstdint>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/timespan.hpp>

#include <checkpoint/apps/tls.hpp>
#include <checkpoint/messages/actors.hpp>

namespace CLI {
class Option;
} // namespace CLI

namespace checkpoint {

/// The exit statuses of the client programs (checkpointctl, checkpoint-demo,
/// checkpoint-load).
enum client_exit : int {
  exit_ok = 0,
  /// The node refused an operation (one of the component's errors).
  exit_refused = 1,
  /// A usage error: a bad option, name, time or range, found before anything
  /// is sent.
  exit_usage = 2,
  /// The node could not be reached, did not answer in time or was lost.
  exit_unreachable = 3,
};

/// The exit status that a failed request means: `exit_refused` for the
/// component's errors (the node answered), `exit_unreachable` for CAF's own
/// (no connection, a timeout, a lost node); `exit_ok` for no error.
client_exit exit_status_of(const caf::error& err);

/// Where a node listens.
struct node_address {
  std::string host;
  uint16_t port = 0;
};

/// Parses `HOST:PORT` (port 1..65535); the error (`ec::bad_input`) names
/// `option` and says what is wrong.
caf::expected<node_address> parse_node_address(const std::string& text,
                                               const std::string& option);

/// The command-line options by which every client reaches its node:
/// `--node`, `--timeout` and the `--tls-*` files. CLI11 writes the
/// timeout's seconds into this object, so it stays put until `check`.
class connection_options {
public:
  /// Adds the options to `app`: `--node` into `node` (its value is the
  /// default), the `--tls-*` files into `tls`.
  connection_options(CLI::App& app, std::string& node, tls_files& tls);

  connection_options(const connection_options&) = delete;
  connection_options& operator=(const connection_options&) = delete;

  /// After parsing: parses `--node` into `address`, sets `timeout` when
  /// `--timeout` was given, and checks the `--tls-*` files. Returns what is
  /// wrong, or an empty string.
  std::string check(node_address& address, caf::timespan& timeout) const;

private:
  const std::string& node_;
  const tls_files& tls_;
  double timeout_seconds_ = 5;
  CLI::Option* timeout_;
};

/// The shortest and the longest duration a client option takes, in seconds
/// (a millisecond, a day).
constexpr double min_option_seconds = 0.001;
constexpr double max_option_seconds = 86400;

/// Converts the value of a duration option (`seconds`, given as `text`) to
/// a timespan; the error (`ec::bad_input`) names `option` when the value is
/// NaN or out of range. CLI11's range checks let NaN through, and the
/// conversion of NaN or of 1e300 seconds to nanoseconds is undefined.
caf::expected<caf::timespan> seconds_option(double seconds,
                                            const std::string& text,
                                            const std::string& option);

/// A client node: CAF's network layer and the component's message types; it
/// reads no config file.
struct client_config : caf::actor_system_config {
  client_config();

  /// Takes CAF's defaults: no config file and no arguments, since the
  /// clients parse their own command lines (CLI11).
  caf::error parse_defaults();
};

/// A subscriber that forwards every bounds update and the group's
/// `group_stopped` to `sink`: how a blocking actor of a client program
/// subscribes to a group.
bounds_subscriber::behavior_type forward_bounds(caf::actor sink);

/// Connects to the supervisor that `addr` publishes, over TLS when the
/// system speaks it (see `use_tls`), waiting at most `timeout`:
/// `remote_actor()` would wait forever for a peer that accepts but never
/// answers the handshake.
caf::expected<supervisor_actor> connect_supervisor(caf::scoped_actor& self,
                                                   const node_address& addr,
                                                   caf::timespan timeout);

/// Asks the supervisor `sup` for the group `name` (the node checks and
/// canonicalises it), starting it with `options` unless it runs already:
/// the one start request of every program, waiting at most `timeout`.
caf::expected<group_actor>
start_group(caf::scoped_actor& self, const supervisor_actor& sup,
            const std::string& name, const group_options& options,
            caf::timespan timeout);

} // namespace checkpoint

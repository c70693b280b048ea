#pragma once

// checkpointctl's command line, parsed without an actor system, so that a
// fuzz target and unit tests can reach it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <caf/optional.hpp>
#include <caf/timespan.hpp>

#include <checkpoint/apps/node_client.hpp>
#include <checkpoint/messages/hlc.hpp>

namespace checkpoint {

/// checkpointctl's commands, each with exactly its arguments. Names are
/// checked and in canonical form; times and ranges are valid.
namespace ctl {

struct advance {
  std::string group;
  std::string partition;
  hlc_time ts;
};

/// Marks `[range.min, range.max)` applied; `min <= max` (an empty range is a
/// no-op at the node).
struct commit {
  std::string group;
  hlc_range range;
};

struct ensure {
  std::string group;
  std::vector<std::string> partitions;
};

struct bounds {
  std::string group;
};

struct refresh {
  std::string group;
};

struct status {
  std::string group;
};

struct scan {};

struct groups {};

struct watch {
  std::string group;

  /// Lines to print before stopping (0: never stops).
  size_t count = 0;
};

} // namespace ctl

/// One of checkpointctl's commands.
using ctl_command
  = std::variant<ctl::advance, ctl::commit, ctl::ensure, ctl::bounds,
                 ctl::refresh, ctl::status, ctl::scan, ctl::groups, ctl::watch>;

/// What the command line asks for.
struct command_line {
  /// The node as given, `HOST:PORT`.
  std::string node = "127.0.0.1:7710";

  /// The node's host and port, parsed from `node`.
  node_address address;

  /// Whether to print JSON.
  bool json = false;

  /// The lookahead of a group this command starts; absent: the node's.
  caf::optional<int32_t> lookahead;

  /// How long connecting and each request may take.
  caf::timespan timeout = std::chrono::seconds(5);

  /// The files of mutual TLS with the node; none: plain TCP.
  tls_files tls;

  /// The command and its arguments.
  ctl_command command;
};

/// How parsing ends when no command is to run.
struct ctl_exit {
  /// 0 after `--help`, `exit_usage` for a usage error.
  int status = exit_usage;

  /// What to print, newline included: the help text (stdout) or what was
  /// wrong (stderr).
  std::string text;
};

/// Parses checkpointctl's arguments (`argv[0]` is the program).
std::variant<command_line, ctl_exit>
parse_command_line(int argc, const char* const* argv);

} // namespace checkpoint

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

/// Exit status of checkpointctl for a usage error (including a malformed
/// timestamp or range).
constexpr int ctl_exit_usage = 2;

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

  /// The command's name and arguments (only those it takes are set). The
  /// group is in canonical form; partition names are the node's to check.
  std::string command;
  std::string group;
  std::string partition;
  hlc_time ts;
  hlc_range range;
  std::vector<std::string> partitions;

  /// Lines `watch` prints before it stops (0: never stops).
  size_t count = 0;
};

/// How parsing ends when no command is to run.
struct ctl_exit {
  /// 0 after `--help`, `ctl_exit_usage` for a usage error.
  int status = ctl_exit_usage;

  /// What to print, newline included: the help text (stdout) or what was
  /// wrong (stderr).
  std::string text;
};

/// Parses checkpointctl's arguments (`argv[0]` is the program).
std::variant<command_line, ctl_exit>
parse_command_line(int argc, const char* const* argv);

} // namespace checkpoint

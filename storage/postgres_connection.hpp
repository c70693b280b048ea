#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include <pqxx/connection>

namespace checkpoint {

/// How the PostgreSQL store and its listener reach the server: one parse of
/// the connection string, one way to connect, and messages that name the
/// server but never show the password. Internal to the storage library.
class postgres_target {
public:
  /// Checks the schema name (it must fit into the channel name) and parses
  /// `dsn`; `bad_input` for either, without libpq's message about the DSN,
  /// which may quote the password.
  static caf::expected<postgres_target> parse(const std::string& dsn,
                                              const std::string& schema);

  /// Connects, with the client encoding UTF-8 (names are UTF-8 whatever the
  /// database's default). Fails with `store_unavailable`, "CONTEXT: cannot
  /// connect to PostgreSQL (TARGET): REASON" with the reason scrubbed.
  caf::expected<std::unique_ptr<pqxx::connection>>
  connect(const std::string& context) const;

  /// `text` without trailing whitespace (server and libpq messages end in
  /// newlines) and with the password masked.
  std::string scrub(std::string text) const;

  /// "host H, port P, database D", for messages.
  const std::string& description() const {
    return description_;
  }

  /// The LISTEN/NOTIFY channel of the schema: `<schema>.checkpoints`.
  const std::string& channel() const {
    return channel_;
  }

private:
  postgres_target() = default;

  std::string dsn_;
  std::string description_;
  std::string password_;
  std::string channel_;
};

} // namespace checkpoint

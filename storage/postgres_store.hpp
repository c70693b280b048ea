#pragma once

#include <memory>
#include <string>

#include <checkpoint/storage/backend_pids.hpp>
#include <checkpoint/storage/store.hpp>

namespace checkpoint {

/// Where the PostgreSQL store keeps its tables.
struct postgres_options {
  /// A libpq connection string or URI; libpq's PG* environment variables
  /// fill in what it leaves out.
  std::string dsn;

  /// The staging schema that holds the tables.
  std::string schema = "_replicator";

  /// If set, every open connection of the store is recorded here, so that
  /// the node's listener can skip the notifications of its own writes.
  std::shared_ptr<backend_pids> own_backends = nullptr;
};

/// The production store on PostgreSQL (libpqxx). One instance owns one
/// connection and is used by one thread at a time; several processes may
/// share one database.
class postgres_store final : public store {
public:
  /// Connects; does not touch the schema (see `migrate`).
  static caf::expected<std::unique_ptr<postgres_store>>
  open(postgres_options opts);

  ~postgres_store() override;

  caf::error migrate() override;

  caf::expected<std::vector<std::string>> scan() override;

  /// Runs `SELECT 1` on the store's connection.
  caf::error ping() override;

protected:
  caf::expected<std::vector<caf::error>>
  do_apply(const std::string& group,
           const std::vector<operation>& ops) override;

  caf::expected<hlc_range> do_bounds(const std::string& group,
                                     int32_t lookahead) override;

  caf::expected<std::vector<partition_status>>
  do_status(const std::string& group, int32_t lookahead) override;

  caf::expected<std::vector<checkpoint_row>>
  do_history(const std::string& group) override;

private:
  struct impl;

  explicit postgres_store(std::unique_ptr<impl> ptr);

  // Keeps libpqxx out of this header: it is included by actor code.
  std::unique_ptr<impl> impl_;
};

} // namespace checkpoint

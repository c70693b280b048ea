#pragma once

#include <memory>
#include <string>

#include <checkpoint/storage/store.hpp>

namespace checkpoint {

/// Where the embedded store keeps its file.
struct sqlite_options {
  /// The database file; created on first use.
  std::string path;
};

/// The embedded store on SQLite: one file, owned by one process at a time
/// (a second opener fails with a clear error). One instance holds one
/// connection and may be shared by several threads (calls are serialised).
class sqlite_store final : public store {
public:
  /// Opens (or creates) the file and takes ownership of it; does not touch
  /// the schema (see `migrate`).
  static caf::expected<std::unique_ptr<sqlite_store>> open(sqlite_options opts);

  ~sqlite_store() override;

  caf::error migrate() override;

  caf::expected<std::vector<std::string>> scan() override;

  /// Reads the schema version from the file.
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

  explicit sqlite_store(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace checkpoint

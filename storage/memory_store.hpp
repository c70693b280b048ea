#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <checkpoint/storage/store.hpp>

namespace checkpoint {

/// A store that keeps its rows in memory: the executable form of
/// SEMANTICS.md. It is the reference that the database stores are checked
/// against and the store double of the actor tests. Not durable.
class memory_store final : public store {
public:
  caf::error migrate() override;

  caf::expected<std::vector<std::string>> scan() override;

  /// Always answers: the store is in this process.
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
  // One partition's rows, sorted by timestamp.
  using rows = std::vector<checkpoint_row>;

  // Partitions by canonical name.
  using partitions = std::map<std::string, rows>;

  // Guards groups_: a store may be shared by several worker threads.
  std::mutex mtx_;

  // Groups by canonical name.
  std::map<std::string, partitions> groups_;
};

} // namespace checkpoint

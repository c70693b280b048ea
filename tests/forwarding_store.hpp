#pragma once

#include <memory>
#include <string>
#include <vector>

#include <checkpoint/storage/store.hpp>

namespace checkpoint::test {

/// A store that forwards every call to an inner store: the base of the test
/// and benchmark doubles, which override only the calls they observe or
/// change and call this class for the rest.
class forwarding_store : public store {
public:
  explicit forwarding_store(std::shared_ptr<store> inner)
    : inner_(std::move(inner)) {
  }

  caf::error migrate() override {
    return inner_->migrate();
  }

  caf::expected<std::vector<std::string>> scan() override {
    return inner_->scan();
  }

  caf::error ping() override {
    return inner_->ping();
  }

protected:
  caf::expected<std::vector<caf::error>>
  do_apply(const std::string& group,
           const std::vector<operation>& ops) override {
    return inner_->apply(group, ops);
  }

  caf::expected<hlc_range> do_bounds(const std::string& group,
                                     int32_t lookahead) override {
    return inner_->bounds(group, lookahead);
  }

  caf::expected<std::vector<partition_status>>
  do_status(const std::string& group, int32_t lookahead) override {
    return inner_->status(group, lookahead);
  }

  caf::expected<std::vector<checkpoint_row>>
  do_history(const std::string& group) override {
    return inner_->history(group);
  }

private:
  std::shared_ptr<store> inner_;
};

} // namespace checkpoint::test

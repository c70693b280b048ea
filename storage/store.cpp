#include <checkpoint/storage/store.hpp>

#include <caf/deep_to_string.hpp>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/names.hpp>

namespace checkpoint {

namespace {

caf::error invalid_time(hlc_time t, const char* what) {
  return make_error(ec::bad_input,
                    std::string{what} + " " + std::to_string(t.nanos) + "."
                      + std::to_string(t.logical)
                      + " is not a valid HLC time (nanos and logical must "
                        "not be negative)");
}

// Validates one operation and brings its names into canonical form. Returns
// an error for an operation that must fail without reaching the store.
caf::error normalize(const std::string& group, operation& op) {
  if (auto* adv = std::get_if<advance_op>(&op)) {
    auto name = canonical_name(adv->partition, "partition");
    if (!name)
      return std::move(name.error());
    adv->partition = std::move(*name);
    if (!valid(adv->ts))
      return invalid_time(adv->ts, "advance timestamp");
    return {};
  }
  if (auto* com = std::get_if<commit_op>(&op)) {
    if (!valid(com->range.min))
      return invalid_time(com->range.min, "commit range minimum");
    if (!valid(com->range.max))
      return invalid_time(com->range.max, "commit range maximum");
    if (com->range.min > com->range.max)
      return make_error(ec::bad_input, "commit range " + to_string(com->range)
                                         + " of group '" + group
                                         + "' is reversed (min > max)");
    return {};
  }
  auto& ens = std::get<ensure_op>(op);
  for (auto& partition : ens.partitions) {
    auto name = canonical_name(partition, "partition");
    if (!name)
      return std::move(name.error());
    partition = std::move(*name);
  }
  return {};
}

// Refuses an Advance more than `limit.max_future` ahead of the clock. Both
// times are non-negative, so their difference cannot overflow. Names stay
// raw in the context, as in every error: whoever prints it escapes them.
caf::error check_future(const std::string& group, const operation& op,
                        const future_limit& limit) {
  auto* adv = std::get_if<advance_op>(&op);
  if (!adv || limit.max_future.count() <= 0)
    return {};
  auto now = limit.clock().time_since_epoch().count();
  if (adv->ts.nanos - now <= limit.max_future.count())
    return {};
  return make_error(
    ec::far_future,
    "checkpoint for group '" + group + "' partition '" + adv->partition
      + "' is too far in the future: " + to_string(adv->ts) + " ("
      + utc_text(adv->ts.nanos) + ") is more than "
      + caf::deep_to_string(limit.max_future)
      + " (checkpoint.max-future) ahead of this node's clock (" + utc_text(now)
      + "); check that the source sends nanoseconds (not "
        "microseconds as nanoseconds or the other way round) and that the "
        "clocks of the source and of this node are right");
}

caf::error check_lookahead(int32_t lookahead) {
  if (lookahead < 0)
    return make_error(ec::bad_input, "lookahead limit "
                                       + std::to_string(lookahead)
                                       + " is negative (0 means no limit)");
  return {};
}

} // namespace

store::~store() = default;

void store::limit_future(future_limit limit) {
  future_ = std::move(limit);
}

caf::expected<std::vector<caf::error>>
store::apply(std::string_view group, const std::vector<operation>& ops) {
  auto name = canonical_name(group, "group");
  if (!name)
    return std::move(name.error());
  std::vector<caf::error> results(ops.size());
  std::vector<operation> valid_ops;
  std::vector<size_t> positions; // index in `ops` of each valid operation
  valid_ops.reserve(ops.size());
  positions.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    auto op = ops[i];
    auto err = normalize(*name, op);
    if (!err)
      err = check_future(*name, op, future_);
    if (err) {
      results[i] = std::move(err);
      continue;
    }
    valid_ops.push_back(std::move(op));
    positions.push_back(i);
  }
  if (valid_ops.empty())
    return results;
  auto applied = do_apply(*name, valid_ops);
  if (!applied)
    return std::move(applied.error());
  for (size_t i = 0; i < positions.size(); ++i)
    results[positions[i]] = std::move((*applied)[i]);
  return results;
}

caf::expected<hlc_range> store::bounds(std::string_view group,
                                       int32_t lookahead) {
  auto name = canonical_name(group, "group");
  if (!name)
    return std::move(name.error());
  if (auto err = check_lookahead(lookahead))
    return err;
  return do_bounds(*name, lookahead);
}

caf::expected<std::vector<partition_status>>
store::status(std::string_view group, int32_t lookahead) {
  auto name = canonical_name(group, "group");
  if (!name)
    return std::move(name.error());
  if (auto err = check_lookahead(lookahead))
    return err;
  return do_status(*name, lookahead);
}

caf::expected<std::vector<checkpoint_row>>
store::history(std::string_view group) {
  auto name = canonical_name(group, "group");
  if (!name)
    return std::move(name.error());
  return do_history(*name);
}

caf::error going_backwards_error(const std::string& group,
                                 const std::string& partition, hlc_time ts,
                                 hlc_time head) {
  return make_error(ec::going_backwards,
                    "checkpoint for group '" + group + "' partition '"
                      + partition + "' is going backwards: " + to_string(ts)
                      + " is before the recorded " + to_string(head)
                      + "; verify the changefeed cursor or remove "
                        "already-applied checkpoints");
}

caf::error newer_schema_error(const std::string& context, int found,
                              int known) {
  return make_error(ec::store_failure,
                    context + ": the schema is at version "
                      + std::to_string(found) + ", newer than version "
                      + std::to_string(known)
                      + " that this build knows: a newer build migrated it; "
                        "run that build (an older one must not write to a "
                        "newer schema)");
}

caf::error foreign_table_error(const std::string& context,
                               const std::string& instead) {
  return make_error(ec::store_failure,
                    context
                      + ": it holds a table 'checkpoints' that this component "
                        "did not create (it has no schema version of this "
                        "component; replicator's staging table has that "
                        "name): "
                      + instead);
}

} // namespace checkpoint

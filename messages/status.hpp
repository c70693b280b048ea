#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include <checkpoint/messages/hlc.hpp>

namespace checkpoint {

/// One partition's contribution to the bounds (SEMANTICS.md steps 1-2).
struct partition_window {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.partition_window";

  /// `lower(p)`'s timestamp, or zero; meaningful only when dirty.
  hlc_time min;
  /// The greatest counted timestamp.
  hlc_time max;
  /// Whether the partition has unapplied rows.
  bool dirty = false;
};

/// Same start, end and dirtiness.
inline bool operator==(const partition_window& x, const partition_window& y) {
  return x.min == y.min && x.max == y.max && x.dirty == y.dirty;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_window& x) {
  return f(caf::meta::type_name(partition_window::type_name), x.min, x.max,
           x.dirty);
}

/// Where one partition of a group stands.
struct partition_status {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.partition_status";

  /// The partition's canonical name.
  std::string partition;

  /// The greatest recorded timestamp.
  hlc_time head;

  /// The least unapplied timestamp, if any.
  caf::optional<hlc_time> first_unapplied;

  /// How many rows are not applied yet.
  int64_t unapplied = 0;

  /// When the head row was first recorded (wall clock).
  caf::timestamp last_advance;

  /// The partition's window under the group's lookahead limit, computed
  /// from the same rows as the bounds.
  partition_window window;
};

/// Every field equal.
inline bool operator==(const partition_status& x, const partition_status& y) {
  return x.partition == y.partition && x.head == y.head
         && x.first_unapplied == y.first_unapplied && x.unapplied == y.unapplied
         && x.last_advance == y.last_advance && x.window == y.window;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_status& x) {
  return f(caf::meta::type_name(partition_status::type_name), x.partition,
           x.head, x.first_unapplied, x.unapplied, x.last_advance, x.window);
}

} // namespace checkpoint

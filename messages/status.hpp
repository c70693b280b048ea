#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/timestamp.hpp>

#include <checkpoint/messages/hlc.hpp>

namespace checkpoint {

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
};

inline bool operator==(const partition_status& x, const partition_status& y) {
  return x.partition == y.partition && x.head == y.head
         && x.first_unapplied == y.first_unapplied && x.unapplied == y.unapplied
         && x.last_advance == y.last_advance;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_status& x) {
  return f(caf::meta::type_name(partition_status::type_name), x.partition,
           x.head, x.first_unapplied, x.unapplied, x.last_advance);
}

} // namespace checkpoint

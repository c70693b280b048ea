#pragma once

// A subscriber for the actor suites: it keeps every message it gets.

#include <utility>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/messages/actors.hpp>

namespace checkpoint::test {

/// The updates a collector received, in order.
struct collector_state {
  std::vector<bounds_update> updates;
  std::vector<group_stopped> stopped;
};

/// The collector's actor type, for `deref` in tests.
using collector_actor
  = caf::stateful_actor<collector_state, bounds_subscriber::base>;

/// Implements the collector.
inline bounds_subscriber::behavior_type
collector(bounds_subscriber::stateful_pointer<collector_state> self) {
  return {
    [self](bounds_update& x) { self->state.updates.push_back(std::move(x)); },
    [self](group_stopped& x) { self->state.stopped.push_back(std::move(x)); },
  };
}

} // namespace checkpoint::test

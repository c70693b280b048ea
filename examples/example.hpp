#pragma once

// What both example programs do once they hold a supervisor: start a group,
// subscribe an actor of their own, write a few checkpoints and print every
// bounds change.

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>

namespace checkpoint::example {

/// Prints every bounds change it receives. Answers `ok` once everything
/// that arrived before has been printed.
inline caf::behavior printer(caf::event_based_actor*) {
  return {
    [](const bounds_update& x) {
      std::cout << x.group << ": " << to_string(x.bounds) << std::endl;
    },
    [](const group_stopped& x) {
      std::cout << x.group << " stopped: " << x.reason << std::endl;
    },
    [](ok_atom) { return ok_atom::value; },
  };
}

/// Subscribes `printer` to `group`, then ensures partitions p1 and p2,
/// advances them to 5 and 7 and commits [0, 6): Ensure, Advance and Commit
/// as a changefeed would send them. Returns false after printing the first
/// error.
inline bool drive(caf::scoped_actor& self, const group_actor& group,
                  const caf::actor& printer) {
  auto timeout = std::chrono::seconds(5);
  auto ok = true;
  auto on_error = [&](const caf::error& err) {
    std::cerr << "error: " << describe(err) << std::endl;
    ok = false;
  };
  auto call = [&](auto... xs) {
    if (ok)
      self->request(group, timeout, xs...).receive([](ok_atom) {}, on_error);
  };
  auto subscriber = caf::actor_cast<bounds_subscriber>(printer);
  call(subscribe_atom::value, subscriber);
  call(ensure_atom::value, std::vector<std::string>{"p1", "p2"});
  call(advance_atom::value, std::string{"p1"}, hlc_time{5, 0});
  call(advance_atom::value, std::string{"p2"}, hlc_time{7, 0});
  call(commit_atom::value, hlc_range{{0, 0}, {6, 0}});
  // The group answers a refresh only after sending the bounds it computed
  // to its subscribers; the printer answers `ok` after printing them.
  if (ok)
    self->request(group, timeout, refresh_atom::value)
      .receive([](const hlc_range&) {}, on_error);
  if (ok)
    self->request(printer, timeout, ok_atom::value)
      .receive([](ok_atom) {}, on_error);
  call(unsubscribe_atom::value, subscriber);
  return ok;
}

/// Starts the group `name` through `sup`, then drives it (see `drive`).
/// Returns false after printing the first error.
inline bool
start_and_drive(caf::scoped_actor& self, const supervisor_actor& sup,
                const std::string& name, const caf::actor& printer) {
  auto ok = false;
  self
    ->request(sup, std::chrono::seconds(5), start_atom::value,
              table_group{name, {}, {}}, group_options{})
    .receive(
      [&](const group_actor& group) { ok = drive(self, group, printer); },
      [](const caf::error& err) {
        std::cerr << "error: " << describe(err) << std::endl;
      });
  return ok;
}

} // namespace checkpoint::example

#pragma once

// What both example programs do once they hold the component (`checkpoints`,
// embedded or attached to a node's supervisor): start a group, subscribe an
// actor of their own, write a few checkpoints and print every bounds change.

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <checkpoint/checkpoints.hpp>
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

/// Subscribes `printer` to `g`, then ensures partitions p1 and p2,
/// advances them to 5 and 7 and commits [0, 6): Ensure, Advance and Commit
/// as a changefeed would send them, through the facade's blocking calls.
/// Returns false after printing the first error.
inline bool drive(caf::actor_system& sys, const group& g,
                  const caf::actor& printer) {
  auto subscriber = caf::actor_cast<bounds_subscriber>(printer);
  auto err = g.subscribe(subscriber);
  if (!err)
    err = g.ensure({"p1", "p2"});
  if (!err)
    err = g.advance("p1", hlc_time{5, 0});
  if (!err)
    err = g.advance("p2", hlc_time{7, 0});
  if (!err)
    err = g.commit(hlc_range{{0, 0}, {6, 0}});
  // The group answers a refresh only after sending the bounds it computed
  // to its subscribers; the printer answers `ok` after printing them.
  if (!err) {
    auto bounds = g.refresh();
    if (!bounds)
      err = std::move(bounds.error());
  }
  if (!err) {
    caf::scoped_actor self{sys};
    self->request(printer, std::chrono::seconds(5), ok_atom::value)
      .receive([](ok_atom) {}, [&](caf::error& x) { err = std::move(x); });
  }
  if (!err)
    err = g.unsubscribe(subscriber);
  if (err) {
    std::cerr << "error: " << describe(err) << std::endl;
    return false;
  }
  return true;
}

/// Starts the group `name` through `cps`, then drives it (see `drive`).
/// Returns false after printing the first error.
inline bool start_and_drive(caf::actor_system& sys, const checkpoints& cps,
                            const std::string& name,
                            const caf::actor& printer) {
  auto g = cps.start(table_group{name, {}, {}});
  if (!g) {
    std::cerr << "error: " << describe(g.error()) << std::endl;
    return false;
  }
  return drive(sys, *g, printer);
}

} // namespace checkpoint::example

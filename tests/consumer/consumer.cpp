// A consumer of the installed component through its facade
// (<checkpoint/checkpoints.hpp>): its own actor system with the SQLite
// store, one group driven with Ensure and Advance from plain code (blocking
// calls) and with Advance and Commit from an actor of its own (requests),
// and the bounds checked after each step. Exits 0 only if every bounds is
// right.
//
//   consumer DB_FILE

#include <chrono>
#include <iostream>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>

#include <checkpoint/checkpoints.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/register.hpp>

using namespace checkpoint;

namespace {

// Prints the bounds after `what`; tells whether they are `expected`.
bool check(const std::string& what, const hlc_range& bounds,
           const hlc_range& expected) {
  std::cout << what << ": " << to_string(bounds) << std::endl;
  if (bounds == expected)
    return true;
  std::cerr << what << ": expected " << to_string(expected) << std::endl;
  return false;
}

// Plain code: a blocking write, then the bounds that a refresh returns.
bool step(const std::string& what, caf::error err, const group& g,
          const hlc_range& expected) {
  if (err) {
    std::cerr << what << ": " << describe(err) << std::endl;
    return false;
  }
  auto bounds = g.refresh();
  if (!bounds) {
    std::cerr << what << ": " << describe(bounds.error()) << std::endl;
    return false;
  }
  return check(what, *bounds, expected);
}

// An actor that, asked with `ok`, advances p2 to 7, commits [0, 6) and
// checks the bounds after each, never blocking: each request continues
// with `.then`. Answers whether every bounds was right, or the first error.
caf::behavior driver(caf::event_based_actor* self, group g) {
  return {
    [=](ok_atom) {
      auto rp = self->make_response_promise();
      auto fail = [=](caf::error& err) mutable { rp.deliver(std::move(err)); };
      g.advance(self, "p2", hlc_time{7, 0})
        .then(
          [=](ok_atom) {
            g.refresh(self).then(
              [=](const hlc_range& bounds) mutable {
                if (!check("advance p2", bounds, {{1, 1}, {5, 1}})) {
                  rp.deliver(false);
                  return;
                }
                g.commit(self, hlc_range{{0, 0}, {6, 0}})
                  .then(
                    [=](ok_atom) {
                      g.refresh(self).then(
                        [=](const hlc_range& bounds) mutable {
                          rp.deliver(check("commit", bounds, {{5, 0}, {5, 1}}));
                        },
                        fail);
                    },
                    fail);
              },
              fail);
          },
          fail);
      return rp;
    },
  };
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer DB_FILE" << std::endl;
    return 2;
  }
  caf::actor_system_config cfg;
  register_message_types(cfg);
  caf::actor_system sys{cfg};
  auto cps = checkpoints::open_sqlite(sys, argv[1]);
  if (!cps) {
    std::cerr << "open: " << describe(cps.error()) << std::endl;
    return 1;
  }
  auto g = cps->start(table_group{"orders", "public", {"orders", "lines"}});
  if (!g) {
    std::cerr << "start: " << describe(g.error()) << std::endl;
    return 1;
  }
  auto ok = step("ensure", g->ensure({"p1", "p2"}), *g, {{1, 1}, {1, 2}})
            && step("advance p1", g->advance("p1", hlc_time{5, 0}), *g,
                    {{1, 1}, {1, 2}});
  if (ok) {
    auto actor = sys.spawn(driver, *g);
    caf::scoped_actor self{sys};
    ok = false;
    self->request(actor, std::chrono::seconds(10), ok_atom::value)
      .receive([&](bool right) { ok = right; },
               [](const caf::error& err) {
                 std::cerr << "driver: " << describe(err) << std::endl;
               });
    self->send_exit(actor, caf::exit_reason::user_shutdown);
  }
  // `cps` drains and stops the group, the supervisor and the worker when it
  // goes: every actor must end before the actor system can.
  return ok ? 0 : 1;
}

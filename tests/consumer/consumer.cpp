// A consumer of the installed component: its own actor system with the
// SQLite store, one group driven with Ensure, Advance and Commit, and the
// bounds checked after each step. Exits 0 only if every bounds is right.
//
//   consumer DB_FILE

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/register.hpp>
#include <checkpoint/storage/sqlite_store.hpp>

using namespace checkpoint;

namespace {

constexpr auto timeout = std::chrono::seconds(5);

// Sends one write to `group`, then checks the bounds a refresh returns.
template <class... Ts>
bool step(caf::scoped_actor& self, const group_actor& group,
          const std::string& what, hlc_range expected, Ts... xs) {
  auto ok = false;
  auto on_error = [&](const caf::error& err) {
    std::cerr << what << ": " << describe(err) << std::endl;
  };
  self->request(group, timeout, xs...)
    .receive([&](ok_atom) { ok = true; }, on_error);
  if (!ok)
    return false;
  ok = false;
  self->request(group, timeout, refresh_atom::value)
    .receive(
      [&](const hlc_range& bounds) {
        ok = bounds == expected;
        std::cout << what << ": " << to_string(bounds) << std::endl;
        if (!ok)
          std::cerr << what << ": expected " << to_string(expected)
                    << std::endl;
      },
      on_error);
  return ok;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer DB_FILE" << std::endl;
    return 2;
  }
  // The store as the pool's one worker opens it (a SQLite file has one
  // owner), migrated before first use.
  auto open_store
    = [path = std::string{argv[1]}]() -> caf::expected<std::shared_ptr<store>> {
    auto opened = sqlite_store::open(sqlite_options{path});
    if (!opened)
      return opened.error();
    std::shared_ptr<store> db{std::move(*opened)};
    if (auto err = db->migrate())
      return err;
    return db;
  };
  caf::actor_system_config cfg;
  register_message_types(cfg);
  caf::actor_system sys{cfg};
  auto pool = spawn_store_pool(sys, 1, open_store);
  auto sup = sys.spawn(supervisor_impl, supervisor_config{}, pool);
  caf::scoped_actor self{sys};
  auto ok = false;
  self
    ->request(sup, timeout, start_atom::value, table_group{"orders", {}, {}},
              group_options{})
    .receive(
      [&](const group_actor& group) {
        using parts = std::vector<std::string>;
        ok = step(self, group, "ensure", {{1, 1}, {1, 2}}, ensure_atom::value,
                  parts{"p1", "p2"})
             && step(self, group, "advance p1", {{1, 1}, {1, 2}},
                     advance_atom::value, std::string{"p1"}, hlc_time{5, 0})
             && step(self, group, "advance p2", {{1, 1}, {5, 1}},
                     advance_atom::value, std::string{"p2"}, hlc_time{7, 0})
             && step(self, group, "commit", {{5, 0}, {5, 1}},
                     commit_atom::value, hlc_range{{0, 0}, {6, 0}});
      },
      [](const caf::error& err) {
        std::cerr << "start: " << describe(err) << std::endl;
      });
  // Every actor must end before the actor system can.
  self->request(sup, timeout, shutdown_atom::value)
    .receive([](ok_atom) {}, [](const caf::error&) {});
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  return ok ? 0 : 1;
}

// Embeds the checkpoint component in a program's own actor system, on the
// SQLite store: no server, no network. Usage:
//
//   embedded DB_FILE [GROUP]
//
// Starts the group (default `orders`), subscribes an actor of its own,
// writes a few checkpoints and prints each bounds change, e.g.
//
//   orders: [ 0.0000000000 -> 0.0000000001 )
//   ...
//   orders: [ 5.0000000000 -> 5.0000000001 )

#include <iostream>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/actors/supervisor.hpp>
#include <checkpoint/examples/example.hpp>
#include <checkpoint/messages/register.hpp>
#include <checkpoint/storage/sqlite_store.hpp>

using namespace checkpoint;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: embedded DB_FILE [GROUP]" << std::endl;
    return 2;
  }
  std::string group_name = argc == 3 ? argv[2] : "orders";
  caf::actor_system_config cfg;
  register_message_types(cfg);
  caf::actor_system sys{cfg};
  // A SQLite file has one owner: one worker, which migrates the schema the
  // first time it opens the file.
  sqlite_options db{argv[1]};
  auto pool = spawn_store_pool(sys, 1,
                               [db]() -> caf::expected<std::shared_ptr<store>> {
                                 auto s = sqlite_store::open(db);
                                 if (!s)
                                   return std::move(s.error());
                                 if (auto err = (*s)->migrate())
                                   return err;
                                 return std::shared_ptr<store>{std::move(*s)};
                               });
  auto sup = sys.spawn(supervisor_impl, supervisor_config{}, pool);
  auto printer = sys.spawn(example::printer);
  caf::scoped_actor self{sys};
  auto ok = example::start_and_drive(self, sup, group_name, printer);
  // Every actor must end before the actor system can: drain the groups,
  // then stop the workers and the printer.
  self->request(sup, std::chrono::seconds(10), shutdown_atom::value)
    .receive([](ok_atom) {}, [](const caf::error&) {});
  self->send_exit(pool, caf::exit_reason::user_shutdown);
  self->send_exit(printer, caf::exit_reason::user_shutdown);
  return ok ? 0 : 1;
}

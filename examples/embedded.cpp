// Embeds the checkpoint component in a program's own actor system through
// the facade (<checkpoint/checkpoints.hpp>), on the SQLite store: no
// server, no network. Usage:
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
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>

#include <checkpoint/checkpoints.hpp>
#include <checkpoint/examples/example.hpp>
#include <checkpoint/messages/register.hpp>

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
  // Opens and migrates the file, then runs its worker and the supervisor
  // in `sys`; its destructor drains and stops them.
  auto cps = checkpoints::open_sqlite(sys, argv[1]);
  if (!cps) {
    std::cerr << "error: " << describe(cps.error()) << std::endl;
    return 1;
  }
  auto printer = sys.spawn(example::printer);
  auto ok = example::start_and_drive(sys, *cps, group_name, printer);
  caf::anon_send_exit(printer, caf::exit_reason::user_shutdown);
  return ok ? 0 : 1;
}

// stop_group: asks a node's supervisor to stop a group through its public
// `stop` operation, for the process tests (checkpointctl has no command for
// it).
//
//   stop_group HOST:PORT GROUP
//
// Exit status: 0 stopped (or not running), 1 refused by the node, 2 usage
// error, 3 the node could not be reached.

#include <chrono>
#include <iostream>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <checkpoint/apps/node_client.hpp>
#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>

int main(int argc, char** argv) {
  using namespace checkpoint;
  if (argc != 3) {
    std::cerr << "usage: stop_group HOST:PORT GROUP" << std::endl;
    return 2;
  }
  auto addr = parse_node_address(argv[1], "HOST:PORT");
  if (!addr) {
    std::cerr << "stop_group: " << describe(addr.error()) << std::endl;
    return 2;
  }
  client_config cfg;
  if (auto err = cfg.parse_defaults()) {
    std::cerr << "stop_group: " << describe(err) << std::endl;
    return 3;
  }
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto timeout = std::chrono::seconds(10);
  auto sup = connect_supervisor(self, *addr, timeout);
  if (!sup) {
    std::cerr << "stop_group: " << describe(sup.error()) << std::endl;
    return 3;
  }
  auto status = 0;
  self->request(*sup, timeout, stop_atom::value, std::string{argv[2]})
    .receive([](ok_atom) {},
             [&](const caf::error& err) {
               std::cerr << "stop_group: " << describe(err) << std::endl;
               status = code_of(err) != ec::none ? 1 : 3;
             });
  return status;
}

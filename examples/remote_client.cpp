// Reaches a running checkpointd over CAF's network layer, as any program
// with the component's message types registered can. Usage:
//
//   remote_client [--node HOST:PORT] [--group NAME]
//                 [--tls-certificate PEM --tls-key PEM --tls-ca PEM]
//
// Starts the group (default `orders`) on the node, subscribes an actor of
// this process, sends Ensure, Advance and Commit, and prints each bounds
// change as it arrives over the network, e.g.
//
//   orders: [ 0.0000000000 -> 0.0000000001 )
//   ...
//   orders: [ 5.0000000000 -> 5.0000000001 )

#include <cstdint>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/remote_actor.hpp>

#include <checkpoint/apps/tls.hpp>
#include <checkpoint/checkpoints.hpp>
#include <checkpoint/examples/example.hpp>
#include <checkpoint/messages/register.hpp>

using namespace checkpoint;

int main(int argc, char** argv) {
  CLI::App app{"Drives a group of a running checkpointd"};
  std::string node = "127.0.0.1:7710";
  std::string group_name = "orders";
  app.add_option("--node", node, "the checkpointd node, HOST:PORT");
  app.add_option("--group", group_name, "the group to drive");
  tls_files tls;
  add_tls_options(app, tls);
  CLI11_PARSE(app, argc, argv);
  // CAF reads the files only when it connects; a bad one would hang there.
  if (auto problem = check_tls(tls, "--tls-"); !problem.empty()) {
    std::cerr << problem << std::endl;
    return 2;
  }
  auto colon = node.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--node: expected HOST:PORT, got " << node << std::endl;
    return 2;
  }
  auto host = node.substr(0, colon);
  auto port = static_cast<uint16_t>(std::stoul(node.substr(colon + 1)));
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  // Without them, messages would arrive empty (see register_message_types).
  register_message_types(cfg);
  // With the files: CAF's OpenSSL module, which caf::openssl::remote_actor
  // (and a checkpointd with TLS) needs.
  use_tls(cfg, tls);
  caf::actor_system sys{cfg};
  auto sup = tls.enabled()
               ? caf::openssl::remote_actor<supervisor_actor>(sys, host, port)
               : sys.middleman().remote_actor<supervisor_actor>(host, port);
  if (!sup) {
    std::cerr << "cannot reach " << node << ": " << describe(sup.error())
              << std::endl;
    return 3;
  }
  // Lives in this process; the node sends it the bounds over the network.
  auto printer = sys.spawn(example::printer);
  // The facade over the node's supervisor: the node keeps running after.
  auto cps = checkpoints::attach(sys, *sup);
  auto ok = example::start_and_drive(sys, cps, group_name, printer);
  caf::anon_send_exit(printer, caf::exit_reason::user_shutdown);
  return ok ? 0 : 1;
}

#include <checkpoint/apps/node_client.hpp>

#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/node_id.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/register.hpp>

namespace checkpoint {

client_exit exit_status_of(const caf::error& err) {
  if (!err)
    return exit_ok;
  return code_of(err) != ec::none ? exit_refused : exit_unreachable;
}

caf::expected<node_address> parse_node_address(const std::string& text,
                                               const std::string& option) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return make_error(ec::bad_input,
                      option + ": expected HOST:PORT, got " + text);
  auto port_text = text.substr(colon + 1);
  auto digits = !port_text.empty() && port_text.size() <= 5
                && port_text.find_first_not_of("0123456789")
                     == std::string::npos;
  auto port = digits ? std::stoul(port_text) : 0ul;
  if (port == 0 || port > 65535)
    return make_error(ec::bad_input, option
                                       + ": expected a port in 1..65535, got "
                                       + port_text);
  return node_address{text.substr(0, colon), static_cast<uint16_t>(port)};
}

caf::expected<caf::timespan> seconds_option(double seconds,
                                            const std::string& text,
                                            const std::string& option) {
  // Written so that NaN fails too.
  if (!(seconds >= min_option_seconds && seconds <= max_option_seconds))
    return make_error(ec::bad_input,
                      option + ": expected seconds from 0.001 to 86400, got "
                        + text);
  return std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double>{seconds});
}

connection_options::connection_options(CLI::App& app, std::string& node,
                                       tls_files& tls)
  : node_(node), tls_(tls) {
  app.add_option("--node", node, "HOST:PORT of the node")
    ->capture_default_str();
  timeout_ = app
               .add_option("--timeout", timeout_seconds_,
                           "seconds to wait for the node")
               ->capture_default_str();
  add_tls_options(app, tls);
}

std::string connection_options::check(node_address& address,
                                      caf::timespan& timeout) const {
  if (timeout_->count() > 0) {
    auto span = seconds_option(timeout_seconds_, timeout_->results().back(),
                               "--timeout");
    if (!span)
      return describe(span.error());
    timeout = *span;
  }
  auto addr = parse_node_address(node_, "--node");
  if (!addr)
    return describe(addr.error());
  address = std::move(*addr);
  return check_tls(tls_, "--tls-");
}

client_config::client_config() {
  load<caf::io::middleman>();
  register_message_types(*this);
}

caf::error client_config::parse_defaults() {
  std::istringstream no_config_file;
  return parse(std::vector<std::string>{}, no_config_file);
}

bounds_subscriber::behavior_type forward_bounds(caf::actor sink) {
  return {[sink](const bounds_update& update) { caf::anon_send(sink, update); },
          [sink](const group_stopped& stopped) {
            caf::anon_send(sink, stopped);
          }};
}

caf::expected<supervisor_actor> connect_supervisor(caf::scoped_actor& self,
                                                   const node_address& addr,
                                                   caf::timespan timeout) {
  auto& sys = self->home_system();
  caf::expected<supervisor_actor> result = caf::sec::request_timeout;
  self
    ->request(connector(sys), timeout, caf::connect_atom::value, addr.host,
              addr.port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
          const std::set<std::string>& ifs) {
        if (ptr && sys.assignable<supervisor_actor>(ifs))
          result = caf::actor_cast<supervisor_actor>(std::move(ptr));
        else
          result
            = caf::make_error(caf::sec::unexpected_actor_messaging_interface,
                              "no checkpoint supervisor is published there");
      },
      [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::expected<group_actor>
start_group(caf::scoped_actor& self, const supervisor_actor& sup,
            const std::string& name, const group_options& options,
            caf::timespan timeout) {
  caf::expected<group_actor> result = caf::sec::request_timeout;
  self
    ->request(sup, timeout, start_atom::value, table_group{name, {}, {}},
              options)
    .receive([&](group_actor& hdl) { result = std::move(hdl); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace checkpoint

// checkpointctl: the operator CLI of a checkpointd node, itself a CAF node.
//
//   checkpointctl [--node HOST:PORT] [--json] [--lookahead L] [--timeout S]
//                 [--tls-certificate PEM --tls-key PEM --tls-ca PEM]
//                 COMMAND ARGS
//
// Exit status: 0 success, 1 the node refused the operation, 2 usage error
// (including a malformed timestamp or range), 3 the node could not be
// reached or was lost.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/apps/ctl_args.hpp>
#include <checkpoint/apps/node_client.hpp>
#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/hlc.hpp>

namespace checkpoint {
namespace {

constexpr int exit_refused = 1;
constexpr int exit_unreachable = 3;

/// Renders `text` as a JSON string.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + '"';
}

/// Renders a group's bounds as one line of text or JSON.
std::string render(const command_line& cl, const std::string& group,
                   const hlc_range& bounds) {
  if (!cl.json)
    return to_string(bounds);
  return "{\"group\":" + json_string(group)
         + ",\"min\":" + json_string(to_string(bounds.min))
         + ",\"max\":" + json_string(to_string(bounds.max)) + "}";
}

/// Prints where a group and its partitions stand: a header line and one
/// line per partition, or one JSON object.
void print_status(const command_line& cl, const group_status& st) {
  auto maybe = [&](const caf::optional<std::string>& x) {
    if (cl.json)
      return x ? json_string(*x) : std::string{"null"};
    return x ? *x : std::string{"-"};
  };
  auto first_unapplied = [](const partition_status& p) {
    return p.first_unapplied
             ? caf::optional<std::string>{to_string(*p.first_unapplied)}
             : caf::optional<std::string>{};
  };
  if (!cl.json) {
    std::cout << "group " << st.group << "  bounds " << to_string(st.bounds)
              << "  lookahead " << st.lookahead << "  subscribers "
              << st.subscribers << "  holding back " << maybe(st.holding_back)
              << '\n';
    for (const auto& p : st.partitions)
      std::cout << "  " << p.partition << "  head " << to_string(p.head)
                << "  first unapplied " << maybe(first_unapplied(p))
                << "  unapplied " << p.unapplied << '\n';
    std::cout << std::flush;
    return;
  }
  std::string out = "{\"group\":" + json_string(st.group)
                    + ",\"min\":" + json_string(to_string(st.bounds.min))
                    + ",\"max\":" + json_string(to_string(st.bounds.max))
                    + ",\"lookahead\":" + std::to_string(st.lookahead)
                    + ",\"subscribers\":" + std::to_string(st.subscribers)
                    + ",\"holding_back\":" + maybe(st.holding_back)
                    + ",\"partitions\":[";
  for (const auto& p : st.partitions) {
    if (out.back() != '[')
      out += ',';
    out += "{\"partition\":" + json_string(p.partition)
           + ",\"head\":" + json_string(to_string(p.head))
           + ",\"first_unapplied\":" + maybe(first_unapplied(p))
           + ",\"unapplied\":" + std::to_string(p.unapplied) + "}";
  }
  std::cout << out << "]}" << std::endl;
}

/// Prints names one per line, or as one JSON array.
void print_names(const command_line& cl,
                 const std::vector<std::string>& names) {
  if (!cl.json) {
    for (auto& name : names)
      std::cout << name << '\n';
    std::cout << std::flush;
    return;
  }
  std::string out = "[";
  for (auto& name : names) {
    if (out.size() > 1)
      out += ',';
    out += json_string(name);
  }
  std::cout << out << ']' << std::endl;
}

/// Reports a failed request; returns the exit status it means.
int report(const caf::error& err) {
  std::cerr << "checkpointctl: " << describe(err) << std::endl;
  return code_of(err) != ec::none ? exit_refused : exit_unreachable;
}

/// Subscribes to a group and prints each bounds change, the current bounds
/// first, until `cl.count` lines are out, the group stops for good or the
/// node is lost (both exit 3).
void watch(caf::scoped_actor& self, caf::actor_system& sys,
           const command_line& cl, const supervisor_actor& sup,
           const group_actor& group, int& status) {
  auto sub = sys.spawn(forward_bounds, caf::actor{self});
  // The supervisor, not the group: it re-attaches subscribers to a group
  // that it restarts after a crash, so only its end ends the watch.
  self->monitor(sup);
  self->request(group, cl.timeout, subscribe_atom::value, sub)
    .receive([](ok_atom) {},
             [&](const caf::error& err) { status = report(err); });
  for (size_t lines = 0; status == 0 && (cl.count == 0 || lines < cl.count);
       ++lines)
    self->receive(
      [&](const bounds_update& update) {
        std::cout << render(cl, update.group, update.bounds) << std::endl;
      },
      [&](const group_stopped& stopped) {
        std::cerr << "checkpointctl: group " << stopped.group
                  << " stopped on node " << cl.node << ": " << stopped.reason
                  << std::endl;
        status = exit_unreachable;
      },
      [&](const caf::down_msg& msg) {
        std::cerr << "checkpointctl: lost node " << cl.node << ": "
                  << describe(msg.reason) << std::endl;
        status = exit_unreachable;
      });
  self->send_exit(sub, caf::exit_reason::user_shutdown);
}

/// Runs a command against the node; returns the exit status.
int run(caf::actor_system& sys, const command_line& cl) {
  caf::scoped_actor self{sys};
  auto status = 0;
  auto on_error = [&](const caf::error& err) { status = report(err); };
  auto connected = connect_supervisor(self, cl.address, cl.timeout);
  if (!connected) {
    std::cerr << "checkpointctl: cannot reach node " << cl.node << ": "
              << describe(connected.error()) << std::endl;
    return exit_unreachable;
  }
  auto sup = std::move(*connected);
  // From here on, any error ends the command with its meaning.
  if (cl.command == "scan" || cl.command == "groups") {
    auto print = [&](const std::vector<std::string>& names) {
      print_names(cl, names);
    };
    if (cl.command == "scan")
      self->request(sup, cl.timeout, scan_atom::value).receive(print, on_error);
    else
      self->request(sup, cl.timeout, groups_atom::value)
        .receive(print, on_error);
    return status;
  }
  group_actor group;
  self
    ->request(sup, cl.timeout, start_atom::value, table_group{cl.group, {}, {}},
              group_options{cl.lookahead})
    .receive([&](group_actor& g) { group = std::move(g); }, on_error);
  if (status != 0)
    return status;
  auto ok = [](ok_atom) {};
  auto print_bounds = [&](const hlc_range& bounds) {
    std::cout << render(cl, cl.group, bounds) << std::endl;
  };
  if (cl.command == "advance")
    self->request(group, cl.timeout, advance_atom::value, cl.partition, cl.ts)
      .receive(ok, on_error);
  else if (cl.command == "commit")
    self->request(group, cl.timeout, commit_atom::value, cl.range)
      .receive(ok, on_error);
  else if (cl.command == "ensure")
    self->request(group, cl.timeout, ensure_atom::value, cl.partitions)
      .receive(ok, on_error);
  else if (cl.command == "bounds")
    self->request(group, cl.timeout, bounds_atom::value)
      .receive(print_bounds, on_error);
  else if (cl.command == "refresh")
    self->request(group, cl.timeout, refresh_atom::value)
      .receive(print_bounds, on_error);
  else if (cl.command == "status")
    self->request(group, cl.timeout, status_atom::value)
      .receive([&](const group_status& st) { print_status(cl, st); }, on_error);
  else
    watch(self, sys, cl, sup, group, status);
  return status;
}

} // namespace
} // namespace checkpoint

int main(int argc, char** argv) {
  using namespace checkpoint;
  auto parsed = parse_command_line(argc, argv);
  if (auto done = std::get_if<ctl_exit>(&parsed)) {
    (done->status == 0 ? std::cout : std::cerr) << done->text << std::flush;
    return done->status;
  }
  auto& cl = std::get<command_line>(parsed);
  client_config cfg;
  if (auto err = cfg.parse_defaults()) {
    std::cerr << "checkpointctl: " << describe(err) << std::endl;
    return exit_unreachable;
  }
  use_tls(cfg, cl.tls);
  caf::actor_system sys{cfg};
  return run(sys, cl);
}

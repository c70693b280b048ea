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
#include <checkpoint/messages/names.hpp>

namespace checkpoint {
namespace {

/// Renders `text` as a JSON string: exact for valid UTF-8, with every
/// control character (C0, DEL, C1) as a `\u` escape, so that a terminal shows
/// the value as it is. Text that is not UTF-8 (never a name, which the node
/// checks) would make the output invalid JSON: its printable form is used.
std::string json_string(const std::string& text) {
  const auto& utf8 = valid_utf8(text) ? text : printable(text);
  std::string out = "\"";
  auto escape = [&out](unsigned char code) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "\\u%04x", code);
    out += buf;
  };
  for (size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      escape(c);
    } else if (c == 0xC2 && static_cast<unsigned char>(utf8[i + 1]) <= 0x9F) {
      // U+0080 to U+009F, valid UTF-8, so the next byte exists.
      escape(static_cast<unsigned char>(utf8[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + '"';
}

/// Renders `names` as a JSON array of strings.
std::string json_array(const std::vector<std::string>& names) {
  std::string out = "[";
  for (auto& name : names) {
    if (out.size() > 1)
      out += ',';
    out += json_string(name);
  }
  return out + ']';
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
    return x ? printable(*x) : std::string{"-"};
  };
  auto first_unapplied = [](const partition_status& p) {
    return p.first_unapplied
             ? caf::optional<std::string>{to_string(*p.first_unapplied)}
             : caf::optional<std::string>{};
  };
  if (!cl.json) {
    std::string holding;
    for (const auto& name : st.holding_back)
      holding += (holding.empty() ? "" : ",") + printable(name);
    std::cout << "group " << printable(st.group) << "  bounds "
              << to_string(st.bounds) << "  lookahead " << st.lookahead
              << "  subscribers " << st.subscribers << "  holding back "
              << (holding.empty() ? "-" : holding) << '\n';
    for (const auto& p : st.partitions)
      std::cout << "  " << printable(p.partition) << "  head "
                << to_string(p.head) << "  first unapplied "
                << maybe(first_unapplied(p)) << "  unapplied " << p.unapplied
                << '\n';
    std::cout << std::flush;
    return;
  }
  std::string out = "{\"group\":" + json_string(st.group)
                    + ",\"min\":" + json_string(to_string(st.bounds.min))
                    + ",\"max\":" + json_string(to_string(st.bounds.max))
                    + ",\"lookahead\":" + std::to_string(st.lookahead)
                    + ",\"subscribers\":" + std::to_string(st.subscribers)
                    + ",\"holding_back\":" + json_array(st.holding_back)
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
      std::cout << printable(name) << '\n';
    std::cout << std::flush;
    return;
  }
  std::cout << json_array(names) << std::endl;
}

/// Reports a failed request; returns the exit status it means. The store's
/// errors quote names: they are escaped here, where they are printed, as in
/// every output, while the error itself carries the names as data.
int report(const caf::error& err) {
  std::cerr << "checkpointctl: " << printable(describe(err)) << std::endl;
  return exit_status_of(err);
}

/// Subscribes to a group and prints each bounds change, the current bounds
/// first, until `cmd.count` lines are out, the group stops for good or the
/// node is lost (both exit 3).
void watch(caf::scoped_actor& self, caf::actor_system& sys,
           const command_line& cl, const ctl::watch& cmd,
           const supervisor_actor& sup, const group_actor& group, int& status) {
  auto sub = sys.spawn(forward_bounds, caf::actor{self});
  // The supervisor, not the group: it re-attaches subscribers to a group
  // that it restarts after a crash, so only its end ends the watch.
  self->monitor(sup);
  self->request(group, cl.timeout, subscribe_atom::value, sub)
    .receive([](ok_atom) {},
             [&](const caf::error& err) { status = report(err); });
  for (size_t lines = 0; status == 0 && (cmd.count == 0 || lines < cmd.count);
       ++lines)
    self->receive(
      [&](const bounds_update& update) {
        std::cout << render(cl, update.group, update.bounds) << std::endl;
      },
      [&](const group_stopped& stopped) {
        std::cerr << "checkpointctl: group " << printable(stopped.group)
                  << " stopped on node " << cl.node << ": "
                  << printable(stopped.reason) << std::endl;
        status = exit_unreachable;
      },
      [&](const caf::down_msg& msg) {
        std::cerr << "checkpointctl: lost node " << cl.node << ": "
                  << printable(describe(msg.reason)) << std::endl;
        status = exit_unreachable;
      });
  self->send_exit(sub, caf::exit_reason::user_shutdown);
}

/// Runs each command against the connected node; `status` is the exit
/// status.
struct runner {
  caf::scoped_actor& self;
  caf::actor_system& sys;
  const command_line& cl;
  const supervisor_actor& sup;
  int status = 0;

  void on_error(const caf::error& err) {
    status = report(err);
  }

  /// Starts the group unless it runs; reports why not.
  caf::optional<group_actor> group(const std::string& name) {
    auto hdl = start_group(self, sup, name, group_options{cl.lookahead},
                           cl.timeout);
    if (!hdl) {
      on_error(hdl.error());
      return caf::none;
    }
    return std::move(*hdl);
  }

  /// Sends a group a request that `ok_atom` answers.
  template <class... Ts>
  void write(const std::string& name, Ts&&... xs) {
    if (auto g = group(name))
      self->request(*g, cl.timeout, std::forward<Ts>(xs)...)
        .receive([](ok_atom) {},
                 [this](const caf::error& err) { on_error(err); });
  }

  /// Sends a group a request that bounds answer, and prints them.
  template <class Atom>
  void print_bounds(const std::string& name, Atom what) {
    if (auto g = group(name))
      self->request(*g, cl.timeout, what)
        .receive(
          [&](const hlc_range& bounds) {
            std::cout << render(cl, name, bounds) << std::endl;
          },
          [this](const caf::error& err) { on_error(err); });
  }

  /// Asks the supervisor for names and prints them.
  template <class Atom>
  void print_names_of(Atom what) {
    self->request(sup, cl.timeout, what)
      .receive(
        [&](const std::vector<std::string>& names) { print_names(cl, names); },
        [this](const caf::error& err) { on_error(err); });
  }

  void operator()(const ctl::advance& cmd) {
    write(cmd.group, advance_atom::value, cmd.partition, cmd.ts);
  }

  void operator()(const ctl::commit& cmd) {
    write(cmd.group, commit_atom::value, cmd.range);
  }

  void operator()(const ctl::ensure& cmd) {
    write(cmd.group, ensure_atom::value, cmd.partitions);
  }

  void operator()(const ctl::bounds& cmd) {
    print_bounds(cmd.group, bounds_atom::value);
  }

  void operator()(const ctl::refresh& cmd) {
    print_bounds(cmd.group, refresh_atom::value);
  }

  void operator()(const ctl::status& cmd) {
    if (auto g = group(cmd.group))
      self->request(*g, cl.timeout, status_atom::value)
        .receive([&](const group_status& st) { print_status(cl, st); },
                 [this](const caf::error& err) { on_error(err); });
  }

  void operator()(const ctl::scan&) {
    print_names_of(scan_atom::value);
  }

  void operator()(const ctl::groups&) {
    print_names_of(groups_atom::value);
  }

  void operator()(const ctl::watch& cmd) {
    if (auto g = group(cmd.group))
      watch(self, sys, cl, cmd, sup, *g, status);
  }
};

/// Runs the command against the node; returns the exit status.
int run(caf::actor_system& sys, const command_line& cl) {
  caf::scoped_actor self{sys};
  auto connected = connect_supervisor(self, cl.address, cl.timeout);
  if (!connected) {
    std::cerr << "checkpointctl: cannot reach node " << printable(cl.node)
              << ": " << printable(describe(connected.error())) << std::endl;
    return exit_unreachable;
  }
  runner r{self, sys, cl, *connected};
  std::visit(r, cl.command);
  return r.status;
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
    std::cerr << "checkpointctl: " << printable(describe(err)) << std::endl;
    return exit_unreachable;
  }
  use_tls(cfg, cl.tls);
  caf::actor_system sys{cfg};
  return run(sys, cl);
}

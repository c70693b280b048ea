#include <checkpoint/apps/ctl_args.hpp>

#include <functional>
#include <sstream>
#include <utility>

#include <CLI/CLI.hpp>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/names.hpp>

namespace checkpoint {

namespace {

// The printable form of each line of `text`: CLI11's messages quote the
// arguments as given.
std::string printable_lines(const std::string& text) {
  std::istringstream in{text};
  std::string out, line;
  while (std::getline(in, line))
    out += printable(line) + '\n';
  return out;
}

} // namespace

std::variant<command_line, ctl_exit>
parse_command_line(int argc, const char* const* argv) {
  command_line cl;
  CLI::App app{"Operator CLI of a checkpointd node", "checkpointctl"};
  app.require_subcommand(1);
  connection_options connection{app, cl.node, cl.tls};
  app.add_flag("--json", cl.json, "print one JSON value per line");
  int32_t lookahead = 0;
  auto lookahead_opt = app.add_option(
    "--lookahead", lookahead,
    "lookahead limit of a group started by this command (0: none)");
  lookahead_opt->check(CLI::NonNegativeNumber);
  // The arguments as given: checked after parsing, as the node would check
  // them, so that a malformed one is a usage error and nothing is sent. The
  // first problem found is kept.
  std::string group, partition, ts, min, max;
  std::vector<std::string> partitions;
  size_t count = 0;
  caf::error problem;
  auto checked = [&](auto result) {
    using value = typename decltype(result)::value_type;
    if (!result) {
      if (!problem)
        problem = std::move(result.error());
      return value{};
    }
    return value{std::move(*result)};
  };
  auto name = [&](const std::string& raw, const char* what) {
    return checked(canonical_name(raw, what));
  };
  auto time = [&](const std::string& text) { return checked(parse_hlc(text)); };
  // Each subcommand with the command it makes: the one mapping from names
  // to commands.
  std::vector<std::pair<CLI::App*, std::function<ctl_command()>>> commands;
  auto add = [&](const char* cmd, const char* help, bool takes_group,
                 std::function<ctl_command()> make) {
    auto sub = app.add_subcommand(cmd, help);
    if (takes_group)
      sub->add_option("GROUP", group)->required();
    commands.emplace_back(sub, std::move(make));
    return sub;
  };
  auto advance = add("advance", "record a proposed checkpoint", true, [&] {
    return ctl::advance{name(group, "group"), name(partition, "partition"),
                        time(ts)};
  });
  advance->add_option("PARTITION", partition)->required();
  advance->add_option("TS", ts)->required();
  auto commit
    = add("commit", "mark [MIN, MAX) applied (MIN = MAX: nothing)", true,
          [&]() -> ctl_command {
            ctl::commit cmd{name(group, "group"), {time(min), time(max)}};
            if (!problem && cmd.range.min > cmd.range.max)
              problem = make_error(ec::bad_input, "bad range [" + min + ", "
                                                    + max + "): MIN > MAX");
            return cmd;
          });
  commit->add_option("MIN", min)->required();
  commit->add_option("MAX", max)->required();
  add("ensure", "pre-create partitions", true,
      [&] {
        ctl::ensure cmd{name(group, "group"), {}};
        for (auto& p : partitions)
          cmd.partitions.push_back(name(p, "partition"));
        return cmd;
      })
    ->add_option("PARTITION", partitions)
    ->required();
  add("bounds", "print the published bounds", true,
      [&] { return ctl::bounds{name(group, "group")}; });
  add("refresh", "recompute from the store now, print bounds", true,
      [&] { return ctl::refresh{name(group, "group")}; });
  add("status", "print the group and each partition", true,
      [&] { return ctl::status{name(group, "group")}; });
  add("scan", "groups with unapplied checkpoints", false,
      [] { return ctl::scan{}; });
  add("groups", "groups running on the node", false,
      [] { return ctl::groups{}; });
  add("watch", "print each bounds change", true,
      [&] {
        return ctl::watch{name(group, "group"), count};
      })
    // CLI11 would wrap -1 around to the greatest size_t.
    ->add_option("--count", count, "stop after N lines (0: never)")
    ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    auto status = app.exit(e, out, err);
    if (status == 0)
      return ctl_exit{0, out.str()};
    return ctl_exit{exit_usage, printable_lines(err.str())};
  }
  if (lookahead_opt->count() > 0)
    cl.lookahead = lookahead;
  auto usage = [](const std::string& what) {
    return ctl_exit{exit_usage, "checkpointctl: " + printable(what) + '\n'};
  };
  if (auto bad = connection.check(cl.address, cl.timeout); !bad.empty())
    return usage(bad);
  auto chosen = app.get_subcommands().front();
  for (auto& [sub, make] : commands)
    if (sub == chosen)
      cl.command = make();
  if (problem)
    return usage(describe(problem));
  return cl;
}

} // namespace checkpoint

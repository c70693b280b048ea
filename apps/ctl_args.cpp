#include <checkpoint/apps/ctl_args.hpp>

#include <sstream>
#include <utility>

#include <CLI/CLI.hpp>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/names.hpp>

namespace checkpoint {

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
  std::string ts, min, max;
  auto advance = app.add_subcommand("advance", "record a proposed checkpoint");
  advance->add_option("GROUP", cl.group)->required();
  advance->add_option("PARTITION", cl.partition)->required();
  advance->add_option("TS", ts)->required();
  auto commit = app.add_subcommand("commit", "mark [MIN, MAX) applied");
  commit->add_option("GROUP", cl.group)->required();
  commit->add_option("MIN", min)->required();
  commit->add_option("MAX", max)->required();
  auto ensure = app.add_subcommand("ensure", "pre-create partitions");
  ensure->add_option("GROUP", cl.group)->required();
  ensure->add_option("PARTITION", cl.partitions)->required();
  app.add_subcommand("bounds", "print the published bounds")
    ->add_option("GROUP", cl.group)
    ->required();
  app.add_subcommand("refresh", "recompute from the store now, print bounds")
    ->add_option("GROUP", cl.group)
    ->required();
  app.add_subcommand("status", "print the group and each partition")
    ->add_option("GROUP", cl.group)
    ->required();
  app.add_subcommand("scan", "groups with unapplied checkpoints");
  app.add_subcommand("groups", "groups running on the node");
  auto watch = app.add_subcommand("watch", "print each bounds change");
  watch->add_option("GROUP", cl.group)->required();
  // CLI11 would wrap -1 around to the greatest size_t.
  watch->add_option("--count", cl.count, "stop after N lines (0: never)")
    ->check(CLI::NonNegativeNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    auto status = app.exit(e, out, err);
    if (status == 0)
      return ctl_exit{0, out.str()};
    return ctl_exit{ctl_exit_usage, err.str()};
  }
  cl.command = app.get_subcommands().front()->get_name();
  if (lookahead_opt->count() > 0)
    cl.lookahead = lookahead;
  auto usage = [](const std::string& what) {
    return ctl_exit{ctl_exit_usage, "checkpointctl: " + what + '\n'};
  };
  if (auto problem = connection.check(cl.address, cl.timeout); !problem.empty())
    return usage(problem);
  if (cl.command != "scan" && cl.command != "groups") {
    auto name = canonical_name(cl.group, "group");
    if (!name)
      return usage(describe(name.error()));
    cl.group = std::move(*name);
  }
  // A malformed timestamp is the caller's mistake, not the node's refusal.
  auto parse_time = [](const std::string& text, hlc_time& out) {
    auto t = parse_hlc(text);
    if (!t)
      return t.error();
    out = *t;
    return caf::error{};
  };
  if (cl.command == "advance")
    if (auto err = parse_time(ts, cl.ts))
      return usage(describe(err));
  if (cl.command == "commit") {
    if (auto err = parse_time(min, cl.range.min))
      return usage(describe(err));
    if (auto err = parse_time(max, cl.range.max))
      return usage(describe(err));
    if (cl.range.empty())
      return usage("bad range [" + min + ", " + max + "): MIN >= MAX");
  }
  return cl;
}

} // namespace checkpoint

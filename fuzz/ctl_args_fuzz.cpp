// libFuzzer target: checkpointctl's command line. The input is the
// arguments, separated by NUL bytes (as argv cannot hold one; an empty input
// is no argument). Every accepted command line must name a known command with
// a canonical group, valid timestamps, a non-empty range, a usable node
// address and a timeout in its range; every refusal must say something, with
// status 0 (help) or 2.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <checkpoint/apps/ctl_args.hpp>
#include <checkpoint/fuzz/split.hpp>
#include <checkpoint/messages/names.hpp>

namespace {

using namespace checkpoint;

const std::set<std::string> commands{"advance", "commit",  "ensure",
                                     "bounds",  "refresh", "status",
                                     "scan",    "groups",  "watch"};

bool accepted_is_sound(const command_line& cl) {
  // In seconds; the conversion to nanoseconds truncated it a little.
  using seconds = std::chrono::duration<double>;
  auto timeout = std::chrono::duration_cast<seconds>(cl.timeout).count();
  if (commands.count(cl.command) == 0 || cl.address.port == 0
      || timeout < min_option_seconds * 0.999 || timeout > max_option_seconds
      || (cl.lookahead && *cl.lookahead < 0))
    return false;
  if (cl.command == "scan" || cl.command == "groups")
    return true;
  auto group = canonical_name(cl.group, "group");
  if (!group || *group != cl.group)
    return false;
  if (cl.command == "advance")
    return valid(cl.ts);
  if (cl.command == "commit")
    return valid(cl.range.min) && valid(cl.range.max) && !cl.range.empty();
  if (cl.command == "ensure")
    return !cl.partitions.empty();
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto args = checkpoint::fuzz::split_at_nul(input);
  std::vector<const char*> argv{"checkpointctl"};
  for (auto& arg : args)
    argv.push_back(arg.c_str());
  auto parsed = parse_command_line(static_cast<int>(argv.size()), argv.data());
  if (auto cl = std::get_if<command_line>(&parsed)) {
    if (!accepted_is_sound(*cl))
      std::abort();
  } else {
    auto& done = std::get<ctl_exit>(parsed);
    if (done.text.empty() || (done.status != 0 && done.status != 2))
      std::abort();
  }
  return 0;
}

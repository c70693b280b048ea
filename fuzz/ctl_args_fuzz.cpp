// libFuzzer target: checkpointctl's command line. The input is the
// arguments, separated by NUL bytes (as argv cannot hold one; an empty input
// is no argument). Every accepted command line must carry canonical group and
// partition names, valid timestamps, a range with MIN <= MAX, a usable node
// address and a timeout in its range; every refusal must say something, with
// status 0 (help) or 2, and hold no control character but newlines.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <checkpoint/apps/ctl_args.hpp>
#include <checkpoint/fuzz/split.hpp>
#include <checkpoint/messages/names.hpp>

namespace {

using namespace checkpoint;

bool canonical(const std::string& name, const char* what) {
  auto result = canonical_name(name, what);
  return result && *result == name;
}

// The arguments of each command are what the node would accept.
struct sound_arguments {
  bool operator()(const ctl::advance& x) const {
    return canonical(x.group, "group") && canonical(x.partition, "partition")
           && valid(x.ts);
  }
  bool operator()(const ctl::commit& x) const {
    return canonical(x.group, "group") && valid(x.range.min)
           && valid(x.range.max) && x.range.min <= x.range.max;
  }
  bool operator()(const ctl::ensure& x) const {
    return canonical(x.group, "group") && !x.partitions.empty()
           && std::all_of(x.partitions.begin(), x.partitions.end(),
                          [](auto& p) { return canonical(p, "partition"); });
  }
  bool operator()(const ctl::scan&) const {
    return true;
  }
  bool operator()(const ctl::groups&) const {
    return true;
  }
  // bounds, refresh, status and watch: a group alone.
  template <class Command>
  bool operator()(const Command& x) const {
    return canonical(x.group, "group");
  }
};

bool accepted_is_sound(const command_line& cl) {
  // In seconds; the conversion to nanoseconds truncated it a little.
  using seconds = std::chrono::duration<double>;
  auto timeout = std::chrono::duration_cast<seconds>(cl.timeout).count();
  if (cl.address.port == 0 || timeout < min_option_seconds * 0.999
      || timeout > max_option_seconds || (cl.lookahead && *cl.lookahead < 0))
    return false;
  return std::visit(sound_arguments{}, cl.command);
}

bool printable_text(const std::string& text) {
  return std::none_of(text.begin(), text.end(), [](unsigned char c) {
    return (c < 0x20 && c != '\n') || c == 0x7f;
  });
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
    if (done.text.empty() || (done.status != 0 && done.status != 2)
        || (done.status == 2 && !printable_text(done.text)))
      std::abort();
  }
  return 0;
}

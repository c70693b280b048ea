// libFuzzer target: checkpointd's options, as its main loads them. The input
// is the config file's text, then a NUL byte and the command line's
// arguments, separated by NUL bytes. Every accepted configuration must hold
// values within their documented ranges; every refusal must name the option,
// the argument or CAF's parser position.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include <checkpoint/apps/node_options.hpp>
#include <checkpoint/fuzz/split.hpp>

namespace {

using namespace checkpoint;

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool refusal_is_sound(const std::string& problem) {
  if (starts_with(problem, "checkpoint.")
      || starts_with(problem, "unexpected argument "))
    return true;
  // CAF's own parser: the argument it refused, or the line of the file.
  return starts_with(problem, "bad command line or config file: ")
         && (problem.find("argument") != std::string::npos
             || problem.find("line") != std::string::npos);
}

bool accepted_is_sound(const node_config& cfg) {
  auto& groups = cfg.supervisor.groups;
  if (cfg.kind == "postgres") {
    if (cfg.postgres.dsn.empty() || cfg.postgres.schema.empty())
      return false;
  } else if (cfg.kind != "sqlite" || cfg.sqlite.path.empty()) {
    return false;
  }
  if (spdlog::level::from_str(cfg.log_level) == spdlog::level::off
      && cfg.log_level != "off")
    return false;
  for (auto& [group, partitions] : cfg.boot_partitions)
    if (std::count(cfg.boot_groups.begin(), cfg.boot_groups.end(), group) == 0)
      return false;
  return !cfg.host.empty()
         && (cfg.insecure || cfg.tls.enabled() || is_loopback(cfg.host))
         && cfg.metrics_port >= -1 && cfg.metrics_port <= 65535
         && groups.lookahead >= 0 && groups.refresh_interval.count() > 0
         && cfg.workers >= 1 && groups.max_batch >= 1 && groups.max_queue >= 1;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto nul = std::min(input.find('\0'), input.size());
  std::string file{input.substr(0, nul)};
  auto args = checkpoint::fuzz::split_at_nul(
    nul < input.size() ? input.substr(nul + 1) : std::string_view{});
  node_config cfg;
  auto problem = cfg.load_options(std::move(args), file);
  if (!problem.empty()) {
    if (!refusal_is_sound(problem))
      std::abort();
  } else if (!cfg.cli_helptext_printed && !accepted_is_sound(cfg)) {
    std::abort();
  }
  return 0;
}

#include <checkpoint/apps/node_options.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include <caf/config_option_set.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/register.hpp>

namespace checkpoint {

bool is_loopback(const std::string& host) {
  if (host == "localhost")
    return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1
         && IN6_IS_ADDR_LOOPBACK(&v6);
}

node_config::node_config() {
  auto& groups = supervisor.groups;
  opt_group{custom_options_, "checkpoint"}
    .add(kind, "store", "store kind: postgres or sqlite")
    .add(groups.lookahead, "lookahead",
         "default lookahead limit of a group (0: none)")
    .add(groups.refresh_interval, "refresh-interval",
         "how often an active group re-reads its bounds")
    .add(workers, "workers", "store workers (sqlite: always 1)")
    .add(groups.max_batch, "batch-size",
         "most operations in one store transaction")
    .add(groups.max_queue, "queue-limit", "most queued operations per group")
    .add(future.max_future, "max-future",
         "refuse an Advance this far ahead of the node's clock (0: off)")
    .add(bootstrap, "bootstrap",
         "start the groups with unapplied checkpoints at startup")
    .add(boot_groups, "groups", "groups to start at startup");
  opt_group{custom_options_, "checkpoint.postgres"}
    .add(postgres.dsn, "dsn", "libpq connection string or URI")
    .add(postgres.schema, "schema", "staging schema of the tables");
  opt_group{custom_options_, "checkpoint.sqlite"}.add(sqlite.path, "path",
                                                      "database file");
  opt_group{custom_options_, "checkpoint.node"}
    .add(host, "host", "address on which the supervisor is published")
    .add(port, "port", "port of the supervisor (0: pick a free one)")
    .add(insecure, "insecure",
         "allow a host other than loopback without TLS (the plain node "
         "port is not safe to expose)");
  // Not `checkpoint.node.tls`: CAF 0.17.6 drops the keys read from a
  // `[checkpoint.node]` section when a `[checkpoint.node.tls]` one follows.
  opt_group{custom_options_, "checkpoint.tls"}
    .add(tls.certificate, "certificate",
         "PEM certificate (chain) of the node; turns on mutual TLS on the "
         "node port")
    .add(tls.key, "key", "PEM private key of the certificate, unencrypted")
    .add(tls.ca, "ca", "PEM CA certificate(s) that sign every peer");
  opt_group{custom_options_, "checkpoint.metrics"}.add(
    metrics_port, "port",
    "port of /metrics and /healthz (0: pick a free one, -1: none)");
  opt_group{custom_options_, "checkpoint"}.add(
    log_level, "log-level", "trace, debug, info, warn, error, critical or off");
  load<caf::io::middleman>();
  register_message_types(*this);
  // Shared by the store workers and the listener, which then skips the
  // notifications of this node's own writes.
  postgres.own_backends = std::make_shared<backend_pids>();
}

std::string node_config::load_options(std::vector<std::string> args) {
  // CAF's own rule: the first --config-file=PATH, else this file if present.
  std::string path = "caf-application.ini";
  auto named = false;
  for (auto& arg : args)
    if (arg.compare(0, 14, "--config-file=") == 0) {
      path = arg.substr(14);
      named = true;
      break;
    }
  std::ifstream in{path};
  if (!in && named)
    return "bad command line or config file: cannot open " + path;
  std::string file{std::istreambuf_iterator<char>{in}, {}};
  return load_options(std::move(args), file);
}

std::string node_config::load_options(std::vector<std::string> args,
                                      const std::string& file) {
  std::istringstream for_caf{file};
  if (auto err = parse(std::move(args), for_caf))
    return "bad command line or config file: " + describe(err);
  if (cli_helptext_printed)
    return {};
  if (!remainder.empty())
    return "unexpected argument " + remainder.front();
  apply_content();
  if (auto problem = load_boot_partitions(); !problem.empty())
    return problem;
  // Without options to check against, CAF keeps every value as written.
  std::istringstream source{file};
  auto written = parse_config(source);
  if (!written)
    return "bad command line or config file: " + describe(written.error());
  if (auto section = caf::get_if<caf::settings>(&*written, "checkpoint"))
    if (auto problem = check_section("checkpoint", *section); !problem.empty())
      return problem;
  return validate();
}

size_t node_config::worker_count() const {
  return kind == "sqlite" ? 1 : workers;
}

const char* node_config::store_option() const {
  return kind == "postgres" ? "checkpoint.postgres.dsn"
                            : "checkpoint.sqlite.path";
}

void node_config::apply_content() {
  for (auto& opt : custom_options_) {
    auto name = opt.full_name();
    if (name.compare(0, 11, "checkpoint.") != 0)
      continue;
    if (auto value = caf::get_if(&content, name); value && !opt.check(*value))
      opt.store(*value);
  }
}

std::string node_config::load_boot_partitions() {
  auto section = caf::get_if<caf::settings>(&content, "checkpoint.partitions");
  if (!section)
    return {};
  for (auto& [key, value] : *section) {
    auto name = "checkpoint.partitions." + key;
    auto list = caf::get_if<caf::config_value::list>(&value);
    if (!list)
      return name + ": expected a list of partition names";
    auto& partitions = boot_partitions[key];
    for (auto& x : *list) {
      auto partition = caf::get_if<std::string>(&x);
      if (!partition)
        return name + ": invalid value " + caf::deep_to_string(x)
               + " (expected a partition name)";
      partitions.push_back(*partition);
    }
  }
  return {};
}

std::string node_config::validate() const {
  if (kind != "postgres" && kind != "sqlite")
    return "checkpoint.store: expected postgres or sqlite, got " + kind;
  if (kind == "postgres" && postgres.dsn.empty())
    return "checkpoint.postgres.dsn: required with store = postgres";
  if (kind == "postgres" && postgres.schema.empty())
    return "checkpoint.postgres.schema: must not be empty";
  if (kind == "sqlite" && sqlite.path.empty())
    return "checkpoint.sqlite.path: must not be empty";
  if (host.empty())
    return "checkpoint.node.host: must not be empty";
  // CAF's own options would skip the startup checks of check_tls.
  if (!openssl_certificate.empty() || !openssl_key.empty()
      || !openssl_passphrase.empty() || !openssl_capath.empty()
      || !openssl_cafile.empty())
    return "openssl.*: not used by checkpointd; set "
           "checkpoint.tls.certificate, .key and .ca instead";
  if (auto problem = check_tls(tls, "checkpoint.tls."); !problem.empty())
    return problem;
  if (!insecure && !tls.enabled() && !is_loopback(host))
    return "checkpoint.node.host: " + host
           + " is not a loopback address, and the plain CAF node port is "
             "not safe to expose (one crafted header makes the node "
             "allocate gigabytes before any authentication); keep the "
             "node on 127.0.0.1, configure TLS (checkpoint.tls.*), "
             "or set checkpoint.node.insecure=true to accept the risk";
  if (metrics_port < -1 || metrics_port > 65535)
    return "checkpoint.metrics.port: expected -1 (none), 0 (any) or a "
           "port, got "
           + std::to_string(metrics_port);
  if (spdlog::level::from_str(log_level) == spdlog::level::off
      && log_level != "off")
    return "checkpoint.log-level: expected trace, debug, info, warn, "
           "error, critical or off, got "
           + log_level;
  if (supervisor.groups.lookahead < 0)
    return "checkpoint.lookahead: must not be negative";
  if (supervisor.groups.refresh_interval.count() <= 0)
    return "checkpoint.refresh-interval: must be positive";
  if (future.max_future.count() < 0)
    return "checkpoint.max-future: must not be negative (0 turns the guard "
           "off)";
  if (workers == 0)
    return "checkpoint.workers: must be at least 1";
  if (supervisor.groups.max_batch == 0)
    return "checkpoint.batch-size: must be at least 1";
  if (supervisor.groups.max_queue == 0)
    return "checkpoint.queue-limit: must be at least 1";
  for (auto& [group, partitions] : boot_partitions)
    if (std::find(boot_groups.begin(), boot_groups.end(), group)
        == boot_groups.end())
      return "checkpoint.partitions." + group
             + ": not a group of checkpoint.groups";
  return {};
}

std::string node_config::check_section(const std::string& prefix,
                                       const caf::settings& section) const {
  for (auto& [key, value] : section) {
    auto name = prefix + '.' + key;
    // Its keys are group names, read by load_boot_partitions.
    if (name == "checkpoint.partitions")
      continue;
    if (auto nested = caf::get_if<caf::settings>(&value)) {
      if (auto problem = check_section(name, *nested); !problem.empty())
        return problem;
      continue;
    }
    auto opt = custom_options_.qualified_name_lookup(prefix, key);
    if (opt == nullptr)
      return name + ": unknown option";
    if (auto err = opt->check(value)) {
      auto type = opt->type_name();
      return name + ": invalid value " + caf::deep_to_string(value)
             + " (expected " + std::string{type.begin(), type.end()} + ")";
    }
  }
  return {};
}

} // namespace checkpoint

#define CAF_SUITE node_options

#include <checkpoint/apps/node_options.hpp>

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include <checkpoint/tests/checks.hpp>

using namespace checkpoint;
using namespace std::chrono_literals;
using checkpoint::test::contains;

namespace {

// Loads `cfg` as checkpointd does, from the config file text `ini` and the
// command line `args`; returns the problem, empty when the node may start.
std::string load(node_config& cfg, const std::string& ini,
                 std::vector<std::string> args = {}) {
  return cfg.load_options(std::move(args), ini);
}

// The problem with `ini` and `args` (empty: none).
std::string problem(const std::string& ini,
                    std::vector<std::string> args = {}) {
  node_config cfg;
  return load(cfg, ini, std::move(args));
}

} // namespace

CAF_TEST(dotted sections apply and flags win over the file) {
  node_config cfg;
  auto ini = "[checkpoint]\n"
             "store = \"postgres\"\n"
             "refresh-interval = 250ms\n"
             "groups = [\"orders\"]\n"
             "[checkpoint.postgres]\n"
             "dsn = \"host=db\"\n"
             "[checkpoint.node]\n"
             "host = \"::1\"\n"
             "port = 7711\n"
             "[checkpoint.metrics]\n"
             "port = 0\n"
             "[checkpoint.partitions]\n"
             "orders = [\"p1\", \"p2\"]\n";
  CAF_CHECK_EQUAL(load(cfg, ini, {"--checkpoint.node.port=7712"}), "");
  CAF_CHECK_EQUAL(cfg.kind, "postgres");
  CAF_CHECK_EQUAL(cfg.postgres.dsn, "host=db");
  CAF_CHECK_EQUAL(cfg.host, "::1");
  CAF_CHECK_EQUAL(cfg.port, 7712u);
  CAF_CHECK_EQUAL(cfg.metrics_port, 0);
  CAF_CHECK_EQUAL(cfg.supervisor.groups.refresh_interval, caf::timespan{250ms});
  CAF_CHECK_EQUAL(cfg.boot_partitions["orders"],
                  (std::vector<std::string>{"p1", "p2"}));
}

CAF_TEST(max future defaults to an hour and zero turns it off) {
  node_config defaults;
  CAF_CHECK_EQUAL(load(defaults, ""), "");
  CAF_CHECK_EQUAL(defaults.future.max_future, caf::timespan{1h});
  node_config off;
  CAF_CHECK_EQUAL(load(off, "[checkpoint]\nmax-future = 0s\n"), "");
  CAF_CHECK_EQUAL(off.future.max_future, caf::timespan{0});
  node_config flag;
  CAF_CHECK_EQUAL(load(flag, "", {"--checkpoint.max-future=10min"}), "");
  CAF_CHECK_EQUAL(flag.future.max_future, caf::timespan{10min});
}

CAF_TEST(loopback hosts need no insecure flag) {
  for (auto host : {"localhost", "127.0.0.1", "127.1.2.3", "::1"})
    CAF_CHECK_EQUAL(
      problem("", {std::string{"--checkpoint.node.host="} + host}), "");
  CAF_CHECK_EQUAL(problem("[checkpoint.node]\nhost = \"0.0.0.0\"\n"
                          "insecure = true\n"),
                  "");
}

CAF_TEST(bad options are refused naming the option) {
  // Each: config file, flags, what the message must contain.
  struct bad {
    std::string ini;
    std::vector<std::string> args;
    std::string part;
  };
  std::vector<bad> cases{
    {"[checkpoint]\nworker = 3\n", {}, "checkpoint.worker: unknown option"},
    {"[checkpoint.node]\nport = \"abc\"\n",
     {},
     "checkpoint.node.port: invalid value"},
    {"[checkpoint.node]\nport = 70000\n",
     {},
     "checkpoint.node.port: invalid value"},
    // Regressions: CAF dropped these wrong-typed values of the plain
    // section silently, and the defaults stayed.
    {"[checkpoint]\nworkers = -1\n", {}, "checkpoint.workers: invalid value"},
    {"[checkpoint]\nworkers = \"four\"\n",
     {},
     "checkpoint.workers: invalid value"},
    {"[checkpoint]\nbatch-size = 1e3\n",
     {},
     "checkpoint.batch-size: invalid value"},
    {"[checkpoint]\nlookahead = 3000000000\n",
     {},
     "checkpoint.lookahead: invalid value"},
    {"[checkpoint]\nstore = 1\n", {}, "checkpoint.store: invalid value"},
    {"",
     {"--checkpoint.store=mysql"},
     "checkpoint.store: expected postgres or sqlite, got mysql"},
    {"", {"--checkpoint.store=postgres"}, "checkpoint.postgres.dsn: required"},
    {"[checkpoint.postgres]\ndsn = \"host=x\"\nschema = \"\"\n",
     {"--checkpoint.store=postgres"},
     "checkpoint.postgres.schema: must not be empty"},
    {"[checkpoint.sqlite]\npath = \"\"\n",
     {},
     "checkpoint.sqlite.path: must not be empty"},
    {"[checkpoint.node]\nhost = \"\"\n",
     {},
     "checkpoint.node.host: must not be empty"},
    {"",
     {"--checkpoint.node.host=10.0.0.1"},
     "checkpoint.node.host: 10.0.0.1 is not a loopback address"},
    {"", {"--checkpoint.metrics.port=-2"}, "checkpoint.metrics.port:"},
    {"", {"--checkpoint.metrics.port=65536"}, "checkpoint.metrics.port:"},
    {"",
     {"--checkpoint.log-level=loud"},
     "checkpoint.log-level: expected trace"},
    {"",
     {"--checkpoint.lookahead=-1"},
     "checkpoint.lookahead: must not be negative"},
    {"[checkpoint]\nrefresh-interval = 0s\n",
     {},
     "checkpoint.refresh-interval: must be positive"},
    {"[checkpoint]\nmax-future = -1s\n",
     {},
     "checkpoint.max-future: must not be negative"},
    {"", {"--checkpoint.workers=0"}, "checkpoint.workers: must be at least 1"},
    {"",
     {"--checkpoint.batch-size=0"},
     "checkpoint.batch-size: must be at least 1"},
    {"",
     {"--checkpoint.queue-limit=0"},
     "checkpoint.queue-limit: must be at least 1"},
    {"[checkpoint.partitions]\nb = [\"p\"]\n",
     {},
     "checkpoint.partitions.b: not a group of checkpoint.groups"},
    {"[checkpoint]\ngroups = [\"a\"]\n[checkpoint.partitions]\na = \"p\"\n",
     {},
     "checkpoint.partitions.a: expected a list of partition names"},
    {"[checkpoint]\ngroups = [\"a\"]\n[checkpoint.partitions]\na = [1]\n",
     {},
     "checkpoint.partitions.a: invalid value 1"},
    // CAF's own parser: the file's line, the refused argument.
    {"[checkpoint]\n# not a comment\n", {}, "\"line\" = 2"},
    {"", {"--checkpoint.node.port=abc"}, "--checkpoint.node.port=abc"},
    {"", {"--checkpoint.nope=1"}, "--checkpoint.nope=1"},
    {"", {"stray"}, "unexpected argument stray"},
  };
  for (auto& x : cases)
    CAF_CHECK_FUNC(contains, problem(x.ini, x.args), x.part);
}

#define CAF_SUITE ctl_args

#include <checkpoint/apps/ctl_args.hpp>

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include <checkpoint/tests/checks.hpp>

using namespace checkpoint;
using checkpoint::test::contains;

namespace {

// Parses `args` as checkpointctl's arguments (the program name added).
std::variant<command_line, ctl_exit>
parse(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"checkpointctl"};
  for (auto& arg : args)
    argv.push_back(arg.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

// The message of a refused command line; empty when it was accepted or
// printed the help (the check of the status says which).
std::string refusal(const std::vector<std::string>& args) {
  auto parsed = parse(args);
  auto done = std::get_if<ctl_exit>(&parsed);
  if (done == nullptr || done->status != ctl_exit_usage)
    return {};
  return done->text;
}

} // namespace

CAF_TEST(accepted commands carry canonical groups and parsed times) {
  auto parsed
    = parse({"--node", "localhost:7711", "--lookahead", "3", "--timeout", "0.5",
             "advance", "Orders", "P1", "5.0000000002"});
  auto cl = std::get_if<command_line>(&parsed);
  CAF_REQUIRE(cl != nullptr);
  CAF_CHECK_EQUAL(cl->command, "advance");
  CAF_CHECK_EQUAL(cl->address.host, "localhost");
  CAF_CHECK_EQUAL(cl->address.port, 7711u);
  CAF_CHECK_EQUAL(cl->lookahead, caf::optional<int32_t>{3});
  CAF_CHECK_EQUAL(cl->timeout, std::chrono::milliseconds(500));
  CAF_CHECK_EQUAL(cl->group, "orders");
  // Partition names are the node's to check and canonicalise.
  CAF_CHECK_EQUAL(cl->partition, "P1");
  CAF_CHECK_EQUAL(cl->ts, (hlc_time{5, 2}));
  parsed = parse({"commit", "g", "1", "2.0000000001"});
  cl = std::get_if<command_line>(&parsed);
  CAF_REQUIRE(cl != nullptr);
  CAF_CHECK_EQUAL(cl->range, (hlc_range{{1, 0}, {2, 1}}));
  parsed = parse({"advance", "g", "", "1"});
  CAF_CHECK(std::holds_alternative<command_line>(parsed));
}

CAF_TEST(help goes to stdout with status 0) {
  auto parsed = parse({"--help"});
  auto done = std::get_if<ctl_exit>(&parsed);
  CAF_REQUIRE(done != nullptr);
  CAF_CHECK_EQUAL(done->status, 0);
  CAF_CHECK_FUNC(contains, done->text, "advance");
}

CAF_TEST(usage errors name what was wrong) {
  CAF_CHECK_FUNC(contains, refusal({}), "subcommand");
  CAF_CHECK_FUNC(contains, refusal({"frobnicate", "g"}), "subcommand");
  CAF_CHECK_FUNC(contains, refusal({"advance", "g", "p"}), "TS");
  CAF_CHECK_FUNC(contains, refusal({"--node", "nowhere", "groups"}),
                 "--node: expected HOST:PORT, got nowhere");
  CAF_CHECK_FUNC(contains, refusal({"--node", "h:0", "groups"}),
                 "--node: expected a port in 1..65535, got 0");
  CAF_CHECK_FUNC(contains, refusal({"--node", "h:65536", "groups"}),
                 "--node: expected a port in 1..65535, got 65536");
  CAF_CHECK_FUNC(contains, refusal({"--lookahead", "-1", "bounds", "g"}),
                 "--lookahead");
  CAF_CHECK_FUNC(contains, refusal({"--lookahead", "x", "bounds", "g"}),
                 "--lookahead");
  CAF_CHECK_FUNC(contains, refusal({"watch", "g", "--count", "-1"}), "--count");
  CAF_CHECK_FUNC(contains, refusal({"bounds", ""}), "bad_input");
  CAF_CHECK_FUNC(contains, refusal({"bounds", std::string(513, 'g')}),
                 "bad_input");
  CAF_CHECK_FUNC(contains, refusal({"bounds", "\xff"}), "bad_input");
  CAF_CHECK_FUNC(contains, refusal({"advance", "g", "p", "x"}),
                 "invalid HLC time");
  CAF_CHECK_FUNC(contains, refusal({"advance", "g", "p", "-1"}),
                 "invalid HLC time");
  CAF_CHECK_FUNC(contains, refusal({"commit", "g", "1.5", "2"}),
                 "invalid HLC time");
  CAF_CHECK_FUNC(contains, refusal({"commit", "g", "5", "3"}),
                 "bad range [5, 3): MIN >= MAX");
  CAF_CHECK_FUNC(contains, refusal({"commit", "g", "3", "3"}),
                 "bad range [3, 3): MIN >= MAX");
}

// Regression (found while writing the fuzz target's invariants, which now
// abort on it under UBSan): CLI11's positive-number check let NaN through,
// and converting NaN or 1e300 seconds to nanoseconds is undefined; 1e-300
// became no time at all.
CAF_TEST(timeouts out of range are usage errors) {
  for (auto bad :
       {"nan", "inf", "1e300", "0", "-1", "1e-300", "0.0009", "86401"})
    CAF_CHECK_FUNC(contains, refusal({"--timeout", bad, "groups"}),
                   std::string{"bad_input: --timeout: expected seconds "
                               "from 0.001 to 86400, got "}
                     + bad);
  for (auto good : {"0.001", "86400"})
    CAF_CHECK(std::holds_alternative<command_line>(
      parse({"--timeout", good, "groups"})));
}

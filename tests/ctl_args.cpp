#define CAF_SUITE ctl_args

#include <checkpoint/apps/ctl_args.hpp>

#include <caf/sec.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/names.hpp>
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
  if (done == nullptr || done->status != exit_usage)
    return {};
  return done->text;
}

// The command of an accepted command line, or none.
template <class Command>
caf::optional<Command> command(const std::vector<std::string>& args) {
  auto parsed = parse(args);
  auto cl = std::get_if<command_line>(&parsed);
  if (cl == nullptr) {
    CAF_MESSAGE("refused: " << std::get<ctl_exit>(parsed).text);
    return caf::none;
  }
  if (auto cmd = std::get_if<Command>(&cl->command))
    return *cmd;
  return caf::none;
}

// Whether `text` holds a control character other than a newline.
bool has_control(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) {
    return (c < 0x20 && c != '\n') || c == 0x7f;
  });
}

} // namespace

CAF_TEST(accepted commands carry canonical names and parsed times) {
  auto parsed
    = parse({"--node", "localhost:7711", "--lookahead", "3", "--timeout", "0.5",
             "advance", "Orders", "P1", "5.0000000002"});
  auto cl = std::get_if<command_line>(&parsed);
  CAF_REQUIRE(cl != nullptr);
  CAF_CHECK_EQUAL(cl->address.host, "localhost");
  CAF_CHECK_EQUAL(cl->address.port, 7711u);
  CAF_CHECK_EQUAL(cl->lookahead, caf::optional<int32_t>{3});
  CAF_CHECK_EQUAL(cl->timeout, std::chrono::milliseconds(500));
  auto advance = std::get_if<ctl::advance>(&cl->command);
  CAF_REQUIRE(advance != nullptr);
  CAF_CHECK_EQUAL(advance->group, "orders");
  CAF_CHECK_EQUAL(advance->partition, "p1");
  CAF_CHECK_EQUAL(advance->ts, (hlc_time{5, 2}));
  auto commit = command<ctl::commit>({"commit", "G", "1", "2.0000000001"});
  CAF_REQUIRE(commit);
  CAF_CHECK_EQUAL(commit->group, "g");
  CAF_CHECK_EQUAL(commit->range, (hlc_range{{1, 0}, {2, 1}}));
  auto ensure = command<ctl::ensure>({"ensure", "G", "A", "b"});
  CAF_REQUIRE(ensure);
  CAF_CHECK_EQUAL(ensure->group, "g");
  CAF_CHECK_EQUAL(ensure->partitions, (std::vector<std::string>{"a", "b"}));
  auto watch = command<ctl::watch>({"watch", "G", "--count", "2"});
  CAF_REQUIRE(watch);
  CAF_CHECK_EQUAL(watch->group, "g");
  CAF_CHECK_EQUAL(watch->count, 2u);
  CAF_CHECK_EQUAL(command<ctl::bounds>({"bounds", "G"})->group, "g");
  CAF_CHECK_EQUAL(command<ctl::refresh>({"refresh", "G"})->group, "g");
  CAF_CHECK_EQUAL(command<ctl::status>({"status", "G"})->group, "g");
  CAF_CHECK(command<ctl::scan>({"scan"}));
  CAF_CHECK(command<ctl::groups>({"groups"}));
}

// Regression: MIN = MAX was refused with "MIN >= MAX"; SEMANTICS says that an
// empty range is a no-op, so only MIN > MAX is bad input.
CAF_TEST(an empty range is a command and a reversed one a usage error) {
  auto commit = command<ctl::commit>({"commit", "g", "3", "3.0"});
  CAF_REQUIRE(commit);
  CAF_CHECK_EQUAL(commit->range, (hlc_range{{3, 0}, {3, 0}}));
  CAF_CHECK(commit->range.empty());
  CAF_CHECK_FUNC(contains, refusal({"commit", "g", "5", "3"}),
                 "bad_input: bad range [5, 3): MIN > MAX");
  CAF_CHECK_FUNC(contains,
                 refusal({"commit", "g", "3.0000000001", "3.0000000000"}),
                 "MIN > MAX");
}

// Regression: an empty, too long or not UTF-8 partition name went to the
// node (exit 1 from there, after the group was started); every bad name is
// now found here, as the store would find it.
CAF_TEST(bad group and partition names are usage errors) {
  auto long_name = std::string(max_name_bytes + 1, 'x');
  for (auto& [bad, what] : std::vector<std::pair<std::string, std::string>>{
         {"", "name is empty"},
         {long_name, "name is 513 bytes long (at most 512)"},
         {"a\xff", "name is not valid UTF-8 (at byte 1)"},
         {"\xC0\xAF", "name is not valid UTF-8 (at byte 0)"}}) {
    auto group = "bad_input: group " + what;
    auto partition = "bad_input: partition " + what;
    for (auto cmd : {"bounds", "refresh", "status", "watch"})
      CAF_CHECK_FUNC(contains, refusal({cmd, bad}), group);
    CAF_CHECK_FUNC(contains, refusal({"advance", bad, "p", "1"}), group);
    CAF_CHECK_FUNC(contains, refusal({"commit", bad, "1", "2"}), group);
    CAF_CHECK_FUNC(contains, refusal({"ensure", bad, "p"}), group);
    CAF_CHECK_FUNC(contains, refusal({"advance", "g", bad, "1"}), partition);
    CAF_CHECK_FUNC(contains, refusal({"ensure", "g", "p", bad}), partition);
  }
  // The longest name is a name.
  CAF_CHECK(command<ctl::bounds>({"bounds", std::string(max_name_bytes, 'x')}));
  // The first problem is the one reported.
  CAF_CHECK_FUNC(contains, refusal({"advance", "", "", "x"}),
                 "bad_input: group name is empty");
  CAF_CHECK_FUNC(contains, refusal({"advance", "g", "", "x"}),
                 "bad_input: partition name is empty");
}

// Names are data: a refusal that quotes one (CLI11 quotes unexpected
// arguments) holds no control character.
CAF_TEST(refusals print arguments in printable form) {
  auto text = refusal({"groups", "\r\x1b[31m"});
  CAF_CHECK_FUNC(contains, text, "\\r\\x1b[31m");
  CAF_CHECK(!has_control(text));
  text = refusal({"advance", "g", "p", "\x1b[31m"});
  CAF_CHECK_FUNC(contains, text, "\\x1b[31m");
  CAF_CHECK(!has_control(text));
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
  CAF_CHECK_FUNC(contains, refusal({"advance", "g", "p", "x"}),
                 "invalid HLC time");
  CAF_CHECK_FUNC(contains, refusal({"advance", "g", "p", "-1"}),
                 "invalid HLC time");
  CAF_CHECK_FUNC(contains, refusal({"commit", "g", "1.5", "2"}),
                 "invalid HLC time");
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

CAF_TEST(
  an error means refused when the node answered and unreachable if not ) {
  CAF_CHECK_EQUAL(exit_status_of(caf::error{}), exit_ok);
  for (auto code : {ec::going_backwards, ec::bad_input, ec::lookahead_conflict,
                    ec::store_unavailable, ec::overloaded, ec::shutting_down,
                    ec::far_future})
    CAF_CHECK_EQUAL(exit_status_of(make_error(code, "x")), exit_refused);
  for (auto code : {caf::sec::request_timeout, caf::sec::cannot_connect_to_node,
                    caf::sec::remote_linking_failed})
    CAF_CHECK_EQUAL(exit_status_of(caf::make_error(code)), exit_unreachable);
}

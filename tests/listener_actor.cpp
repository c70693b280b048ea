// The listener actor on a database it cannot listen to: it reports through
// the node's logger, never on the standard error, and without the password.

#define CAF_SUITE listener_actor

#include <checkpoint/tests/actor_fixture.hpp>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <checkpoint/actors/listener.hpp>
#include <checkpoint/tests/store_fixture.hpp>

using namespace checkpoint;
using namespace checkpoint::test;

namespace {

// Makes the default logger write to `lines` while it lives.
struct log_capture {
  std::ostringstream lines;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();

  log_capture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }

  ~log_capture() {
    spdlog::set_default_logger(previous);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(listener_actor_tests,
                       test_coordinator_fixture<test_config>)

CAF_TEST(a listener that cannot connect logs without the password) {
  auto dsn = postgres_test_dsn();
  CAF_REQUIRE(dsn);
  // The server refuses the role, and its message quotes the role's name,
  // which is also the password here.
  auto secret = std::string{"hunter2secret"};
  log_capture log;
  stderr_capture err;
  auto listener = sys.spawn(
    listener_impl,
    postgres_options{*dsn + " user=" + secret + " password=" + secret, "s"},
    supervisor_control{}, listener_config{});
  // The first wait fails; the retry is a timer, which this does not fire.
  sched.run();
  CAF_CHECK_EQUAL(err.text(), "");
  auto logged = log.lines.str();
  CAF_CHECK_FUNC(contains, logged, "listener failed");
  CAF_CHECK_FUNC(contains, logged, "role \\\"********\\\" does not exist");
  CAF_CHECK(!contains{}(logged, secret));
  anon_send_exit(listener, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()

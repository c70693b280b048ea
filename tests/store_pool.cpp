#define CAF_SUITE store_pool

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include <caf/all.hpp>

#include <checkpoint/actors/store_worker.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/memory_store.hpp>
#include <checkpoint/tests/checks.hpp>
#include <checkpoint/tests/forwarding_store.hpp>

using namespace checkpoint;

namespace {

// Holds back the bounds computations of group "slow" until it opens.
struct gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;

  void wait() {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait(guard, [this] { return open; });
  }

  void release() {
    {
      std::lock_guard<std::mutex> guard{mtx};
      open = true;
    }
    cv.notify_all();
  }
};

// A memory store whose bounds of group "slow" wait for the gate: a worker
// busy with a long call.
class gated_store final : public test::forwarding_store {
public:
  explicit gated_store(gate& g)
    : forwarding_store(std::make_shared<memory_store>()), gate_(g) {
  }

protected:
  caf::expected<hlc_range> do_bounds(const std::string& group,
                                     int32_t lookahead) override {
    if (group == "slow")
      gate_.wait();
    return forwarding_store::do_bounds(group, lookahead);
  }

private:
  gate& gate_;
};

// Opens the gate when the test ends, also when a check fails: a worker
// still waiting at it would keep the actor system from shutting down.
struct open_at_exit {
  gate& g;
  ~open_at_exit() {
    g.release();
  }
};

// Long enough for a loaded machine, short enough that a request queued
// behind the gate fails the test instead of hanging it.
constexpr auto answer_timeout = std::chrono::seconds(10);

} // namespace

// Round-robin handed every second call to the busy worker, where it waited
// for the gate: every call here must be answered while the gate is shut.
CAF_TEST(calls go to an idle worker while another is busy) {
  gate slow;
  test::test_config cfg;
  caf::actor_system sys{cfg};
  auto pool = spawn_store_pool(sys, 2, [&slow]() {
    return caf::expected<std::shared_ptr<store>>{
      std::make_shared<gated_store>(slow)};
  });
  open_at_exit guard{slow};
  caf::scoped_actor self{sys};
  auto held = self->request(pool, caf::infinite, bounds_atom::value,
                            std::string{"slow"}, int32_t{0});
  for (int i = 0; i < 10; ++i) {
    self
      ->request(pool, answer_timeout, bounds_atom::value, std::string{"fast"},
                int32_t{0})
      .receive(
        [](hlc_range r) {
          CAF_CHECK_EQUAL(r, including(zero_time, zero_time));
        },
        [&](caf::error& err) {
          CAF_FAIL("call " << i << " was not answered while one "
                           << "worker was busy: " << describe(err));
        });
  }
  slow.release();
  held.receive([](hlc_range) {},
               [](caf::error& err) { CAF_FAIL(describe(err)); });
  self->send_exit(pool, caf::exit_reason::user_shutdown);
}

// Every worker gone (they only exit by crashing): calls fail instead of
// reaching the dispatch without a worker to pick.
CAF_TEST(a pool whose workers are gone fails calls) {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  auto pool = spawn_store_pool(sys, 1, [] {
    return caf::expected<std::shared_ptr<store>>{
      std::make_shared<memory_store>()};
  });
  caf::scoped_actor self{sys};
  std::vector<caf::actor> workers;
  self
    ->request(caf::actor_cast<caf::actor>(pool), answer_timeout,
              caf::sys_atom::value, caf::get_atom::value)
    .receive([&](std::vector<caf::actor>& xs) { workers = std::move(xs); },
             [](caf::error& err) { CAF_FAIL(describe(err)); });
  CAF_REQUIRE_EQUAL(workers.size(), 1u);
  self->monitor(workers.front());
  self->send_exit(workers.front(), caf::exit_reason::kill);
  self->receive([](const caf::down_msg&) {});
  self
    ->request(pool, answer_timeout, bounds_atom::value, std::string{"g"},
              int32_t{0})
    .receive([](hlc_range) { CAF_FAIL("a pool without workers answered"); },
             [](caf::error& err) { CAF_CHECK(err); });
}

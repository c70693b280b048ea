#include <checkpoint/actors/store_worker.hpp>

#include <chrono>
#include <unordered_map>

#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/messages/error.hpp>

namespace checkpoint {

namespace {

// Runs `f` on the open store, opening it first if needed. A store that
// reports itself unavailable is dropped so the next call reopens it.
template <class F>
auto with_store(store_worker_state& st, F f) -> decltype(f(*st.db)) {
  auto result = [&]() -> decltype(f(*st.db)) {
    if (!st.db) {
      auto opened = st.open();
      if (!opened)
        return std::move(opened.error());
      st.db = std::move(*opened);
    }
    return f(*st.db);
  }();
  if (!result && code_of(result.error()) == ec::store_unavailable)
    st.db.reset();
  if (st.in_hand)
    st.in_hand->fetch_sub(1, std::memory_order_relaxed);
  return result;
}

// The pool's dispatch: the worker with the fewest calls in hand, the first
// of them on a tie. Workers are identified by actor ID, because the pool
// drops a worker that exits from its list. CAF's pool never calls this
// without workers: it answers requests itself then (with an empty message,
// which requesters see as `unexpected_response`), and it quits when its last
// worker exits.
class least_busy {
public:
  using counters
    = std::unordered_map<caf::actor_id, std::shared_ptr<std::atomic<int>>>;

  explicit least_busy(std::shared_ptr<const counters> in_hand)
    : in_hand_(std::move(in_hand)) {
  }

  void operator()(caf::actor_system&, caf::actor_pool::uplock& guard,
                  const caf::actor_pool::actor_vec& workers,
                  caf::mailbox_element_ptr& msg, caf::execution_unit* host) {
    caf::actor chosen;
    std::atomic<int>* count = nullptr;
    for (const auto& worker : workers) {
      auto& c = *in_hand_->at(worker.id());
      if (!count
          || c.load(std::memory_order_relaxed)
               < count->load(std::memory_order_relaxed)) {
        chosen = worker;
        count = &c;
      }
    }
    guard.unlock();
    count->fetch_add(1, std::memory_order_relaxed);
    chosen->enqueue(std::move(msg), host);
  }

private:
  // Filled while the pool is made, read-only afterwards.
  std::shared_ptr<const counters> in_hand_;
};

} // namespace

store_worker::behavior_type
store_worker_impl(store_worker::stateful_pointer<store_worker_state> self,
                  store_opener open,
                  std::shared_ptr<std::atomic<int>> in_hand) {
  self->state.open = std::move(open);
  self->state.in_hand = std::move(in_hand);
  auto& st = self->state;
  return {
    [&st](apply_atom, const std::string& group,
          const std::vector<operation>& ops)
      -> caf::result<std::vector<caf::error>> {
      return with_store(st, [&](store& db) { return db.apply(group, ops); });
    },
    [&st](bounds_atom, const std::string& group,
          int32_t lookahead) -> caf::result<hlc_range> {
      return with_store(st,
                        [&](store& db) { return db.bounds(group, lookahead); });
    },
    [&st](status_atom, const std::string& group,
          int32_t lookahead) -> caf::result<std::vector<partition_status>> {
      return with_store(st,
                        [&](store& db) { return db.status(group, lookahead); });
    },
    [&st](scan_atom) -> caf::result<std::vector<std::string>> {
      return with_store(st, [](store& db) { return db.scan(); });
    },
    [&st](ping_atom) -> caf::result<ok_atom> {
      return with_store(st, [](store& db) -> caf::expected<ok_atom> {
        if (auto err = db.ping())
          return err;
        return ok_atom::value;
      });
    },
  };
}

namespace {

// Shares an opened store, guarded by `limit`.
template <class Store>
caf::expected<std::shared_ptr<store>>
shared(caf::expected<std::unique_ptr<Store>> x, const future_limit& limit) {
  if (!x)
    return std::move(x.error());
  (*x)->limit_future(limit);
  return std::shared_ptr<store>{std::move(*x)};
}

} // namespace

store_opener postgres_opener(postgres_options opts, future_limit limit) {
  return [opts = std::move(opts), limit = std::move(limit)] {
    return shared(postgres_store::open(opts), limit);
  };
}

store_opener sqlite_opener(sqlite_options opts, future_limit limit) {
  return [opts = std::move(opts), limit = std::move(limit)] {
    return shared(sqlite_store::open(opts), limit);
  };
}

caf::error store_call_failure(caf::error err, const std::string& what,
                              caf::timespan timeout) {
  if (err != caf::sec::request_timeout)
    return err;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  return make_error(ec::store_unavailable,
                    what + ": the store did not answer within "
                      + std::to_string(ms.count())
                      + " ms (is the database reachable?)");
}

store_worker spawn_store_pool(caf::actor_system& sys, size_t size,
                              store_opener open) {
  auto in_hand = std::make_shared<least_busy::counters>();
  auto factory = [&sys, open, in_hand] {
    auto count = std::make_shared<std::atomic<int>>(0);
    auto worker = caf::actor_cast<caf::actor>(
      sys.spawn<caf::detached>(store_worker_impl, open, count));
    in_hand->emplace(worker.id(), std::move(count));
    return worker;
  };
  auto pool = caf::actor_pool::make(sys.dummy_execution_unit(), size, factory,
                                    least_busy{in_hand});
  return caf::actor_cast<store_worker>(pool);
}

store_worker spawn_scheduled_worker(caf::actor_system& sys, store_opener open) {
  return sys.spawn(store_worker_impl, std::move(open), nullptr);
}

} // namespace checkpoint

#include <checkpoint/actors/group.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <variant>

#include <spdlog/spdlog.h>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/actors/log.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/storage/bounds.hpp>

namespace checkpoint {

namespace {

using self_ptr = group_control::stateful_pointer<group_state>;

using clock = std::chrono::steady_clock;

// What answering one operation of a transaction needs once it commits.
struct pending_answer {
  caf::typed_response_promise<ok_atom> reply;
  clock::time_point arrived;
  // The Advance or Commit duration metric; null for Ensure or no metrics.
  histogram* duration = nullptr;
  // The partition of an Advance, for the log line of a refused one.
  std::string partition;
};

uint64_t nanos_between(clock::time_point start, clock::time_point end) {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
}

// Answers every promise in `xs` with `x` and empties the list.
template <class T, class U>
void deliver_all(std::vector<caf::typed_response_promise<T>>& xs, const U& x) {
  for (auto& rp : xs)
    rp.deliver(x);
  xs.clear();
}

// Groups started together would otherwise refresh together forever, and
// many idle groups would hit the store in bursts: every periodic tick comes
// at a random point of [lo, hi]. One engine per thread: no state per group.
caf::timespan random_delay(caf::timespan lo, caf::timespan hi) {
  thread_local std::minstd_rand engine{std::random_device{}()};
  std::uniform_int_distribution<caf::timespan::rep> dist{lo.count(),
                                                         hi.count()};
  return caf::timespan{dist(engine)};
}

void tell_parent(self_ptr self) {
  if (self->state.parent)
    self->send(self->state.parent, subscribe_atom::value, self->state.group,
               self->state.subscribers);
}

void publish(self_ptr self, hlc_range bounds) {
  auto& st = self->state;
  deliver_all(st.waiting_for_bounds, bounds);
  if (st.bounds == bounds)
    return;
  st.bounds = bounds;
  st.refresh_period = st.cfg.refresh_interval;
  if (st.metrics) {
    st.metrics->committed_nanos.store(bounds.min.nanos,
                                      std::memory_order_relaxed);
    st.metrics->proposed_nanos.store(bounds.max.nanos,
                                     std::memory_order_relaxed);
  }
  for (auto& sub : st.subscribers)
    self->send(sub, bounds_update{st.group, bounds});
}

void refresh(self_ptr self);

void refresh_done(self_ptr self) {
  auto& st = self->state;
  st.refreshing = false;
  if (st.refresh_again || !st.waiting_for_refresh.empty()) {
    st.refresh_again = false;
    refresh(self);
  }
}

// Starts a bounds computation, or asks for one more after the computation
// in flight: any number of triggers during a refresh cause one more.
void refresh(self_ptr self) {
  auto& st = self->state;
  if (st.refreshing) {
    st.refresh_again = true;
    return;
  }
  st.refreshing = true;
  st.refreshing_for = std::move(st.waiting_for_refresh);
  st.waiting_for_refresh.clear();
  auto started = clock::now();
  self
    ->request(st.store, st.cfg.store_timeout, bounds_atom::value, st.group,
              st.cfg.lookahead)
    .then(
      [self, started](hlc_range bounds) {
        auto& st = self->state;
        if (st.metrics)
          st.metrics->refresh_duration.observe(
            nanos_between(started, clock::now()));
        publish(self, bounds);
        deliver_all(st.refreshing_for, bounds);
        refresh_done(self);
      },
      [self](caf::error& failure) {
        // Keep the last good bounds; the periodic refresh retries soon.
        auto& st = self->state;
        auto err = store_call_failure(std::move(failure),
                                      "computing the bounds of group '"
                                        + st.group + "'",
                                      st.cfg.store_timeout);
        ++st.failed_refreshes;
        spdlog::warn("msg=\"refresh failed\" group={} error={}",
                     logfmt(st.group), logfmt(describe(err)));
        st.refresh_period = st.cfg.refresh_interval;
        deliver_all(st.refreshing_for, err);
        deliver_all(st.waiting_for_bounds, err);
        refresh_done(self);
      });
}

// Counts and logs an Advance that the store refused as going backwards or as
// too far in the future: both mean a source that needs looking at.
void count_refusal(self_ptr self, const std::string& partition,
                   const caf::error& err) {
  auto& st = self->state;
  uint64_t group_state::*count = nullptr;
  std::atomic<uint64_t> group_metrics::*metric = nullptr;
  switch (code_of(err)) {
    case ec::going_backwards:
      count = &group_state::going_backwards;
      metric = &group_metrics::going_backwards;
      break;
    case ec::far_future:
      count = &group_state::far_future;
      metric = &group_metrics::far_future;
      break;
    default:
      return;
  }
  ++(st.*count);
  if (st.metrics)
    (st.metrics->*metric).fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("msg=\"advance rejected\" group={} partition={} error={}",
               logfmt(st.group), logfmt(partition), logfmt(describe(err)));
}

void finish_if_stopping(self_ptr self) {
  auto& st = self->state;
  if (st.stopping.empty() || st.writing || !st.queue.empty())
    return;
  auto err = make_error(ec::shutting_down,
                        "group '" + st.group + "' is shutting down");
  deliver_all(st.waiting_for_refresh, err);
  deliver_all(st.refreshing_for, err);
  deliver_all(st.waiting_for_bounds, err);
  deliver_all(st.stopping, ok_atom::value);
  self->quit();
}

// Writes the queue's head (up to `max_batch` operations) as one transaction
// unless a write is in flight; requests arriving meanwhile form the next.
void write(self_ptr self) {
  auto& st = self->state;
  if (st.writing || st.queue.empty())
    return;
  auto n = std::min(st.queue.size(), st.cfg.max_batch);
  std::vector<operation> ops;
  std::vector<pending_answer> replies;
  ops.reserve(n);
  replies.reserve(n);
  auto first = st.queue.begin();
  auto last = first + static_cast<std::ptrdiff_t>(n);
  for (auto i = first; i != last; ++i) {
    pending_answer answer{std::move(i->reply), i->arrived, nullptr, {}};
    if (auto adv = std::get_if<advance_op>(&i->op)) {
      answer.partition = adv->partition;
      if (st.metrics)
        answer.duration = &st.metrics->advance_duration;
    } else if (st.metrics && std::holds_alternative<commit_op>(i->op)) {
      answer.duration = &st.metrics->commit_duration;
    }
    ops.push_back(std::move(i->op));
    replies.push_back(std::move(answer));
  }
  if (st.metrics)
    st.metrics->batch_size.observe(n);
  st.queue.erase(first, last);
  if (st.queue.empty())
    std::vector<queued_operation>{}.swap(st.queue); // see group_state::queue
  st.writing = true;
  // Sends the next batch before this one is answered: the write in flight
  // is what every queued request waits for.
  auto write_next = [self] {
    self->state.writing = false;
    write(self);
  };
  self
    ->request(st.store, st.cfg.store_timeout, apply_atom::value, st.group,
              std::move(ops))
    .then(
      [self, replies, write_next](std::vector<caf::error>& results) mutable {
        write_next();
        // Answer only now: the transaction is committed, so every
        // acknowledged operation is durable.
        auto& st = self->state;
        auto answered = clock::now();
        for (size_t i = 0; i < replies.size(); ++i) {
          auto& answer = replies[i];
          count_refusal(self, answer.partition, results[i]);
          if (results[i])
            answer.reply.deliver(results[i]);
          else
            answer.reply.deliver(ok_atom::value);
          if (answer.duration)
            answer.duration->observe(nanos_between(answer.arrived, answered));
        }
        st.refresh_period = st.cfg.refresh_interval;
        refresh(self);
        finish_if_stopping(self);
      },
      [self, replies, write_next](caf::error& failure) mutable {
        write_next();
        auto err = store_call_failure(
          std::move(failure),
          "writing " + std::to_string(replies.size()) + " operations of group '"
            + self->state.group + "' (their outcome is unknown)",
          self->state.cfg.store_timeout);
        spdlog::error("msg=\"write failed\" group={} operations={} error={}",
                      logfmt(self->state.group), replies.size(),
                      logfmt(describe(err)));
        auto answered = clock::now();
        for (auto& answer : replies) {
          answer.reply.deliver(err);
          if (answer.duration)
            answer.duration->observe(nanos_between(answer.arrived, answered));
        }
        finish_if_stopping(self);
      });
}

// Queues one operation for the next transaction.
caf::typed_response_promise<ok_atom> enqueue(self_ptr self, operation op) {
  auto& st = self->state;
  auto rp = self->make_response_promise<ok_atom>();
  if (!st.stopping.empty()) {
    rp.deliver(make_error(ec::shutting_down,
                          "group '" + st.group + "' is shutting down"));
    return rp;
  }
  if (st.queue.size() >= st.cfg.max_queue) {
    rp.deliver(
      make_error(ec::overloaded, "group '" + st.group + "' has "
                                   + std::to_string(st.queue.size())
                                   + " operations queued (the limit)"));
    return rp;
  }
  st.queue.push_back({std::move(op), rp, clock::now()});
  write(self);
  return rp;
}

void add_subscriber(self_ptr self, const bounds_subscriber& sub) {
  auto& st = self->state;
  if (!sub
      || std::find(st.subscribers.begin(), st.subscribers.end(), sub)
           != st.subscribers.end())
    return;
  st.subscribers.push_back(sub);
  self->monitor(sub);
  if (st.bounds)
    self->send(sub, bounds_update{st.group, *st.bounds});
}

void remove_subscriber(self_ptr self, const caf::actor_addr& addr) {
  auto& subs = self->state.subscribers;
  auto i = std::remove_if(subs.begin(), subs.end(), [&](const auto& sub) {
    return sub.address() == addr;
  });
  if (i == subs.end())
    return;
  subs.erase(i, subs.end());
  tell_parent(self);
}

group_status make_status(self_ptr self, std::vector<partition_status> parts) {
  auto& st = self->state;
  group_status result;
  result.group = st.group;
  if (st.bounds)
    result.bounds = *st.bounds;
  result.lookahead = st.cfg.lookahead;
  result.subscribers = st.subscribers.size();
  result.holding_back = holding_back(parts);
  result.partitions = std::move(parts);
  return result;
}

} // namespace

group_control::behavior_type
group_impl(group_control::stateful_pointer<group_state> self, std::string group,
           group_config cfg, store_worker store, supervisor_control parent,
           std::vector<bounds_subscriber> subscribers) {
  auto& st = self->state;
  st.group = std::move(group);
  st.cfg = cfg;
  st.store = std::move(store);
  st.parent = std::move(parent);
  st.refresh_period = cfg.refresh_interval;
  if (cfg.metrics)
    st.metrics = &cfg.metrics->group(st.group);
  self->set_down_handler(
    [self](const caf::down_msg& msg) { remove_subscriber(self, msg.source); });
  for (auto& sub : subscribers)
    add_subscriber(self, sub);
  refresh(self);
  // The first tick comes at a random point of the first period.
  if (st.refresh_period.count() > 0)
    self->delayed_send(self, random_delay(caf::timespan{1}, st.refresh_period),
                       tick_atom::value);
  return {
    [self](advance_atom, std::string& partition, hlc_time ts) {
      return enqueue(self, advance_op{std::move(partition), ts});
    },
    [self](commit_atom, hlc_range range) {
      return enqueue(self, commit_op{range});
    },
    [self](ensure_atom, std::vector<std::string>& partitions) {
      return enqueue(self, ensure_op{std::move(partitions)});
    },
    [self](bounds_atom) -> caf::result<hlc_range> {
      if (self->state.bounds)
        return *self->state.bounds;
      auto rp = self->make_response_promise<hlc_range>();
      self->state.waiting_for_bounds.push_back(rp);
      return rp;
    },
    [self](refresh_atom) {
      auto rp = self->make_response_promise<hlc_range>();
      self->state.waiting_for_refresh.push_back(rp);
      refresh(self);
      return rp;
    },
    [self](status_atom) {
      auto rp = self->make_response_promise<group_status>();
      self
        ->request(self->state.store, self->state.cfg.store_timeout,
                  status_atom::value, self->state.group,
                  self->state.cfg.lookahead)
        .then(
          [self, rp](std::vector<partition_status>& parts) mutable {
            rp.deliver(make_status(self, std::move(parts)));
          },
          [self, rp](caf::error& err) mutable {
            rp.deliver(store_call_failure(std::move(err),
                                          "reading the status of group '"
                                            + self->state.group + "'",
                                          self->state.cfg.store_timeout));
          });
      return rp;
    },
    [self](subscribe_atom, const bounds_subscriber& sub) {
      add_subscriber(self, sub);
      tell_parent(self);
      return ok_atom::value;
    },
    [self](unsubscribe_atom, const bounds_subscriber& sub) {
      self->demonitor(sub.address());
      remove_subscriber(self, sub.address());
      return ok_atom::value;
    },
    [self](shutdown_atom) {
      // A second request is answered with the first.
      auto rp = self->make_response_promise<ok_atom>();
      self->state.stopping.push_back(rp);
      finish_if_stopping(self);
      return rp;
    },
    [self](changed_atom) { refresh(self); },
    [self](tick_atom) {
      // Only the group's own timer drives the periodic refresh: a tick from
      // anyone else would start another chain of timers.
      if (self->current_sender() != self->ctrl())
        return;
      // Back off while idle; a change or a write resets the period.
      auto& st = self->state;
      refresh(self);
      self->delayed_send(self,
                         random_delay(st.refresh_period * 3 / 4,
                                      st.refresh_period * 5 / 4),
                         tick_atom::value);
      st.refresh_period = std::min(st.refresh_period * 2,
                                   st.cfg.max_refresh_interval);
    },
  };
}

} // namespace checkpoint

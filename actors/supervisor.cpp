#include <checkpoint/actors/supervisor.hpp>

#include <algorithm>
#include <memory>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include <checkpoint/actors/log.hpp>
#include <checkpoint/messages/error.hpp>
#include <checkpoint/messages/names.hpp>

namespace checkpoint {

namespace {

using self_ptr = supervisor_control::stateful_pointer<supervisor_state>;

using group_iter = std::map<std::string, supervised_group>::iterator;

group_actor spawn_group(self_ptr self, const std::string& name,
                        supervised_group& entry) {
  auto cfg = self->state.cfg.groups;
  cfg.lookahead = entry.lookahead;
  entry.handle = self->spawn(group_impl, name, cfg, self->state.store,
                             supervisor_control{self}, entry.subscribers);
  entry.started = self->clock().now();
  self->monitor(entry.handle);
  return entry.handle;
}

// Forgets a group that stopped for good, telling its subscribers why: no
// more updates come, and a watch must not wait for them.
void forget(self_ptr self, group_iter i, const std::string& reason) {
  for (auto& sub : i->second.subscribers)
    self->send(sub, group_stopped{i->first, reason});
  self->state.groups.erase(i);
}

const std::string stopped_on_request = "stopped on request";
const std::string node_shutting_down = "the node is shutting down";

caf::expected<group_actor> start(self_ptr self, const table_group& tg,
                                 const group_options& opts) {
  auto& st = self->state;
  if (!st.stopping.empty())
    return make_error(ec::shutting_down, "the node is shutting down");
  auto name = canonical_name(tg.name, "group");
  if (!name)
    return std::move(name.error());
  if (opts.lookahead && *opts.lookahead < 0)
    return make_error(ec::bad_input, "lookahead limit "
                                       + std::to_string(*opts.lookahead)
                                       + " for group '" + *name
                                       + "' is negative (0 means no limit)");
  auto i = st.groups.find(*name);
  if (i != st.groups.end()) {
    auto& entry = i->second;
    if (entry.stop_requested)
      return make_error(ec::shutting_down,
                        "group '" + *name + "' is being stopped");
    if (opts.lookahead && *opts.lookahead != entry.lookahead)
      return make_error(ec::lookahead_conflict,
                        "group '" + *name + "' runs with lookahead "
                          + std::to_string(entry.lookahead) + ", not "
                          + std::to_string(*opts.lookahead));
    if (entry.handle)
      return entry.handle;
    return spawn_group(self, *name, entry);
  }
  auto& entry = st.groups[*name];
  entry.lookahead = opts.lookahead.value_or(st.cfg.groups.lookahead);
  entry.restart_delay = st.cfg.restart_delay;
  return spawn_group(self, *name, entry);
}

void on_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  auto i = std::find_if(st.groups.begin(), st.groups.end(), [&](auto& kv) {
    return kv.second.handle && kv.second.handle.address() == msg.source;
  });
  if (i == st.groups.end())
    return;
  auto& entry = i->second;
  entry.handle = nullptr;
  if (!st.stopping.empty() || entry.stop_requested || !msg.reason) {
    auto reason = !st.stopping.empty()   ? node_shutting_down
                  : entry.stop_requested ? stopped_on_request
                                         : std::string{"exited"};
    if (msg.reason)
      reason += " (exit reason: " + describe(msg.reason) + ")";
    forget(self, i, reason);
    return;
  }
  // A group that ran well for a while starts over with the first delay.
  if (self->clock().now() - entry.started >= st.cfg.healthy_after)
    entry.restart_delay = st.cfg.restart_delay;
  spdlog::error(
    "msg=\"group crashed\" group={} error={} restart_in={}ms", logfmt(i->first),
    logfmt(describe(msg.reason)),
    std::chrono::duration_cast<std::chrono::milliseconds>(entry.restart_delay)
      .count());
  // Restart later, so that a group that crashes at once does not spin.
  self->delayed_send(self, entry.restart_delay, restart_atom::value, i->first);
  entry.restart_delay = std::min(entry.restart_delay * 2,
                                 st.cfg.max_restart_delay);
}

void shutdown(self_ptr self, caf::typed_response_promise<ok_atom> rp) {
  auto& st = self->state;
  st.stopping.push_back(std::move(rp));
  // A second request waits for the drain that the first one started.
  if (st.stopping.size() > 1)
    return;
  // Groups waiting for a restart stop here and now.
  for (auto i = st.groups.begin(); i != st.groups.end();)
    if (i->second.handle)
      ++i;
    else
      forget(self, i++, node_shutting_down);
  auto pending = std::make_shared<size_t>(st.groups.size());
  // The supervisor exits after the last drain, before the down messages of
  // the groups would arrive: their subscribers are told here.
  auto finish = [self, pending](const std::string& name) {
    auto i = self->state.groups.find(name);
    if (i != self->state.groups.end())
      forget(self, i, node_shutting_down);
    if (--*pending > 0)
      return;
    for (auto& waiting : self->state.stopping)
      waiting.deliver(ok_atom::value);
    self->quit();
  };
  if (*pending == 0) {
    ++*pending;
    finish({});
    return;
  }
  for (auto& [name, entry] : st.groups) {
    // A group that fails to drain in time is stopped all the same.
    self->request(entry.handle, st.cfg.shutdown_timeout, shutdown_atom::value)
      .then([finish, name = name](ok_atom) { finish(name); },
            [finish, name = name](caf::error&) { finish(name); });
  }
}

// Answers a scan (or bootstrap) whose store call failed.
void fail_scan(self_ptr self,
               caf::typed_response_promise<std::vector<std::string>>& rp,
               caf::error& err) {
  rp.deliver(store_call_failure(std::move(err), "scanning for groups",
                                self->state.cfg.groups.store_timeout));
}

// Stops one group on a client's request; answered once it drained.
caf::result<ok_atom> stop(self_ptr self, const std::string& group) {
  auto& st = self->state;
  auto name = canonical_name(group, "group");
  if (!name)
    return std::move(name.error());
  auto i = st.groups.find(*name);
  if (i == st.groups.end())
    return ok_atom::value;
  auto& entry = i->second;
  if (!entry.handle) {
    forget(self, i, stopped_on_request);
    return ok_atom::value;
  }
  // Its subscribers are told when its down message arrives (on_down).
  entry.stop_requested = true;
  auto rp = self->make_response_promise<ok_atom>();
  self->request(entry.handle, st.cfg.shutdown_timeout, shutdown_atom::value)
    .then([rp](ok_atom) mutable { rp.deliver(ok_atom::value); },
          [rp](caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

} // namespace

supervisor_control::behavior_type
supervisor_impl(supervisor_control::stateful_pointer<supervisor_state> self,
                supervisor_config cfg, store_worker store) {
  self->state.cfg = cfg;
  self->state.store = std::move(store);
  self->set_down_handler(
    [self](const caf::down_msg& msg) { on_down(self, msg); });
  return {
    [self](start_atom, const table_group& tg, const group_options& opts)
      -> caf::result<group_actor> { return start(self, tg, opts); },
    [self](stop_atom, const std::string& group) { return stop(self, group); },
    [self](groups_atom) {
      std::vector<std::string> names;
      for (auto& kv : self->state.groups)
        names.push_back(kv.first);
      return names;
    },
    [self](scan_atom) {
      // Not delegated: a worker that answered a remote client directly
      // could be kept alive by the client's proxy after the client left,
      // and a detached worker that is never destroyed blocks the node's
      // exit.
      auto rp = self->make_response_promise<std::vector<std::string>>();
      self
        ->request(self->state.store, self->state.cfg.groups.store_timeout,
                  scan_atom::value)
        .then(
          [rp](std::vector<std::string>& names) mutable { rp.deliver(names); },
          [self, rp](caf::error& err) mutable { fail_scan(self, rp, err); });
      return rp;
    },
    [self](bootstrap_atom) {
      auto rp = self->make_response_promise<std::vector<std::string>>();
      self
        ->request(self->state.store, self->state.cfg.groups.store_timeout,
                  scan_atom::value)
        .then(
          [self, rp](std::vector<std::string>& names) mutable {
            std::vector<std::string> started;
            for (auto& name : names)
              if (start(self, table_group{name, {}, {}}, group_options{}))
                started.push_back(name);
            rp.deliver(started);
          },
          [self, rp](caf::error& err) mutable { fail_scan(self, rp, err); });
      return rp;
    },
    [self](shutdown_atom) {
      auto rp = self->make_response_promise<ok_atom>();
      shutdown(self, rp);
      return rp;
    },
    [self](changed_atom, const std::string& name) {
      auto i = self->state.groups.find(name);
      if (i != self->state.groups.end() && i->second.handle)
        self->send(i->second.handle, changed_atom::value);
    },
    [self](restart_atom, const std::string& name) {
      auto& st = self->state;
      auto i = st.groups.find(name);
      if (!st.stopping.empty() || i == st.groups.end() || i->second.handle)
        return;
      spawn_group(self, name, i->second);
      spdlog::info("msg=\"group restarted\" group={}", logfmt(name));
    },
    [self](subscribe_atom, const std::string& name,
           std::vector<bounds_subscriber>& subscribers) {
      auto i = self->state.groups.find(name);
      if (i != self->state.groups.end())
        i->second.subscribers = std::move(subscribers);
    },
  };
}

} // namespace checkpoint

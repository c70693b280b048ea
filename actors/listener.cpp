#include <checkpoint/actors/listener.hpp>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <checkpoint/actors/log.hpp>
#include <checkpoint/messages/error.hpp>

namespace checkpoint {

namespace {

using self_ptr = listener_actor::stateful_pointer<listener_state>;

// Wakes every running group: notifications sent while the listener was
// disconnected are lost.
void wake_all(self_ptr self) {
  auto& st = self->state;
  self->request(st.sup, std::chrono::seconds(10), groups_atom::value)
    .then(
      [self](const std::vector<std::string>& names) {
        for (auto& name : names)
          self->send(self->state.sup, changed_atom::value, name);
      },
      [](const caf::error&) {
        // The periodic refresh of each group remains.
      });
}

void wait_once(self_ptr self) {
  auto& st = self->state;
  auto found = st.source->wait(st.cfg.poll_timeout);
  if (!found) {
    // Once per outage, through the node's logger: the error names the
    // server, never the password.
    if (!st.failing)
      spdlog::warn("msg=\"listener failed, retrying; groups rely on their "
                   "periodic refresh\" error={}",
                   logfmt(describe(found.error())));
    st.failing = true;
    self->delayed_send(self, st.cfg.retry_delay, wait_atom::value);
    return;
  }
  st.failing = false;
  if (found->resync)
    wake_all(self);
  for (auto& name : found->groups)
    self->send(st.sup, changed_atom::value, name);
  // A message rather than a loop: the mailbox, and thus an exit request, is
  // looked at between two waits.
  self->send(self, wait_atom::value);
}

} // namespace

listener_actor::behavior_type
listener_impl(listener_actor::stateful_pointer<listener_state> self,
              postgres_options opts, supervisor_control sup,
              listener_config cfg) {
  auto& st = self->state;
  st.cfg = cfg;
  st.source = std::make_unique<postgres_listener>(std::move(opts));
  st.sup = std::move(sup);
  self->send(self, wait_atom::value);
  return {
    [self](wait_atom) { wait_once(self); },
  };
}

listener_actor spawn_listener(caf::actor_system& sys, postgres_options opts,
                              supervisor_control sup, listener_config cfg) {
  return sys.spawn<caf::detached>(listener_impl, std::move(opts),
                                  std::move(sup), cfg);
}

} // namespace checkpoint

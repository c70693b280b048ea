#include <checkpoint/messages/register.hpp>

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>

namespace checkpoint {

namespace {

// Registers a message type under the name its inspect() writes.
template <class T>
void add(caf::actor_system_config& cfg) {
  cfg.add_message_type<T>(T::type_name);
}

} // namespace

void register_message_types(caf::actor_system_config& cfg) {
  add<hlc_time>(cfg);
  add<hlc_range>(cfg);
  add<table_group>(cfg);
  add<partition_window>(cfg);
  add<partition_status>(cfg);
  add<bounds_update>(cfg);
  add<group_stopped>(cfg);
  add<group_options>(cfg);
  add<group_status>(cfg);
  // Handles have no inspect(): their names are written here only. The
  // control handles (actors/control.hpp) never leave their node.
  cfg.add_message_type<bounds_subscriber>("checkpoint.bounds_subscriber");
  cfg.add_message_type<group_actor>("checkpoint.group_actor");
  cfg.add_message_type<supervisor_actor>("checkpoint.supervisor_actor");
  // The renderer takes the context: CAF's add_error_category<T>() expects
  // one without it and does not compile against 0.17.6.
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value category,
                            const caf::message& ctx) {
                           return describe(caf::error{code, category, ctx});
                         });
}

} // namespace checkpoint

#include <checkpoint/messages/register.hpp>

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

#include <checkpoint/messages/actors.hpp>
#include <checkpoint/messages/error.hpp>

namespace checkpoint {

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<hlc_time>("checkpoint.hlc_time");
  cfg.add_message_type<hlc_range>("checkpoint.hlc_range");
  cfg.add_message_type<table_group>("checkpoint.table_group");
  cfg.add_message_type<partition_status>("checkpoint.partition_status");
  cfg.add_message_type<bounds_update>("checkpoint.bounds_update");
  cfg.add_message_type<group_stopped>("checkpoint.group_stopped");
  cfg.add_message_type<group_options>("checkpoint.group_options");
  cfg.add_message_type<group_status>("checkpoint.group_status");
  cfg.add_message_type<bounds_subscriber>("checkpoint.bounds_subscriber");
  cfg.add_message_type<group_actor>("checkpoint.group_actor");
  cfg.add_message_type<supervisor_actor>("checkpoint.supervisor_actor");
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value category,
                            const caf::message& ctx) {
                           return describe(caf::error{code, category, ctx});
                         });
}

} // namespace checkpoint

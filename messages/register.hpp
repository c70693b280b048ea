#pragma once

namespace caf {
class actor_system_config;
} // namespace caf

namespace checkpoint {

/// Registers every type that may cross CAF nodes, under stable names, and
/// the error category's renderer. Call it on every node's config.
void register_message_types(caf::actor_system_config& cfg);

} // namespace checkpoint

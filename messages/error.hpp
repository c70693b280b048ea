#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace checkpoint {

/// The component's error codes. Permanent errors mean "this request is
/// wrong and will stay wrong"; retryable ones mean "try again later".
enum class ec : uint8_t {
  /// Not an error (CAF reserves code 0 for "no error").
  none = 0,
  // -- permanent -------------------------------------------------------------
  /// An Advance below the partition's greatest recorded timestamp.
  going_backwards,
  /// Malformed input: a bad name, timestamp, range or option.
  bad_input,
  /// A group is already running with a different lookahead limit.
  lookahead_conflict,
  /// The store refused an operation for a reason other than the above.
  store_failure,
  // -- retryable -------------------------------------------------------------
  /// The store cannot be reached or lost its connection.
  store_unavailable,
  /// The request queue is full.
  overloaded,
  /// The component is shutting down and takes no new work.
  shutting_down,
  // -- permanent, added later ------------------------------------------------
  // Codes travel between nodes as numbers: new ones are appended, whichever
  // kind they are, so that nodes of different builds agree on the old ones.
  /// An Advance too far ahead of the node's clock (`checkpoint.max-future`).
  far_future,
};

} // namespace checkpoint

// CAF's own binding of the enum to its category: `caf::error{code, context}`
// and `caf::make_error(code, context)` make errors of it.
CAF_ERROR_CODE_ENUM(checkpoint::ec, "checkpoint")

namespace checkpoint {

/// The category of every error this component raises (named above).
constexpr caf::atom_value error_category
  = caf::detail::error_factory<ec>::category;

/// Returns the code's name, e.g. `going_backwards`.
const char* to_string(ec code);

/// Tells whether an error with this code may succeed when retried.
bool is_retryable(ec code);

/// Makes an error of this component's category without context.
caf::error make_error(ec code);

/// Makes an error of this component's category; `context` says what was
/// wrong and where (group, partition, timestamp).
caf::error make_error(ec code, std::string context);

/// Returns the component's code of `err`, or `ec::none` if `err` belongs
/// to another category (or is no error).
ec code_of(const caf::error& err);

/// Renders any error for people: `going_backwards: <context>` for ours,
/// CAF's own rendering for everything else.
std::string describe(const caf::error& err);

} // namespace checkpoint

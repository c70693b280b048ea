#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

namespace checkpoint {

/// The longest name of a group or partition, in bytes.
constexpr size_t max_name_bytes = 512;

/// Validates a group or partition name (non-empty, at most
/// `max_name_bytes` bytes, valid UTF-8 without NUL) and returns its canonical
/// form: ASCII `A`-`Z` lower-cased, every other character unchanged. `what`
/// names the kind of name in the error ("group", "partition").
caf::expected<std::string> canonical_name(std::string_view raw,
                                          std::string_view what);

/// Tells whether `text` is well-formed UTF-8 (RFC 3629).
bool valid_utf8(std::string_view text);

/// Renders `text` for a terminal, a log line or a metric label, where a name
/// is printed: valid UTF-8 stays as it is, except that `\` becomes `\\`,
/// tab, newline and carriage return become `\t`, `\n` and `\r`, and every
/// other control character (C0, DEL, C1) and every byte that is not UTF-8
/// becomes `\xNN` per byte. The result holds no control character, so a name
/// cannot move the cursor, recolour a terminal or forge a log line; it is
/// unambiguous, since every backslash it holds starts an escape. Names stay
/// data: only their printed form is escaped, never the stored name.
std::string printable(std::string_view text);

/// A named set of tables that are processed together.
struct table_group {
  /// Its name on the wire, for inspect() and the registration.
  static constexpr const char* type_name = "checkpoint.table_group";

  /// The group's name; checkpoints are keyed by it.
  std::string name;

  /// The schema that encloses the tables (informational).
  std::string enclosing_schema;

  /// The tables of the group (informational).
  std::vector<std::string> tables;
};

/// Same name, enclosing schema and tables.
inline bool operator==(const table_group& x, const table_group& y) {
  return x.name == y.name && x.enclosing_schema == y.enclosing_schema
         && x.tables == y.tables;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, table_group& x) {
  return f(caf::meta::type_name(table_group::type_name), x.name,
           x.enclosing_schema, x.tables);
}

} // namespace checkpoint

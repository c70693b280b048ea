#include <checkpoint/messages/names.hpp>

#include <checkpoint/messages/error.hpp>

namespace checkpoint {

namespace {

// Returns the length of the well-formed UTF-8 sequence that starts at
// `s[i]` (RFC 3629: no overlongs, no surrogates, at most U+10FFFF), or 0 when
// the byte there does not start one.
size_t utf8_sequence_at(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF; // range of the second byte
  if (c < 0x80) {
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size())
    return 0;
  auto second = static_cast<unsigned char>(s[i + 1]);
  if (second < lo || second > hi)
    return 0;
  for (size_t k = 2; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xBF)
      return 0;
  }
  return len;
}

// Returns the offset of the first byte that is not part of a well-formed
// UTF-8 sequence, or npos when the whole text is valid.
size_t invalid_utf8_offset(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto len = utf8_sequence_at(s, i);
    if (len == 0)
      return i;
    i += len;
  }
  return std::string_view::npos;
}

} // namespace

caf::expected<std::string> canonical_name(std::string_view raw,
                                          std::string_view what) {
  std::string kind{what};
  if (raw.empty())
    return make_error(ec::bad_input, kind + " name is empty");
  if (raw.size() > max_name_bytes)
    return make_error(ec::bad_input, kind + " name is "
                                       + std::to_string(raw.size())
                                       + " bytes long (at most "
                                       + std::to_string(max_name_bytes) + ")");
  // PostgreSQL text cannot hold NUL, and every store must agree.
  if (auto at = raw.find('\0'); at != std::string_view::npos)
    return make_error(ec::bad_input, kind
                                       + " name contains a NUL byte (at "
                                         "byte "
                                       + std::to_string(at) + ")");
  if (auto at = invalid_utf8_offset(raw); at != std::string_view::npos)
    return make_error(ec::bad_input, kind + " name is not valid UTF-8 (at byte "
                                       + std::to_string(at) + ")");
  std::string result{raw};
  for (auto& c : result)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return result;
}

bool valid_utf8(std::string_view text) {
  return invalid_utf8_offset(text) == std::string_view::npos;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [&out](unsigned char byte) {
    constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[byte >> 4];
    out += digits[byte & 0xF];
  };
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    auto len = utf8_sequence_at(text, i);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F || len == 0) {
      // Other C0 controls (ESC starts terminal escapes), DEL and a byte that
      // is not UTF-8.
      hex(c);
      len = 1;
    } else if (len == 2 && c == 0xC2
               && static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      // C1 controls, U+0080 to U+009F: U+009B is CSI on some terminals.
      hex(c);
      hex(static_cast<unsigned char>(text[i + 1]));
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

} // namespace checkpoint

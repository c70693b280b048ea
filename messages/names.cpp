#include <checkpoint/messages/names.hpp>

#include <checkpoint/messages/error.hpp>

namespace checkpoint {

namespace {

// Returns the offset of the first byte that is not part of a well-formed
// UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most U+10FFFF),
// or npos when the whole text is valid.
size_t invalid_utf8_offset(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; // range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
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
      return i;
    }
    if (i + len > s.size())
      return i;
    auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi)
      return i;
    for (size_t k = 2; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF)
        return i;
    }
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

} // namespace checkpoint

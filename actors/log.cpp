#include <checkpoint/actors/log.hpp>

#include <algorithm>

#include <checkpoint/messages/names.hpp>

namespace checkpoint {

std::string logfmt(std::string_view x) {
  // The printable form holds no control character; its backslashes start
  // escapes, so it is quoted too.
  auto text = printable(x);
  auto plain = [](char c) {
    return c != ' ' && c != '"' && c != '=' && c != '\\';
  };
  if (!text.empty() && std::all_of(text.begin(), text.end(), plain))
    return text;
  std::string out = "\"";
  for (auto c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

} // namespace checkpoint

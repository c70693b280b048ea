#include <checkpoint/actors/log.hpp>

#include <algorithm>

namespace checkpoint {

std::string logfmt(std::string_view x) {
  auto plain = [](char c) {
    return static_cast<unsigned char>(c) > ' ' && c != '"' && c != '='
           && c != '\\' && c != 0x7f;
  };
  if (!x.empty() && std::all_of(x.begin(), x.end(), plain))
    return std::string{x};
  std::string out = "\"";
  for (auto c : x) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += '"';
  return out;
}

} // namespace checkpoint

// libFuzzer target: the HLC text parser. Whatever the input, parsing must
// not crash, and every accepted time must print in canonical form and parse
// back to itself.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <checkpoint/messages/hlc.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto parsed = checkpoint::parse_hlc(text);
  if (!parsed)
    return 0;
  if (!checkpoint::valid(*parsed))
    std::abort();
  auto again = checkpoint::parse_hlc(checkpoint::to_string(*parsed));
  if (!again || *again != *parsed)
    std::abort();
  return 0;
}

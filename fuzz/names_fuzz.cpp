// libFuzzer target: name validation and canonical form. Whatever the input,
// it must not crash; an accepted name's canonical form must be accepted
// again unchanged (canonicalisation is idempotent) and keep its length.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <checkpoint/messages/names.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw{reinterpret_cast<const char*>(data), size};
  auto name = checkpoint::canonical_name(raw, "partition");
  if (!name)
    return 0;
  auto again = checkpoint::canonical_name(*name, "partition");
  if (!again || *again != *name || name->size() != raw.size())
    std::abort();
  return 0;
}

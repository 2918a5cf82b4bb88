#include <rivet/protocol/keys.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ActorKey key = deserialize_key(text);
  // serialize is injective, so its output must always read back to the same key.
  if (deserialize_key(serialize_key(key)) != key) {
    rivet::fuzz::fail("key round trip", std::string(text));
  }
  (void)split_query_key(text);
  return 0;
}

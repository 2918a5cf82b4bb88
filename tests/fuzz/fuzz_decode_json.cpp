#include <rivet/protocol/encoding.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol;
  auto v = decode_json(rivet::fuzz::view(data, size));
  if (v) {
    std::string text = encode_json(*v);
    auto again =
        decode_json(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    rivet::fuzz::require_ok(again, "json round trip");
    (void)rivet::decode_compat(*v);
    (void)decode_compat_cbor(encode_compat_cbor(*v));
    (void)decode_raw_cbor(encode_raw_cbor(*v));
  }
  return 0;
}

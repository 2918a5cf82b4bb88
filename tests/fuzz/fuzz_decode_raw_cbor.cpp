#include <rivet/protocol/encoding.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol;
  auto v = decode_raw_cbor(rivet::fuzz::view(data, size));
  if (v) {
    rivet::fuzz::require_ok(decode_raw_cbor(encode_raw_cbor(*v)), "raw round trip");
    rivet::fuzz::require_ok(decode_compat_cbor(encode_compat_cbor(*v)), "raw -> compat");
    (void)rivet::decode_compat(*v);
  }
  return 0;
}

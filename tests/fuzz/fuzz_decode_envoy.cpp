// The envoy protocol v8 codec (rivet/protocol/envoy.hpp). The first byte picks the direction:
// even = ToEnvoy (engine -> envoy), odd = ToRivet (envoy -> engine). Whatever decodes must
// encode back to exactly the input (BARE here has one encoding per value).
#include <rivet/protocol/envoy.hpp>

#include "fuzz_check.hpp"

#include <algorithm>

namespace {

template <class Decode, class Encode>
void check(rivet::protocol::ByteView input, Decode decode, Encode encode) {
  auto msg = decode(input, rivet::protocol::envoy::DecodeLimits{});
  if (!msg) {
    return;
  }
  rivet::Bytes again = encode(*msg);
  if (!std::equal(again.begin(), again.end(), input.begin(), input.end())) {
    rivet::fuzz::fail("envoy re-encode", "bytes differ from the input");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol::envoy;
  if (size == 0) {
    return 0;
  }
  auto input = rivet::fuzz::view(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    check(input, decode_to_envoy, encode_to_envoy);
  } else {
    check(input, decode_to_rivet, encode_to_rivet);
  }
  return 0;
}

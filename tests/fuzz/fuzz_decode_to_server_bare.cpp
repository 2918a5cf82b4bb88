#include <rivet/protocol/messages.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol;
  auto msg = decode_to_server(rivet::fuzz::view(data, size), Encoding::Bare);
  if (msg) {
    for (auto enc : {Encoding::Json, Encoding::Cbor, Encoding::Bare}) {
      rivet::Bytes again = encode_to_server(*msg, enc);
      rivet::fuzz::require_ok(decode_to_server(again, enc), "re-decode ToServer");
    }
  }
  return 0;
}

#include <rivet/protocol/messages.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol;
  Encoding enc = rivet::fuzz::pick_encoding(data, size);
  auto msg = decode_to_client(rivet::fuzz::view(data, size), enc);
  if (msg) {
    for (auto out : {Encoding::Json, Encoding::Cbor, Encoding::Bare}) {
      rivet::fuzz::require_ok(decode_to_client(encode_to_client(*msg, out), out),
                              "re-decode ToClient");
    }
  }
  return 0;
}

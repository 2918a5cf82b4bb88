#include <rivet/protocol/messages.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol;
  Encoding enc = rivet::fuzz::pick_encoding(data, size);
  auto err = decode_http_error(rivet::fuzz::view(data, size), enc);
  if (err) {
    rivet::fuzz::require_ok(decode_http_error(encode_http_error(*err, enc), enc),
                            "re-decode http error");
  }
  return 0;
}

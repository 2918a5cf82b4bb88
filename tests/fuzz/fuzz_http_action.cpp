#include <rivet/protocol/messages.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol;
  Encoding enc = rivet::fuzz::pick_encoding(data, size);
  auto args = decode_http_action_request(rivet::fuzz::view(data, size), enc);
  if (args) {
    if (!args->is_array()) {
      rivet::fuzz::fail("action args", "not an array");
    }
    rivet::fuzz::require_ok(decode_http_action_request(encode_http_action_request(*args, enc), enc),
                            "re-decode action request");
  }
  auto output = decode_http_action_response(rivet::fuzz::view(data, size), enc);
  if (output) {
    rivet::fuzz::require_ok(
        decode_http_action_response(encode_http_action_response(*output, enc), enc),
        "re-decode action response");
  }
  return 0;
}

#include <rivet/protocol/messages.hpp>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rivet::protocol;
  Encoding enc = rivet::fuzz::pick_encoding(data, size);
  auto req = decode_http_queue_send_request(rivet::fuzz::view(data, size), enc);
  if (req) {
    rivet::fuzz::require_ok(
        decode_http_queue_send_request(encode_http_queue_send_request(*req, enc), enc),
        "re-decode queue request");
  }
  auto resp = decode_http_queue_send_response(rivet::fuzz::view(data, size), enc);
  if (resp) {
    rivet::fuzz::require_ok(
        decode_http_queue_send_response(encode_http_queue_send_response(*resp, enc), enc),
        "re-decode queue response");
  }
  return 0;
}

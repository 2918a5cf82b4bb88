#include "server/ws_frames.hpp"

#include "server/error_mapping.hpp"

namespace rivet::server {

FrameHeader frame_header(std::size_t payload_size, bool text) {
  FrameHeader out;
  out.bytes[0] = static_cast<std::uint8_t>(0x80 | (text ? 0x1 : 0x2));
  if (payload_size < 126) {
    out.bytes[1] = static_cast<std::uint8_t>(payload_size);
    out.size = 2;
    return out;
  }
  if (payload_size <= 0xFFFF) {
    out.bytes[1] = 126;
    out.bytes[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out.bytes[3] = static_cast<std::uint8_t>(payload_size);
    out.size = 4;
    return out;
  }
  out.bytes[1] = 127;
  for (int i = 0; i < 8; ++i) {
    out.bytes[2 + i] =
        static_cast<std::uint8_t>(static_cast<std::uint64_t>(payload_size) >> (56 - 8 * i));
  }
  out.size = 10;
  return out;
}

boost::beast::websocket::close_reason make_close(std::uint16_t code, std::string reason) {
  boost::beast::websocket::close_reason cr;
  cr.code = code;
  cr.reason = truncate_utf8(std::move(reason), kMaxCloseReason);
  return cr;
}

}  // namespace rivet::server

#pragma once
// Pieces of RFC 6455 framing the server builds itself: the header of a frame written straight
// to the socket (a broadcast event bypasses Beast), and a close reason cut to its size limit.

#include <boost/beast/websocket/rfc6455.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace rivet::server {

/// The header of an unmasked server frame with FIN set.
struct FrameHeader {
  std::array<std::uint8_t, 10> bytes{};
  std::size_t size = 0;
};

/// The header of a text or binary frame carrying `payload_size` bytes.
[[nodiscard]] FrameHeader frame_header(std::size_t payload_size, bool text);

/// A close reason of at most 123 bytes (cut on a UTF-8 boundary).
[[nodiscard]] boost::beast::websocket::close_reason make_close(std::uint16_t code,
                                                               std::string reason);

}  // namespace rivet::server

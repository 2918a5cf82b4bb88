#pragma once
// Reading one WebSocket message with a size bound that holds while it is read: the reader keeps
// at most `limit + 1` bytes of a message, however large the frame the peer announced, so a
// hostile client cannot make the server buffer 32 MiB per connection to learn that the message
// was too long. The rest of an oversized message stays unread; the close handshake that follows
// (Beast's close operation) reads and discards it, so the peer receives our close frame (with its
// code and reason) instead of a reset.
//
// The stream's own message limit (read_message_max) must be off (0): otherwise Beast fails
// first, with a close frame of its own (1009, no reason).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <algorithm>
#include <cstddef>

namespace rivet::server {

enum class WsReadStatus {
  Message,  // one whole message is in the buffer
  TooLong,  // the message is longer than the limit (the buffer holds limit + 1 bytes of it)
  Failed,   // the read failed (peer closed, timed out, protocol error): see `ec`
};

struct WsRead {
  WsReadStatus status = WsReadStatus::Failed;
  boost::beast::error_code ec;
};

/// The transport's limit on one message (upstream's gateway frame limit); the actor's own,
/// smaller limit applies to the connection protocol.
inline constexpr std::size_t kMaxWsMessage = 32 * 1024 * 1024;

/// Bytes asked of one read: large messages arrive in pieces of this size at most.
inline constexpr std::size_t kWsReadChunk = 64 * 1024;

/// Reads the next message of `ws` (a Beast websocket stream) into `buffer`, which must be empty.
/// Runs on the stream's executor, like every read of it.
template <class WebSocketStream>
boost::asio::awaitable<WsRead> read_message_limited(WebSocketStream& ws,
                                                    boost::beast::flat_buffer& buffer,
                                                    std::size_t limit) {
  for (;;) {
    const std::size_t room = limit + 1 - buffer.size();
    auto [ec, n] = co_await ws.async_read_some(buffer, std::min(room, kWsReadChunk),
                                               boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) {
      co_return WsRead{WsReadStatus::Failed, ec};
    }
    if (buffer.size() > limit) {
      co_return WsRead{WsReadStatus::TooLong, {}};
    }
    if (ws.is_message_done()) {
      co_return WsRead{WsReadStatus::Message, {}};
    }
  }
}

}  // namespace rivet::server

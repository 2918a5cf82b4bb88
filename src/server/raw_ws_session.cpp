// Raw WebSockets (spec §7): frames pass through unchanged between the client and the actor's
// onWebSocket handler. Text stays text, binary stays binary; invalid UTF-8 in a text frame is
// rejected by Beast with close 1007 (no reason text: Beast writes that close frame itself).
//
// Flow control both ways: incoming frames go to the actor's bounded inbox and the read loop
// waits while it is full (so TCP slows the client down); outgoing frames use the session's
// bounded queue (ws_session.hpp).

#include "server/error_mapping.hpp"
#include "server/ws_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace rivet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint16_t kCloseNoStatus = 1005;

// Holds the session weakly: the actor may keep the sink past the socket's life.
class RawWsSink final : public RawSocketSink {
 public:
  explicit RawWsSink(std::weak_ptr<WsSession> session) : session_(std::move(session)) {}
  void send(std::string data, bool binary) override {
    if (auto s = session_.lock()) {
      s->deliver_frame(std::move(data), binary);
    }
  }
  void close(std::uint16_t code, std::string reason) override {
    if (auto s = session_.lock()) {
      s->deliver_frame_close(code, std::move(reason));
    }
  }

 private:
  std::weak_ptr<WsSession> session_;
};

}  // namespace

asio::awaitable<void> WsSession::serve_raw(ActorIdentity identity, WsProtocols protocols,
                                           RawRequest request) {
  auto self = shared_from_this();
  Value params = nullptr;
  if (protocols.conn_params) {
    auto decoded = decode_ws_conn_params(*protocols.conn_params);
    if (!decoded) {
      co_await close_now(kCloseError, decoded.error().qualified());
      co_return;
    }
    params = std::move(*decoded);
  }
  auto sink = std::make_shared<RawWsSink>(weak_from_this());
  auto handle = co_await ctx_.engine.open_websocket(identity.actor_id, std::move(params),
                                                    std::move(request), sink);
  if (!handle) {
    co_await close_now(kCloseError, mask_for_client(handle.error()).qualified());
    co_return;
  }
  raw_ = std::move(*handle);
  ctx_.stats.ws_connections_opened.fetch_add(1, std::memory_order_relaxed);
  ctx_.stats.ws_connections_active.fetch_add(1, std::memory_order_relaxed);
  writable_ = true;
  pump();
  co_await raw_read_loop();
  notify();
  ctx_.stats.ws_connections_active.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> WsSession::raw_read_loop() {
  auto self = shared_from_this();
  for (;;) {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_.async_read(buffer, kUseTuple);
    if (ec) {
      dead_ = true;
      WebSocketClose how{kCloseAbnormal, ""};
      if (ec == websocket::error::closed) {
        const auto& reason = ws_.reason();
        how.code = reason.code == websocket::close_code::none
                       ? kCloseNoStatus
                       : static_cast<std::uint16_t>(reason.code);
        how.reason = std::string(reason.reason.data(), reason.reason.size());
      } else if (ec == websocket::error::bad_frame_payload) {
        how = WebSocketClose{kCloseInvalidPayload, "message.invalid_utf8"};
      }
      co_await raw_->closed(std::move(how));
      break;
    }
    WebSocketMessage message{beast::buffers_to_string(buffer.data()), !ws_.got_text()};
    co_await raw_->push(std::move(message));
  }
}

}  // namespace rivet::server

// Text stays text, binary stays binary; invalid UTF-8 in a text frame is rejected by Beast with
// close 1007 (no reason text: Beast writes that close frame itself).
//
// Flow control both ways: incoming frames go to the actor's bounded inbox and the read loop
// waits while it is full (so TCP slows the client down); outgoing frames use the writer's
// bounded queue (ws_writer.hpp).

#include "server/raw_websocket_session.hpp"

#include "server/error_mapping.hpp"
#include "server/ws_close_codes.hpp"
#include "server/ws_read.hpp"

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

// Holds the writer weakly: the actor may keep the sink past the socket's life.
class RawWebSocketSink final : public RawSocketSink {
 public:
  explicit RawWebSocketSink(std::weak_ptr<WsWriter> writer) : writer_(std::move(writer)) {}
  void send(std::string data, bool binary) override {
    if (auto w = writer_.lock()) {
      w->post_frame(Bytes(data.begin(), data.end()), !binary);
    }
  }
  void close(std::uint16_t code, std::string reason) override {
    if (auto w = writer_.lock()) {
      w->post_close(code, std::move(reason));
    }
  }

 private:
  std::weak_ptr<WsWriter> writer_;
};

}  // namespace

RawWebSocketSession::RawWebSocketSession(ServerContext& ctx, std::shared_ptr<WsWriter> writer)
    : ctx_(ctx), writer_(std::move(writer)) {}

asio::awaitable<void> RawWebSocketSession::serve(ActorIdentity identity, WsProtocols protocols,
                                                 RawRequest request) {
  auto params = conn_params_of(protocols);
  if (!params) {
    co_await writer_->close_at_once(kCloseError, params.error().qualified());
    co_return;
  }
  auto sink = std::make_shared<RawWebSocketSink>(writer_);
  auto handle = co_await ctx_.runtime.open_websocket(identity.actor_id, std::move(*params),
                                                    std::move(request), sink);
  if (!handle) {
    co_await writer_->close_at_once(kCloseError, mask_for_client(handle.error()).qualified());
    co_return;
  }
  handle_ = std::move(*handle);
  ctx_.stats.ws_connections_active.fetch_add(1, std::memory_order_relaxed);
  writer_->start_writing();
  co_await read_loop();
  ctx_.stats.ws_connections_active.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> RawWebSocketSession::read_loop() {
  auto& ws = writer_->stream();
  for (;;) {
    beast::flat_buffer buffer;
    const auto read = co_await read_message_limited(ws, buffer, kMaxWsMessage);
    if (read.status == WsReadStatus::TooLong) {
      // Over the transport's limit: 1009 (RFC 6455 "message too big") with a reason, and the
      // handler hears the same.
      const auto reason = rivet::errors::incoming_too_long().qualified();
      writer_->request_close(kCloseTooBig, reason);
      WebSocketClose how{kCloseTooBig, reason};
      co_await handle_->closed(std::move(how));
      break;
    }
    if (const auto ec = read.ec; read.status == WsReadStatus::Failed) {
      writer_->mark_dead();
      WebSocketClose how{kCloseAbnormal, ""};
      if (ec == websocket::error::closed) {
        const auto& reason = ws.reason();
        how.code = reason.code == websocket::close_code::none
                       ? kCloseNoStatus
                       : static_cast<std::uint16_t>(reason.code);
        how.reason = std::string(reason.reason.data(), reason.reason.size());
      } else if (ec == websocket::error::bad_frame_payload) {
        how = WebSocketClose{kCloseInvalidPayload, "message.invalid_utf8"};
      }
      co_await handle_->closed(std::move(how));
      break;
    }
    WebSocketMessage message{beast::buffers_to_string(buffer.data()), !ws.got_text()};
    co_await handle_->push(std::move(message));
  }
}

}  // namespace rivet::server

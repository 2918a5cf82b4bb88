#include "server/actor_connect_session.hpp"

#include "server/actor_connect_sink.hpp"
#include "server/error_mapping.hpp"
#include "server/server_errors.hpp"
#include "server/ws_close_codes.hpp"
#include "server/ws_read.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <algorithm>
#include <optional>
#include <variant>

namespace rivet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

protocol::ErrorMessage error_message(const Error& e, std::optional<std::uint64_t> action_id) {
  return protocol::ErrorMessage{
      .group = e.group,
      .code = e.code,
      .message = e.message,
      .metadata = e.metadata.is_null() ? std::nullopt : std::optional<Value>(e.metadata),
      .action_id = action_id,
      .actor = std::nullopt,
  };
}

}  // namespace

ActorConnectSession::ActorConnectSession(ServerContext& ctx, TaskGroup& tasks,
                                         std::shared_ptr<WsWriter> writer)
    : ctx_(ctx), tasks_(tasks), writer_(std::move(writer)) {}

asio::awaitable<void> ActorConnectSession::serve(ActorIdentity identity, WsProtocols protocols) {
  if (protocols.encoding) {
    auto enc = protocol::parse_encoding(*protocols.encoding);
    if (!enc) {
      co_await writer_->close_at_once(kCloseUnsupported, "actor.unsupported_websocket_encoding");
      co_return;
    }
    encoding_ = *enc;
  }
  if (const auto* opts = ctx_.runtime.options_for(identity.name)) {
    options_ = *opts;
  }
  auto params = conn_params_of(protocols);
  if (!params) {
    co_await writer_->close_at_once(kCloseError, params.error().qualified());
    co_return;
  }

  writer_->carry_events(encoding_, options_.max_outgoing_message_size);
  auto sink = std::make_shared<ActorConnectSink>(writer_);
  auto conn = co_await ctx_.runtime.connect(identity.actor_id, std::move(*params), sink);
  if (!conn) {
    // Connect-hook errors reach the client with their raw message (spec §6.2); internal
    // failures stay masked.
    auto error = is_internal_error(conn.error()) ? mask_for_client(conn.error()) : conn.error();
    co_await writer_->send_then_close(
        protocol::encode_to_client(error_message(error, std::nullopt), encoding_), text(),
        kCloseError, error.qualified());
    co_return;
  }
  conn_ = std::move(*conn);

  // Init goes first even if the actor already pushed events from onConnect.
  writer_->queue_frame_first(
      protocol::encode_to_client(protocol::Init{identity.actor_id, conn_->id()}, encoding_),
      text());
  ctx_.stats.ws_connections_active.fetch_add(1, std::memory_order_relaxed);
  writer_->start_writing();
  co_await read_loop();
  co_await conn_->disconnect();
  ctx_.stats.ws_connections_active.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> ActorConnectSession::read_loop() {
  auto& ws = writer_->stream();
  // The actor's limit, within the transport's: a longer message is cut off while it is read.
  const auto limit = std::min(options_.max_incoming_message_size, kMaxWsMessage);
  while (!writer_->dead()) {
    beast::flat_buffer buffer;
    const auto read = co_await read_message_limited(ws, buffer, limit);
    if (read.status == WsReadStatus::Failed) {
      // Peer closed, timed out, or our own close handshake finished.
      writer_->mark_dead();
      break;
    }
    if (read.status == WsReadStatus::TooLong) {
      writer_->request_close(kCloseError, rivet::errors::incoming_too_long().qualified());
      break;
    }
    const auto data = buffer.data();
    auto message = protocol::decode_to_server(
        protocol::ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()), encoding_);
    if (!message) {
      writer_->request_close(kCloseError, "actor.invalid_request");
      break;
    }
    if (auto* action = std::get_if<protocol::ActionRequest>(&*message)) {
      const auto max_in_flight = ctx_.limits.max_actions_in_flight;
      if (max_in_flight != 0 && in_flight_ >= max_in_flight) {
        // Only this action is refused: the connection and the actions running stay.
        ctx_.stats.actions_refused.fetch_add(1, std::memory_order_relaxed);
        writer_->queue_frame(
            protocol::encode_to_client(
                error_message(errors::too_many_actions_in_flight(max_in_flight), action->id),
                encoding_),
            text());
        continue;
      }
      // Actions run concurrently; responses go out in completion order, matched by id.
      ++in_flight_;
      tasks_.spawn(writer_->executor(), run_action(shared_from_this(), std::move(*action)));
    } else {
      // Applied inline, in arrival order. A denied subscription (canSubscribe) closes the
      // connection with the error's group.code (auth.forbidden).
      auto& sub = std::get<protocol::SubscriptionRequest>(*message);
      auto applied = co_await conn_->subscribe(std::move(sub.event_name), sub.subscribe);
      if (!applied) {
        writer_->request_close(kCloseError, mask_for_client(applied.error()).qualified());
        break;
      }
    }
  }
}

asio::awaitable<void> ActorConnectSession::run_action(std::shared_ptr<ActorConnectSession> self,
                                                      protocol::ActionRequest request) {
  auto result = co_await self->conn_->call(std::move(request.name), std::move(request.args));
  // Back on the connection's strand: the action no longer counts as in flight.
  --self->in_flight_;
  const auto enc = self->encoding_;
  if (!result) {
    auto masked = mask_for_client(result.error());
    self->writer_->queue_frame(protocol::encode_to_client(error_message(masked, request.id), enc),
                               self->text());
    co_return;
  }
  auto bytes =
      protocol::encode_to_client(protocol::ActionResponse{request.id, std::move(*result)}, enc);
  if (bytes.size() > self->options_.max_outgoing_message_size) {
    bytes = protocol::encode_to_client(
        error_message(rivet::errors::outgoing_too_long(), request.id), enc);
  }
  self->writer_->queue_frame(std::move(bytes), self->text());
}

}  // namespace rivet::server

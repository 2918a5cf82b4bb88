#pragma once
// A client's actor connection (`/connect`, the client protocol's WebSocket) carried by the
// engine's tunnel (spec §6.4, §7.6): the engine opens it, relays the client's frames as
// WebSocketMessage and its close as WebSocketClose; we answer with WebSocketOpen, our frames
// (numbered from 1); no acks, since the socket is not hibernatable. The client protocol on top is
// the embedded server's (actor_connect_session.cpp): Init, actions, subscriptions, events.
//
// Concurrency: everything runs on the connection's strand (on its actor's executor). message(),
// client_closed() and the runtime's sink calls may come from any thread; they post there.
// Not hibernatable yet: the open says canHibernate=false.

#include "server/envoy/engine_link.hpp"
#include "server/envoy/tunnel_replies.hpp"
#include "server/server_context.hpp"

#include <rivet/common/task_group.hpp>
#include <rivet/core/runtime.hpp>
#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/messages.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <deque>
#include <functional>
#include <memory>

namespace rivet::server::envoy {

/// Whether `path` (gateway-relative, with its query) is the actor connection protocol's.
[[nodiscard]] bool is_connect_path(std::string_view path) noexcept;

class TunnelConnection final : public std::enable_shared_from_this<TunnelConnection> {
 public:
  /// `ended` runs once, on the strand, when the connection is over (either side closed).
  TunnelConnection(ServerContext& ctx, TaskGroup& tasks, std::shared_ptr<EngineLink> link,
                   wire::MessageId id, boost::asio::any_io_executor executor,
                   std::function<void()> ended);

  /// Opens the actor connection for `open` (runs the connect hooks), answers the engine, then
  /// serves the frames that arrived meanwhile. Spawn on strand().
  static Task<void> open(std::shared_ptr<TunnelConnection> self, ActorIdentity identity,
                         wire::ToEnvoyWebSocketOpen open);
  [[nodiscard]] const boost::asio::strand<boost::asio::any_io_executor>& strand() const {
    return strand_;
  }

  // -- any thread ------------------------------------------------------------------------------
  void message(wire::ToEnvoyWebSocketMessage message, wire::MessageIndex index);
  void client_closed(std::optional<std::uint16_t> code, std::optional<std::string> reason);
  /// One client-protocol frame to the client.
  void send_frame(Bytes data);
  /// Closes toward the client (the actor disconnected it, slept, or was destroyed).
  void close(std::uint16_t code, std::string reason);

 private:
  static Task<void> pump(std::shared_ptr<TunnelConnection> self);
  static Task<void> run_action(std::shared_ptr<TunnelConnection> self,
                               protocol::ActionRequest request);
  static Task<void> disconnect(std::shared_ptr<TunnelConnection> self);
  void send_now(wire::ToRivetTunnelMessageKind kind);
  void reject(std::uint16_t code, std::string reason);
  void send_error(const Error& error, std::optional<std::uint64_t> action_id);
  void finish();

  ServerContext& ctx_;
  TaskGroup& tasks_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  TunnelReplies out_;
  protocol::Encoding encoding_ = protocol::Encoding::Json;
  ActorOptions options_;       // the actor's message size limits, as in embedded mode
  std::size_t in_flight_ = 0;  // actions running (bounded by the server's limit)
  std::shared_ptr<ConnectionHandle> conn_;
  std::deque<wire::ToEnvoyWebSocketMessage> inbound_;
  bool ready_ = false;    // the open was answered; frames may be served
  bool pumping_ = false;  // pump() is serving inbound_
};

}  // namespace rivet::server::envoy

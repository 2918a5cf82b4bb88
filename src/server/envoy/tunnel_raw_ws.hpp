#pragma once
// A raw WebSocket (the actor's onWebSocket, every path but `/connect`) carried by the engine's
// tunnel (spec §6.4, §7.6): frames pass through unchanged both ways, as in embedded mode
// (raw_websocket_session.cpp). The open is answered only once the handler accepted the socket;
// frames the handler sends before that wait and follow the open. A refused socket is opened and
// closed with 1011 and the error's group.code, so the client sees the same close as embedded.
//
// Concurrency: everything runs on the socket's strand (on its actor's executor). message(),
// client_closed() and the runtime's sink calls may come from any thread; they post there.
// Backpressure: the tunnel has none toward the engine, so frames the handler has not taken yet
// wait in `inbound_`; the runtime's own inbox bound applies to what it holds.
// Not hibernatable: the open says canHibernate=false, so no acks (the engine refuses them).

#include "server/envoy/engine_link.hpp"
#include "server/envoy/tunnel_replies.hpp"
#include "server/server_context.hpp"

#include <rivet/common/task_group.hpp>
#include <rivet/core/raw_socket.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <deque>
#include <functional>
#include <memory>

namespace rivet::server::envoy {

class TunnelRawSocket final : public std::enable_shared_from_this<TunnelRawSocket> {
 public:
  /// `ended` runs once, on the strand, when the socket is over (either side closed).
  TunnelRawSocket(ServerContext& ctx, TaskGroup& tasks, std::shared_ptr<EngineLink> link,
                  wire::MessageId id, boost::asio::any_io_executor executor,
                  std::function<void()> ended);

  /// Opens the actor's handler for `open`, answers the engine, then relays. Spawn on strand().
  static Task<void> open(std::shared_ptr<TunnelRawSocket> self, std::string actor_id,
                         wire::ToEnvoyWebSocketOpen open);
  [[nodiscard]] const boost::asio::strand<boost::asio::any_io_executor>& strand() const {
    return strand_;
  }

  // -- any thread ------------------------------------------------------------------------------
  void message(wire::ToEnvoyWebSocketMessage message);
  void client_closed(std::optional<std::uint16_t> code, std::optional<std::string> reason);
  /// From the actor: one frame, or the close after the frames sent so far.
  void send(std::string data, bool binary);
  void close(std::uint16_t code, std::string reason);

 private:
  static Task<void> pump(std::shared_ptr<TunnelRawSocket> self);
  void send_now(wire::ToRivetTunnelMessageKind kind);
  void close_now(std::uint16_t code, std::string reason);
  void finish();

  ServerContext& ctx_;
  TaskGroup& tasks_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  TunnelReplies out_;
  std::shared_ptr<RawSocketHandle> handle_;
  std::deque<WebSocketMessage> inbound_;
  std::deque<wire::ToRivetTunnelMessageKind> early_;  // sent by the handler before the open
  std::optional<WebSocketClose> peer_close_;          // the client's close, after inbound_
  bool ready_ = false;                                // the open was answered
  bool pumping_ = false;                              // pump() is handing inbound_ to the actor
};

}  // namespace rivet::server::envoy

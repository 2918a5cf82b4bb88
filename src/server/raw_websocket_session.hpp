#pragma once
// A raw WebSocket (spec §7), served by the actor's onWebSocket handler on every actor path but
// `/connect`: frames pass through unchanged both ways. Runs on the connection's strand; writes
// through the connection's WsWriter.

#include "server/server_context.hpp"
#include "server/subprotocols.hpp"
#include "server/ws_writer.hpp"

#include <rivet/core/runtime.hpp>
#include <rivet/core/raw_http.hpp>
#include <rivet/core/raw_socket.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>

namespace rivet::server {

class RawWebSocketSession {
 public:
  RawWebSocketSession(ServerContext& ctx, std::shared_ptr<WsWriter> writer);

  /// Opens the actor's handler for `request` and relays frames until the socket ends; the
  /// handler has been told how it ended when this returns. A refused socket is closed with the
  /// error's group.code.
  boost::asio::awaitable<void> serve(ActorIdentity identity, WsProtocols protocols,
                                     RawRequest request);

 private:
  boost::asio::awaitable<void> read_loop();

  ServerContext& ctx_;
  std::shared_ptr<WsWriter> writer_;
  std::shared_ptr<RawSocketHandle> handle_;
};

}  // namespace rivet::server

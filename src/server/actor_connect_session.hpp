#pragma once
// The actor connection protocol on `/connect` (spec §6): Init, then actions and subscriptions
// from the client and responses and events from the actor, in the encoding the client chose.
// Runs on the connection's strand; writes through the connection's WsWriter.

#include "server/server_context.hpp"
#include "server/subprotocols.hpp"
#include "server/session_registry.hpp"
#include "server/ws_writer.hpp"

#include <rivet/core/runtime.hpp>
#include <rivet/core/options.hpp>
#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/messages.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>

namespace rivet::server {

class ActorConnectSession final : public std::enable_shared_from_this<ActorConnectSession> {
 public:
  /// `tasks` owns the actions the client runs (they run concurrently).
  ActorConnectSession(ServerContext& ctx, TaskGroup& tasks, std::shared_ptr<WsWriter> writer);

  /// Opens the actor connection and serves it until the socket ends; onDisconnect has run
  /// when it returns. A refused connection is closed with the error's group.code.
  boost::asio::awaitable<void> serve(ActorIdentity identity, WsProtocols protocols);

 private:
  boost::asio::awaitable<void> read_loop();
  static boost::asio::awaitable<void> run_action(std::shared_ptr<ActorConnectSession> self,
                                                 protocol::ActionRequest request);
  [[nodiscard]] bool text() const noexcept { return encoding_ == protocol::Encoding::Json; }

  ServerContext& ctx_;
  TaskGroup& tasks_;
  std::shared_ptr<WsWriter> writer_;
  protocol::Encoding encoding_ = protocol::Encoding::Json;
  ActorOptions options_;  // the actor's message size limits
  std::shared_ptr<ConnectionHandle> conn_;
  std::size_t in_flight_ = 0;  // actions running (ServerOptions::max_actions_in_flight)
};

}  // namespace rivet::server

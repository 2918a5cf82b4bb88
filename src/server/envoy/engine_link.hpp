#pragma once
// The envoy's one WebSocket to the engine (engine protocol spec §4, §7): connects with the
// pool's parameters, sends Metadata, answers pings, reconnects with backoff when the socket
// drops, and keeps what must survive a reconnect: unacknowledged events (sent again after the
// next Init), KV requests without an answer (sent again), and the command ledger (replays run
// once). Frames leave in order through one writer.
//
// Thread-safety: the public methods may be called from any thread; handler callbacks and KV
// callbacks run on the link's strand and must not block.
// Lifetime: start() once; await stop() before destroying it.

#include "server/envoy/engine_config.hpp"

#include <rivet/common/error.hpp>
#include <rivet/common/log.hpp>
#include <rivet/common/task.hpp>
#include <rivet/protocol/envoy/messages.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>

namespace rivet::server::envoy {

namespace wire = rivet::protocol::envoy;

class EngineLink {
 public:
  /// What the engine asks of the host. Called on the link's strand.
  class Handler {
   public:
    virtual ~Handler() = default;
    /// A command not seen before (replays are filtered out); acknowledged by the link.
    virtual void on_command(wire::CommandWrapper command) = 0;
    virtual void on_tunnel(wire::ToEnvoyTunnelMessage message) = 0;
  };
  using KvCallback = std::function<void(Result<wire::KvResponseData>)>;

  /// `executor` is where the socket and its strand live: not an actor's, since actors block on
  /// KV reads that this link answers.
  static std::shared_ptr<EngineLink> create(boost::asio::any_io_executor executor,
                                            EngineConfig config, wire::ToRivetMetadata metadata,
                                            Handler& handler, Logger logger);
  virtual ~EngineLink() = default;

  /// Starts connecting (and reconnecting until stop()).
  virtual void start() = 0;
  /// Resolves once the first Init arrived, or with the reason the engine refused us (close
  /// reason) when it refuses the first attempt outright.
  virtual Task<Result<void>> wait_connected() = 0;
  /// Numbers the event for (actor, generation) and sends it now, or after the next Init.
  virtual void send_event(std::string actor_id, std::uint32_t generation, wire::Event event) = 0;
  /// Sends a tunnel reply when connected; dropped otherwise (the engine gave the request up).
  virtual void send_tunnel(wire::ToRivetTunnelMessage message) = 0;
  /// Sends ToRivetStopping (graceful drain, §7.7).
  virtual void send_stopping() = 0;
  /// Sends the request now or after the next Init; `done` gets the engine's answer (a
  /// KvErrorResponse becomes storage.failure with the engine's message).
  virtual void kv(std::string actor_id, wire::KvRequestData request, KvCallback done) = 0;
  /// Closes the socket (1000, envoy.shutdown) and stops reconnecting. Pending KV requests fail.
  virtual Task<void> stop() = 0;
};

}  // namespace rivet::server::envoy

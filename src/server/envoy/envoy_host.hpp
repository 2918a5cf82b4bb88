#pragma once
// Hosts the registry's actors on the engine's commands (spec §7.1–7.3) and serves the client
// HTTP requests the tunnel brings (§7.5) with the embedded server's own routes.
//
//  - start: the actor's record (engine id, name, key, input, generation) goes into the engine
//    store, the runtime wakes it, and Running (or Stopped{ERROR} with the reason) goes back.
//    An actor with a database (`db`) is refused with Stopped{ERROR}: SQLite is not in the
//    engine yet.
//    Then what is due runs (the engine starts a sleeping actor at its alarm's time).
//  - stop: sleep (or destroy for DESTROY and after our own stop intent), then Stopped{OK}.
//  - an actor that stops on its own (idle sleep, c.destroy()) sends a sleep or stop intent
//    and waits for the engine's stop command, as the engine expects (Stopped{OK} without an
//    intent would destroy the actor).
//
// Thread-safety: the Handler callbacks run on the link's strand, the ActorObserver callbacks on
// actor strands; shared state is behind one mutex.

#include "server/envoy/engine_link.hpp"
#include "server/envoy/envoy_alarms.hpp"
#include "server/envoy/engine_store.hpp"
#include "server/envoy/tunnel_http.hpp"
#include "server/router.hpp"
#include "server/envoy/tunnel_raw_ws.hpp"
#include "server/envoy/tunnel_ws.hpp"
#include "server/server_context.hpp"

#include <rivet/common/task_group.hpp>
#include <rivet/core/host.hpp>
#include <rivet/core/runtime.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <variant>

namespace rivet::server::envoy {

class EnvoyHost final : public EngineLink::Handler, public ActorObserver {
 public:
  EnvoyHost(Runtime& runtime, EngineStore& store, ServerContext& context, TaskGroup& tasks,
            Logger logger);

  void set_link(std::shared_ptr<EngineLink> link) { link_ = std::move(link); }
  void set_alarms(EnvoyAlarms* alarms) { alarms_ = alarms; }
  /// The generation of an actor the engine runs here and that takes requests: nullopt once it
  /// asked to stop (intent) or is being stopped, and for actors not here.
  [[nodiscard]] std::optional<std::uint32_t> generation_of(const std::string& actor_id) const;
  /// The generation of an actor here until it reported Stopped (its events, e.g. an alarm set
  /// while it goes to sleep, still belong to that generation).
  [[nodiscard]] std::optional<std::uint32_t> event_generation_of(const std::string& actor_id) const;
  /// Actors the engine placed here and that have not reported Stopped.
  [[nodiscard]] std::size_t hosted() const;
  /// From now on an actor that stops reports an intent only (the process is going away).
  void shutting_down();

  void on_command(wire::CommandWrapper command) override;
  void on_tunnel(wire::ToEnvoyTunnelMessage message) override;

  void actor_started(const ActorIdentity& actor) override;
  void actor_stopped(const ActorIdentity& actor, bool destroyed) override;

 private:
  struct Hosted {
    std::uint32_t generation = 0;
    bool engine_stopping = false;  // a stop command is being carried out
    bool stop_intent = false;      // we asked to be stopped for good (c.destroy())
    bool intent_sent = false;      // we asked the engine to sleep or stop it
  };

  static Task<void> start_actor(EnvoyHost* self, wire::ActorCheckpoint checkpoint,
                                wire::CommandStartActor start);
  static Task<void> stop_actor(EnvoyHost* self, wire::ActorCheckpoint checkpoint,
                               wire::StopActorReason reason);
  static Task<void> open_socket(EnvoyHost* self, wire::MessageId id,
                                wire::ToEnvoyWebSocketOpen open);
  using SocketKey = std::pair<wire::GatewayId, wire::RequestId>;
  /// A tunneled socket: the actor connection protocol (`/connect`) or a raw one (onWebSocket).
  using Socket = std::variant<std::shared_ptr<TunnelConnection>, std::shared_ptr<TunnelRawSocket>>;
  [[nodiscard]] std::optional<Socket> socket(const wire::MessageId& id) const;
  void forget_socket(const SocketKey& key);
  static Task<void> serve_request(EnvoyHost* self, wire::MessageId id,
                                  wire::ToEnvoyRequestStart start);
  void stopped(const std::string& actor_id, std::uint32_t generation, wire::StopCode code,
               std::optional<std::string> message);

  Runtime& runtime_;
  EngineStore& store_;
  ServerContext& context_;
  TaskGroup& tasks_;
  Logger logger_;
  std::shared_ptr<EngineLink> link_;
  EnvoyAlarms* alarms_ = nullptr;
  mutable std::mutex mutex_;
  std::map<std::string, Hosted, std::less<>> hosted_;
  bool shutting_down_ = false;
  std::map<SocketKey, Socket> sockets_;
  StreamedRequests streamed_{kMaxHttpBody};  // request bodies still arriving in chunks (gateway v3)
};

}  // namespace rivet::server::envoy

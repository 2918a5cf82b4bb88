#pragma once
// c.client() in engine mode: the engine decides where an actor runs (this envoy, another one,
// or nowhere yet), so an actor reaches another one the way any client does, through the
// engine's gateway and actor API at the configured endpoint (namespace and pool as the envoy's).
// A target hosted here comes back through our own tunnel, which is what keeps the engine's
// view (placement, sleep, generation) the single truth.

#include "server/envoy/engine_config.hpp"

#include <rivet/client/client.hpp>
#include <rivet/core/actor_calls.hpp>

#include <chrono>

namespace rivet::server::envoy {

class EngineActorCalls final : public ActorCalls {
 public:
  /// `timeout` bounds each HTTP request (resolution, action, send) like a client's.
  explicit EngineActorCalls(const EngineConfig& config,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60));

  Task<Result<std::string>> resolve(ActorTarget target) override;
  Task<Result<Value>> call(ActorTarget target, std::string action, Value args) override;
  Task<Result<QueueSendOutcome>> send(ActorTarget target, std::string queue, Value body,
                                      QueueSendOptions options) override;
  Task<Result<std::string>> create(std::string name, protocol::ActorKey key,
                                   Value input) override;

  /// The client options a call uses (tests check the endpoint, namespace, pool and token).
  [[nodiscard]] const client::ClientOptions& client_options() const noexcept { return options_; }

 private:
  /// A client on the calling actor's executor: its sockets then live on the actor's thread.
  static Task<client::Client> client_here(const client::ClientOptions& options);
  static client::ActorHandle handle(const client::Client& client, ActorTarget target);

  client::ClientOptions options_;
};

}  // namespace rivet::server::envoy

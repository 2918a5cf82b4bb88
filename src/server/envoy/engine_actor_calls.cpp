// Actor-to-actor calls through the engine (engine_actor_calls.hpp).

#include "server/envoy/engine_actor_calls.hpp"

#include <boost/asio/this_coro.hpp>

namespace rivet::server::envoy {

EngineActorCalls::EngineActorCalls(const EngineConfig& config, std::chrono::milliseconds timeout) {
  options_.endpoint = config.endpoint;
  options_.namespace_name = config.namespace_name;
  options_.pool = config.pool;
  // CBOR keeps the whole value model (bytes, bigint) without the JSON compat encoding.
  options_.encoding = protocol::Encoding::Cbor;
  if (!config.token.empty()) {
    options_.token = config.token;
  }
  options_.timeout = timeout;
}

Task<client::Client> EngineActorCalls::client_here(const client::ClientOptions& options) {
  auto executor = co_await boost::asio::this_coro::executor;
  co_return client::Client(executor, options);
}

client::ActorHandle EngineActorCalls::handle(const client::Client& client, ActorTarget target) {
  switch (target.mode) {
    case ActorTarget::Mode::Get:
      return client.get(std::move(target.name), std::move(target.key));
    case ActorTarget::Mode::GetOrCreate: {
      client::CreateOptions create;
      if (!target.input.is_null()) {
        create.input = std::move(target.input);
      }
      return client.get_or_create(std::move(target.name), std::move(target.key),
                                  std::move(create));
    }
    case ActorTarget::Mode::ById:
      break;
  }
  return client.get_for_id(std::move(target.name), std::move(target.actor_id));
}

Task<Result<std::string>> EngineActorCalls::resolve(ActorTarget target) {
  auto client = co_await client_here(options_);
  auto actor = handle(client, std::move(target));
  co_return co_await actor.resolve();
}

Task<Result<Value>> EngineActorCalls::call(ActorTarget target, std::string action, Value args) {
  auto client = co_await client_here(options_);
  auto actor = handle(client, std::move(target));
  co_return co_await actor.action(std::move(action), std::move(args));
}

Task<Result<QueueSendOutcome>> EngineActorCalls::send(ActorTarget target, std::string queue,
                                                      Value body, QueueSendOptions options) {
  auto client = co_await client_here(options_);
  auto actor = handle(client, std::move(target));
  client::SendOptions how;
  how.wait = options.wait;
  how.timeout = options.timeout;
  auto sent = co_await actor.send(std::move(queue), std::move(body), how);
  if (!sent) {
    co_return sent.error();
  }
  QueueSendOutcome out;
  out.status = sent->completed ? "completed" : "timedOut";
  out.response = std::move(sent->response);
  co_return out;
}

Task<Result<std::string>> EngineActorCalls::create(std::string name, protocol::ActorKey key,
                                                   Value input) {
  auto client = co_await client_here(options_);
  client::CreateOptions how;
  if (!input.is_null()) {
    how.input = std::move(input);
  }
  auto made = co_await client.create(std::move(name), std::move(key), std::move(how));
  if (!made) {
    co_return made.error();
  }
  co_return co_await made->resolve();
}

}  // namespace rivet::server::envoy

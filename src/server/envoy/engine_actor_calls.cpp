// Actor-to-actor calls through the engine (engine_actor_calls.hpp).

#include "server/envoy/engine_actor_calls.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace rivet::server::envoy {

namespace {

// The engine answers a getOrCreate that raced another create of the same new key with
// actor.destroyed_during_creation now and then (docs/engine-protocol.md, "Engine behaviour we
// met"); the other create made the actor, so asking again finds it. Embedded mode has no such
// race: two getOrCreate of one key reach one actor. The error comes before any action ran, so
// the retry cannot run an action twice.
constexpr int kCreateRaceAttempts = 4;
constexpr auto kCreateRaceBackoff = std::chrono::milliseconds(50);

bool lost_create_race(const ActorTarget& target, const Error& e) {
  return target.mode == ActorTarget::Mode::GetOrCreate &&
         e.is(codes::kActorDestroyedDuringCreation);
}

Task<void> pause(std::chrono::milliseconds how_long) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, how_long);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

}  // namespace

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
      return client.get_or_create(std::move(target.name), std::move(target.key), std::move(create));
    }
    case ActorTarget::Mode::ById:
      break;
  }
  return client.get_for_id(std::move(target.name), std::move(target.actor_id));
}

Task<Result<std::string>> EngineActorCalls::resolve(ActorTarget target) {
  auto client = co_await client_here(options_);
  for (int attempt = 1;; ++attempt) {
    auto actor = handle(client, target);
    auto id = co_await actor.resolve();
    if (id || attempt == kCreateRaceAttempts || !lost_create_race(target, id.error())) {
      co_return id;
    }
    const auto backoff = kCreateRaceBackoff * attempt;
    co_await pause(backoff);
  }
}

Task<Result<Value>> EngineActorCalls::call(ActorTarget target, std::string action, Value args) {
  auto client = co_await client_here(options_);
  for (int attempt = 1;; ++attempt) {
    auto actor = handle(client, target);
    auto name = action;
    auto values = args;
    auto out = co_await actor.action(std::move(name), std::move(values));
    if (out || attempt == kCreateRaceAttempts || !lost_create_race(target, out.error())) {
      co_return out;
    }
    const auto backoff = kCreateRaceBackoff * attempt;
    co_await pause(backoff);
  }
}

Task<Result<QueueSendOutcome>> EngineActorCalls::send(ActorTarget target, std::string queue,
                                                      Value body, QueueSendOptions options) {
  auto client = co_await client_here(options_);
  client::SendOptions how;
  how.wait = options.wait;
  how.timeout = options.timeout;
  Result<client::SendResult> sent = Error{};
  for (int attempt = 1;; ++attempt) {
    auto actor = handle(client, target);
    auto name = queue;
    auto message = body;
    sent = co_await actor.send(std::move(name), std::move(message), how);
    if (sent || attempt == kCreateRaceAttempts || !lost_create_race(target, sent.error())) {
      break;
    }
    const auto backoff = kCreateRaceBackoff * attempt;
    co_await pause(backoff);
  }
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

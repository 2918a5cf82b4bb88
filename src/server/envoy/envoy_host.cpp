#include "server/envoy/envoy_host.hpp"

#include "server/actor_routes.hpp"
#include "server/envoy/tunnel_http.hpp"
#include "server/inspector_route.hpp"
#include "server/server_errors.hpp"
#include "server/url_util.hpp"

#include <rivet/core/definition.hpp>
#include <rivet/core/registry.hpp>

namespace rivet::server::envoy {
namespace {

constexpr std::string_view kDatabaseRefused =
    "actors with a database (db) cannot run on the engine yet: SQLite in engine mode is not "
    "implemented";

// The inspector route checks its token, then resolves the actor itself (as embedded).
Task<HttpResponse> serve_inspector(ServerContext& ctx, HttpRequest request, std::string actor_id) {
  GatewayRoute route;
  route.target = DirectTarget{std::move(actor_id)};
  route.actor_path = request.target;
  co_return co_await handle_inspector(ctx, std::move(route), std::move(request));
}

// The gateway waits for a request's answer only while the actor runs: when it stops, the
// gateway ends the request and sends it again (a queue send would be enqueued twice). So, as in
// RivetKit, a request in flight keeps its actor from falling asleep for being idle.
class AwakeHold {
 public:
  AwakeHold(Runtime& runtime, std::string actor_id)
      : runtime_(runtime), actor_id_(std::move(actor_id)) {
    runtime_.hold_awake(actor_id_);
  }
  ~AwakeHold() { runtime_.release_awake(actor_id_); }
  AwakeHold(const AwakeHold&) = delete;
  AwakeHold& operator=(const AwakeHold&) = delete;

 private:
  Runtime& runtime_;
  std::string actor_id_;
};

wire::Event state_event(wire::ActorState state) {
  return wire::Event{wire::EventActorStateUpdate{std::move(state)}};
}

}  // namespace

EnvoyHost::EnvoyHost(Runtime& runtime, EngineStore& store, ServerContext& context,
                     TaskGroup& tasks, Logger logger)
    : runtime_(runtime), store_(store), context_(context), tasks_(tasks),
      logger_(std::move(logger)) {}

std::size_t EnvoyHost::hosted() const {
  std::lock_guard lock(mutex_);
  return hosted_.size();
}

std::optional<std::uint32_t> EnvoyHost::generation_of(const std::string& actor_id) const {
  std::lock_guard lock(mutex_);
  auto it = hosted_.find(actor_id);
  if (it == hosted_.end() || it->second.engine_stopping || it->second.intent_sent) {
    return std::nullopt;
  }
  return it->second.generation;
}

std::optional<std::uint32_t> EnvoyHost::event_generation_of(const std::string& actor_id) const {
  std::lock_guard lock(mutex_);
  auto it = hosted_.find(actor_id);
  if (it == hosted_.end()) {
    return std::nullopt;
  }
  return it->second.generation;
}

void EnvoyHost::shutting_down() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
}

void EnvoyHost::on_command(wire::CommandWrapper command) {
  const auto& cp = command.checkpoint;
  const auto generation = std::to_string(cp.generation);
  const auto index = std::to_string(cp.index);
  logger_.debug(std::holds_alternative<wire::CommandStartActor>(command.inner) ? "engine: start"
                                                                              : "engine: stop",
                {{"actor_id", cp.actor_id}, {"generation", generation}, {"index", index}});
  const auto executor = runtime_.executor_for(command.checkpoint.actor_id);
  if (auto* start = std::get_if<wire::CommandStartActor>(&command.inner)) {
    tasks_.spawn(executor, start_actor(this, command.checkpoint, std::move(*start)));
  } else {
    const auto reason = std::get<wire::CommandStopActor>(command.inner).reason;
    tasks_.spawn(executor, stop_actor(this, command.checkpoint, reason));
  }
}

void EnvoyHost::stopped(const std::string& actor_id, std::uint32_t generation, wire::StopCode code,
                        std::optional<std::string> message) {
  {
    std::lock_guard lock(mutex_);
    auto it = hosted_.find(actor_id);
    if (it != hosted_.end() && it->second.generation == generation) {
      hosted_.erase(it);
    }
  }
  if (alarms_ != nullptr) {
    alarms_->actor_left(actor_id);
  }
  link_->send_event(actor_id, generation,
                    state_event(wire::ActorStateStopped{code, std::move(message)}));
}

Task<void> EnvoyHost::start_actor(EnvoyHost* self, wire::ActorCheckpoint checkpoint,
                                  wire::CommandStartActor start) {
  const auto& config = start.config;
  const auto* def = self->runtime_.registry().find(config.name);
  if (def == nullptr || def->database) {
    const std::string why = def == nullptr ? "no actor definition named " + config.name
                                           : std::string(kDatabaseRefused);
    self->logger_.error("refused to start an actor",
                        {{"actor_id", checkpoint.actor_id}, {"reason", why}});
    self->stopped(checkpoint.actor_id, checkpoint.generation, wire::StopCode::Error, why);
    co_return;
  }
  storage::ActorRecord record;
  record.actor_id = checkpoint.actor_id;
  record.name = config.name;
  record.key = config.key.value_or("/");  // the engine keeps the serialized key as given
  record.create_ts = config.create_ts;
  record.input = config.input;
  record.generation = checkpoint.generation;
  self->store_.register_actor(std::move(record));
  {
    std::lock_guard lock(self->mutex_);
    self->hosted_.insert_or_assign(checkpoint.actor_id, Hosted{checkpoint.generation});
  }
  auto ready = co_await self->runtime_.ensure_ready(checkpoint.actor_id);
  if (!ready) {
    self->logger_.error("actor failed to start", {{"actor_id", checkpoint.actor_id},
                                                  {"error", ready.error().message}});
    self->stopped(checkpoint.actor_id, checkpoint.generation, wire::StopCode::Error,
                  ready.error().message);
    co_return;
  }
  self->link_->send_event(checkpoint.actor_id, checkpoint.generation,
                          state_event(wire::ActorStateRunning{}));
  // Clear the alarm the engine may still hold from an earlier generation, as RivetKit does: one
  // already in the past would start the actor again as soon as it next sleeps. run_alarm below
  // arms the next one again.
  self->link_->send_event(checkpoint.actor_id, checkpoint.generation,
                          wire::Event{wire::EventActorSetAlarm{std::nullopt}});
  // Whatever came due while it slept (the engine may have started it for an alarm), and the
  // next alarm armed again for this generation.
  auto ran = co_await self->runtime_.run_alarm(checkpoint.actor_id);
  if (!ran) {
    self->logger_.warn("running due alarms failed", {{"actor_id", checkpoint.actor_id},
                                                     {"error", ran.error().message}});
  }
}

Task<void> EnvoyHost::stop_actor(EnvoyHost* self, wire::ActorCheckpoint checkpoint,
                                 wire::StopActorReason reason) {
  bool destroy = reason == wire::StopActorReason::Destroy;
  {
    std::lock_guard lock(self->mutex_);
    auto it = self->hosted_.find(checkpoint.actor_id);
    if (it != self->hosted_.end()) {
      it->second.engine_stopping = true;
      destroy = destroy || (reason == wire::StopActorReason::StopIntent && it->second.stop_intent);
    }
  }
  if (destroy) {
    // Already gone when the actor destroyed itself (its intent asked for this command).
    (void)co_await self->runtime_.destroy(checkpoint.actor_id);
  } else {
    (void)co_await self->runtime_.sleep(checkpoint.actor_id);
  }
  // OK only because a stop command or our own intent preceded it (spec §7.3).
  self->stopped(checkpoint.actor_id, checkpoint.generation, wire::StopCode::Ok, std::nullopt);
}

void EnvoyHost::actor_started(const ActorIdentity& /*actor*/) {}

void EnvoyHost::actor_stopped(const ActorIdentity& actor, bool destroyed) {
  std::uint32_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = hosted_.find(actor.actor_id);
    if (it == hosted_.end() || it->second.engine_stopping) {
      return;  // the stop command's task reports it
    }
    it->second.stop_intent = destroyed;
    it->second.intent_sent = true;
    generation = it->second.generation;
  }
  // Stopped on its own (idle sleep, c.destroy(), process shutdown): ask the engine, which then
  // sends the stop command that Stopped answers.
  wire::ActorIntent intent = destroyed ? wire::ActorIntent{wire::ActorIntentStop{}}
                                       : wire::ActorIntent{wire::ActorIntentSleep{}};
  link_->send_event(actor.actor_id, generation, wire::Event{wire::EventActorIntent{intent}});
}

void EnvoyHost::on_tunnel(wire::ToEnvoyTunnelMessage message) {
  if (auto* start = std::get_if<wire::ToEnvoyRequestStart>(&message.message_kind)) {
    if (start->stream) {
      // Gateway v3 streams a request's body (a GET without one comes unstreamed): served
      // at its last chunk.
      logger_.debug("engine: streamed request", {{"actor_id", start->actor_id},
                                                 {"path", start->path},
                                                 {"body", start->body ? "present" : "absent"}});
      std::lock_guard lock(mutex_);
      streamed_.begin(SocketKey{message.message_id.gateway_id, message.message_id.request_id},
                      std::move(*start));
      return;
    }
    const auto executor = runtime_.executor_for(start->actor_id);
    wire::MessageId id{message.message_id.gateway_id, message.message_id.request_id, 0};
    tasks_.spawn(executor, serve_request(this, id, std::move(*start)));
    return;
  }
  if (auto* open = std::get_if<wire::ToEnvoyWebSocketOpen>(&message.message_kind)) {
    const auto executor = runtime_.executor_for(open->actor_id);
    tasks_.spawn(executor, open_socket(this, message.message_id, std::move(*open)));
    return;
  }
  if (auto* frame = std::get_if<wire::ToEnvoyWebSocketMessage>(&message.message_kind)) {
    if (auto found = socket(message.message_id)) {
      std::visit(
          [&](auto& s) {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, std::shared_ptr<TunnelConnection>>) {
              s->message(std::move(*frame), message.message_id.message_index);
            } else {
              s->message(std::move(*frame));
            }
          },
          *found);
    }
    return;
  }
  if (auto* closed = std::get_if<wire::ToEnvoyWebSocketClose>(&message.message_kind)) {
    if (auto found = socket(message.message_id)) {
      std::visit([&](auto& s) { s->client_closed(closed->code, std::move(closed->reason)); },
                 *found);
    }
    return;
  }
  if (auto* chunk = std::get_if<wire::ToEnvoyRequestChunk>(&message.message_kind)) {
    const SocketKey key{message.message_id.gateway_id, message.message_id.request_id};
    StreamedRequests::Step step;
    {
      std::lock_guard lock(mutex_);
      step = streamed_.append(key, std::move(*chunk));
    }
    wire::MessageId id{key.first, key.second, step.reply_index};
    if (step.too_large) {
      link_->send_tunnel(reply_to(id, step.reply_index,
                                  to_response_start(gateway_error_response(
                                      errors::invalid_request_body()))));
      return;
    }
    if (step.grant) {
      // Without it the gateway stops after its initial window (a 3 MB body stalled).
      link_->send_tunnel(
          reply_to(id, step.reply_index, wire::ToRivetRequestBodyWindowUpdate{*step.grant}));
    }
    if (step.whole) {
      const auto executor = runtime_.executor_for(step.whole->actor_id);
      tasks_.spawn(executor, serve_request(this, id, std::move(*step.whole)));
    }
    return;
  }
  if (std::holds_alternative<wire::ToEnvoyRequestAbort>(message.message_kind)) {
    std::lock_guard lock(mutex_);
    streamed_.abort(SocketKey{message.message_id.gateway_id, message.message_id.request_id});
    return;
  }
  // Response window updates and body cancels concern streamed responses, which we do not send.
}

std::optional<EnvoyHost::Socket> EnvoyHost::socket(const wire::MessageId& id) const {
  std::lock_guard lock(mutex_);
  auto it = sockets_.find(SocketKey{id.gateway_id, id.request_id});
  if (it == sockets_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void EnvoyHost::forget_socket(const SocketKey& key) {
  std::lock_guard lock(mutex_);
  sockets_.erase(key);
}

Task<void> EnvoyHost::open_socket(EnvoyHost* self, wire::MessageId id,
                                  wire::ToEnvoyWebSocketOpen open) {
  const SocketKey key{id.gateway_id, id.request_id};
  // As for requests: not on an actor the engine is stopping here.
  const bool hosted = self->generation_of(open.actor_id).has_value();
  std::optional<ActorIdentity> identity;
  if (hosted) {
    auto ready = co_await self->runtime_.ensure_ready(open.actor_id);
    if (ready) {
      identity = std::move(*ready);
    }
  }
  if (!identity) {
    // Refused at once rather than letting the gateway wait for its open timeout.
    self->link_->send_tunnel(reply_to(
        id, 0, wire::ToRivetWebSocketClose{std::uint16_t{1011}, "envoy.actor_not_found", false}));
    co_return;
  }
  const auto executor = self->runtime_.executor_for(open.actor_id);
  auto forget = [self, key] { self->forget_socket(key); };
  const auto path = split_target(open.path).path;
  if (path == "/inspector/connect") {
    // As the embedded server: the inspector's socket is not offered (HTTP inspector only).
    self->link_->send_tunnel(reply_to(id, 0, wire::ToRivetWebSocketOpen{false}));
    self->link_->send_tunnel(reply_to(
        id, 1, wire::ToRivetWebSocketClose{std::uint16_t{1011}, "inspector.not_enabled", false}));
    co_return;
  }
  if (is_connect_path(open.path)) {
    auto conn = std::make_shared<TunnelConnection>(self->context_, self->tasks_, self->link_, id,
                                                   executor, std::move(forget));
    {
      std::lock_guard lock(self->mutex_);
      self->sockets_.insert_or_assign(key, conn);
    }
    self->tasks_.spawn(conn->strand(),
                       TunnelConnection::open(conn, std::move(*identity), std::move(open)));
    co_return;
  }
  // Every other path is a raw WebSocket for the actor's onWebSocket, as in embedded mode.
  auto raw = std::make_shared<TunnelRawSocket>(self->context_, self->tasks_, self->link_, id,
                                               executor, std::move(forget));
  {
    std::lock_guard lock(self->mutex_);
    self->sockets_.insert_or_assign(key, raw);
  }
  auto actor_id = identity->actor_id;
  self->tasks_.spawn(raw->strand(),
                     TunnelRawSocket::open(raw, std::move(actor_id), std::move(open)));
}

Task<void> EnvoyHost::serve_request(EnvoyHost* self, wire::MessageId id,
                                    wire::ToEnvoyRequestStart start) {
  // An actor the engine is stopping here takes no new request: answered so that the engine
  // retries it, and wakes the actor again, rather than waking it here behind the engine's back.
  const bool hosted = self->generation_of(start.actor_id).has_value();
  const AwakeHold hold(self->runtime_, start.actor_id);
  HttpResponse response;
  if (!hosted) {
    response = actor_not_hosted_response();
  } else if (is_inspector_path(start.path)) {
    auto request = to_http_request(start);
    response = co_await serve_inspector(self->context_, std::move(request), start.actor_id);
  } else {
    auto identity = co_await self->runtime_.ensure_ready(start.actor_id);
    if (!identity) {
      response = actor_not_hosted_response();
    } else {
      auto request = to_http_request(start);
      auto path = request.target;
      response = co_await handle_actor_request(self->context_, std::move(*identity),
                                               std::move(path), std::move(request));
    }
  }
  // A streamed request's grants took the first indices (StreamedRequests); otherwise 0.
  self->link_->send_tunnel(reply_to(id, id.message_index, to_response_start(response)));
}

}  // namespace rivet::server::envoy

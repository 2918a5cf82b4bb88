#include "core/actor/actor_instance.hpp"

#include <rivet/protocol/encoding.hpp>

#include "core/durable_commit.hpp"
#include "core/ids.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/state_keys.hpp"
#include "core/actor/user_code.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace rivet::detail {

using namespace boost::asio::experimental::awaitable_operators;

namespace {

constexpr auto kReplyGrace = std::chrono::seconds(2);

Error stopping_error() {
  return make_error(codes::kActorStopping, "The actor is stopping; retry.");
}

// Returns when every reply of the connection reached its transport, or after `grace`.
Task<void> replies_delivered(PendingReplies& replies, const Clock& clock, Clock::duration grace) {
  if (replies.count.load() == 0) {
    co_return;
  }
  Timer give_up(clock, co_await boost::asio::this_coro::executor, grace);
  co_await (replies.drained.async_wait_unless([&replies] { return replies.count.load() == 0; },
                                              boost::asio::as_tuple(boost::asio::use_awaitable)) ||
            give_up.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)));
}

}  // namespace

ActorInstance::ActorInstance(RuntimeCore& engine, const ActorDefinition& def,
                           storage::ActorRecord record)
    : runtime_(engine),
      def_(def),
      record_(std::move(record)),
      strand_(boost::asio::make_strand(engine.executor_for(record_.actor_id))),
      started_(strand_),
      metrics_(engine.options().metrics ? &engine.options().metrics->actor(def.name) : nullptr) {
  state_.set_fence(new_fence());
}

const protocol::ActorKey& ActorInstance::key() const {
  if (!key_) {
    key_ = std::make_unique<protocol::ActorKey>(protocol::deserialize_key(record_.key));
  }
  return *key_;
}

const Clock& ActorInstance::clock() const noexcept {
  return runtime_.clock();
}

Logger ActorInstance::logger() const {
  return runtime_.logger().with({{"actor.name", record_.name},
                                {"actor.key", record_.key},
                                {"actor.id", record_.actor_id}});
}

void ActorInstance::log_failure(std::string_view what, const Error& error) const {
  logger().error("actor code failed", {{"where", what},
                                       {"error.group", error.group},
                                       {"error.code", error.code},
                                       {"error.message", error.message}});
}

ActorIdentity ActorInstance::identity() const {
  return ActorIdentity{record_.actor_id, record_.generation, record_.key, record_.name};
}

void ActorInstance::trace(const SpanStart& start, SpanKind kind, std::string name,
                          std::optional<Error> error, std::string detail) const {
  if (def_.options.max_traces == 0) {
    return;
  }
  activity_.record(finish_span(clock(), start, kind, std::move(name), error, std::move(detail)),
                   def_.options.max_traces);
}

namespace {

template <class T>
std::optional<Error> error_of(const Result<T>& r) {
  return r ? std::nullopt : std::optional<Error>(r.error());
}

}  // namespace

Task<Result<void>> ActorInstance::run_user(Task<void> task, const char* what) const {
  const auto start = SpanStart::now(clock());
  auto out = co_await detail::run_user(std::move(task), what, *this);
  trace(start, SpanKind::Hook, what, error_of(out));
  co_return out;
}

Task<Result<Value>> ActorInstance::run_user_value(Task<Value> task, const char* what) const {
  const auto start = SpanStart::now(clock());
  auto out = co_await detail::run_user_value(std::move(task), what, *this);
  trace(start, SpanKind::Hook, what, error_of(out));
  co_return out;
}

Task<Result<Value>> ActorInstance::run_user_value_with_timeout(
    Task<Value> task, const char* what, std::chrono::milliseconds timeout) const {
  return detail::run_user_value_with_timeout(std::move(task), what, timeout, *this);
}

Task<Result<void>> ActorInstance::run_hook(Task<void> task, const char* what,
                                          std::chrono::milliseconds timeout) const {
  const auto start = SpanStart::now(clock());
  auto out = co_await detail::run_hook(std::move(task), what, timeout, *this);
  trace(start, SpanKind::Hook, what, error_of(out));
  co_return out;
}

Result<Value> ActorInstance::run_sync_action(const ActorDefinition::SyncActionFn& fn,
                                            ActorContext& ctx, const Value& args,
                                            const char* what) const {
  return detail::run_sync_action(fn, ctx, args, what, *this);
}

Task<Result<void>> ActorInstance::ensure_started() {
  for (;;) {
    switch (run_state_) {
      case RunState::Running:
        co_return Result<void>{};
      case RunState::Stopping:
      case RunState::Stopped:
        co_return stopping_error();
      case RunState::Starting:
        co_await started_.wait();
        continue;
      case RunState::Idle:
        break;
    }
    break;
  }
  run_state_ = RunState::Starting;
  auto started = co_await start();
  if (!started) {
    run_state_ = RunState::Stopped;
    started_.notify_all();
    runtime_.actors().forget(*this);
    co_return started;
  }
  run_state_ = RunState::Running;
  ready_.store(true, std::memory_order_release);
  runtime_.actor_started(*this);
  if (metrics_ != nullptr) {
    metrics_->woke();
    metrics_->queue_depth(static_cast<std::int64_t>(queue_.size()));
  }
  started_.notify_all();
  if (def_.run) {
    queue_.run_loop_gate().enter();  // left by run_loop() when the handler is done for good
    runtime_.spawn(strand_, MessageQueue::run_loop(shared_from_this()));
  }
  sleep_.note_idle(*this);
  co_return Result<void>{};
}

Task<Result<void>> ActorInstance::start() {
  CallFrame frame;
  ActorContext ctx(*this, &frame);

  if (auto loaded = queue_.load(*this); !loaded) {
    co_return loaded;
  }
  if (def_.database) {
    auto opened = co_await db_.open(*this, ctx);
    if (!opened) {
      co_return opened;
    }
  }
  activity_ = runtime_.activity_archive().take(record_.actor_id);
  // The state and the inspector token in one read; an actor without a token (created before
  // tokens existed) gets one in its first commit.
  auto rows = runtime_.store().kv_get_many(record_.actor_id, {kStateKey, kInspectorTokenKey});
  if (!rows) {
    co_return rows.error();
  }
  if (!(*rows)[1]) {
    auto token = new_secret_token();
    state_.stage_write(storage::WriteBatch::Put{record_.actor_id, kInspectorTokenKey,
                                                Bytes(token.begin(), token.end())});
  }
  auto* stored = &(*rows)[0];
  Value input;
  bool created = false;
  if (*stored) {
    // A large state's row is a manifest of chunks: read them, check them, put them together.
    auto assembled = assemble_state(runtime_.store(), record_.actor_id, std::move(**stored));
    if (!assembled) {
      log_failure("loading state", assembled.error());
      co_return assembled.error();
    }
    for (auto& orphan : assembled->orphans) {
      state_.stage_write(storage::WriteBatch::Delete{record_.actor_id, std::move(orphan)});
    }
    auto value = protocol::decode_compat_cbor(assembled->bytes);
    if (!value) {
      co_return value.error();
    }
    try {
      state_.set_state(def_.load_state(*value));
    } catch (const std::exception& e) {
      log_failure("loading state", make_error(codes::kCoreInternalError, e.what()));
      co_return errors::internal();
    }
    state_.loaded_from(assembled->bytes, std::move(assembled->layout));
  } else {
    if (record_.input) {
      auto decoded = protocol::decode_compat_cbor(*record_.input);
      if (!decoded) {
        co_return decoded.error();
      }
      input = std::move(*decoded);
    }
    std::unique_ptr<AnyBox> initial;
    // A default-constructed state runs no user code: it is not traced (an idle actor then holds
    // no span at all).
    auto make_state = def_.default_create_state
                          ? +[](Task<void> task, const char* what, std::chrono::milliseconds timeout,
                               const ActorInstance& self) {
                              return detail::run_hook(std::move(task), what, timeout, self);
                            }
                          : +[](Task<void> task, const char* what, std::chrono::milliseconds timeout,
                               const ActorInstance& self) {
                              return self.run_hook(std::move(task), what, timeout);
                            };
    auto made = co_await make_state(
        [](const ActorDefinition& def, ActorContext& c, Value in,
           std::unique_ptr<AnyBox>& out) -> Task<void> {
          out = co_await def.create_state(c, std::move(in));
        }(def_, ctx, input, initial),
        "createState", def_.options.hook_timeout, *this);
    if (!made) {
      co_return made;
    }
    state_.set_state(std::move(initial));
    created = true;
  }

  if (def_.create_vars) {
    std::unique_ptr<AnyBox> vars;
    auto made = co_await run_hook(
        [](const ActorDefinition& def, ActorContext& c, std::unique_ptr<AnyBox>& out)
            -> Task<void> { out = co_await def.create_vars(c); }(def_, ctx, vars),
        "createVars", def_.options.hook_timeout);
    if (!made) {
      co_return made;
    }
    state_.set_vars(std::move(vars));
  }

  if (created && def_.on_create) {
    auto ran = co_await run_hook(def_.on_create(ctx, input), "onCreate", def_.options.hook_timeout);
    if (!ran) {
      co_return ran;
    }
  }
  if (created || !(*rows)[1]) {
    // The actor exists from here on, even if onWake fails later.
    auto saved = co_await persist_state(true);
    if (!saved) {
      co_return saved;
    }
  }
  if (def_.on_wake) {
    auto ran = co_await run_hook(def_.on_wake(ctx), "onWake", def_.options.hook_timeout);
    if (!ran) {
      co_return ran;
    }
  }
  co_return co_await finish_call(frame, false);
}

Task<void> ActorInstance::stop(bool destroy) {
  while (run_state_ == RunState::Starting) {
    co_await started_.wait();
  }
  if (run_state_ == RunState::Stopping || run_state_ == RunState::Stopped) {
    co_return;
  }
  const bool was_running = run_state_ == RunState::Running;
  enter_stopping();
  co_await run_stop(destroy, was_running);
}

void ActorInstance::enter_stopping() {
  run_state_ = RunState::Stopping;
  // From here callers that meet actor.stopping await this stop instead of retrying.
  runtime_.actors().stopping(*this);
  ready_.store(false, std::memory_order_release);
}

Task<void> ActorInstance::run_stop(bool destroy, bool was_running) {
  // The run loop sees `aborting()` at its next receive; give it the chance to finish its
  // current message first (the sleep grace).
  queue_.wake_receivers();
  co_await queue_.run_loop_gate().wait_idle();
  co_await sleep_.wait_calls();

  CallFrame frame;
  ActorContext ctx(*this, &frame);
  if (was_running) {
    // Connections end first so their onDisconnect hooks still see a live actor.
    co_await close_connections(destroy, frame);
    // -- realtime: raw WebSocket handlers see their closed sockets and finish first.
    co_await sockets_.wait_idle(*this);

    const auto& hook = destroy ? def_.on_destroy : def_.on_sleep;
    if (hook && !state_.failure()) {
      auto ran = co_await run_hook(hook(ctx), destroy ? "onDestroy" : "onSleep",
                                   def_.options.hook_timeout);
      if (!ran) {
        log_failure(destroy ? "onDestroy" : "onSleep", ran.error());
      }
    }
    if (!state_.failure()) {
      auto finished = co_await finish_call(frame, false);
      if (!finished) {
        log_failure("final save", finished.error());
      }
    }
  }
  db_.close(*this, destroy);
  if (destroy) {
    storage::WriteBatch batch;
    batch.ops.emplace_back(
        storage::WriteBatch::DestroyActor{record_.actor_id, clock().wall_ms()});
    auto done = co_await commit_own(std::move(batch));
    if (!done) {
      log_failure("destroy", done.error());
    }
  }
  if (!destroy && def_.run && !queue_.empty()) {
    // Messages arrived while stopping: wake again to run them.
    runtime_.set_alarm(record_.actor_id, clock().wall_ms());
  }
  run_state_ = RunState::Stopped;
  state_.drop();
  if (destroy) {
    runtime_.activity_archive().forget(record_.actor_id);
  } else {
    runtime_.activity_archive().keep(record_.actor_id, std::move(activity_));
  }
  if (was_running) {
    runtime_.actor_stopped(*this, destroy);
    if (metrics_ != nullptr) {
      metrics_->slept();
      // A sleeping actor's queue is not counted (only awake actors report their depth).
      metrics_->queue_depth(-static_cast<std::int64_t>(queue_.size()));
    }
  }
  runtime_.actors().forget(*this);
}

Task<void> ActorInstance::close_connections(bool destroy, CallFrame& frame) {
  auto conns = conns_.all();
  for (auto& conn : conns) {
    if (conn->disconnected) {
      continue;
    }
    const bool run_hooks = !state_.failure();
    // Let replies to this connection's finished calls (e.g. the sleepNow that caused this
    // stop) reach the transport before the close does.
    if (conn->replies) {
      co_await replies_delivered(*conn->replies, clock(), kReplyGrace);
    }
    conn->disconnected = true;
    conns_.remove(*this, *conn);
    if (conn->sink) {
      conn->sink->close(destroy ? "actor.destroyed" : "actor.stopped", true);
    }
    if (def_.on_disconnect && run_hooks) {
      CallFrame conn_frame{conn, {}, {}};
      conn_frame.conn_view.emplace(conn.get(), &conn_frame);
      ActorContext conn_ctx(*this, &conn_frame);
      auto ran = co_await run_hook(def_.on_disconnect(conn_ctx, *conn_frame.conn_view),
                                   "onDisconnect", def_.options.hook_timeout);
      if (!ran) {
        log_failure("onDisconnect", ran.error());
      }
      frame.events.insert(frame.events.end(), conn_frame.events.begin(), conn_frame.events.end());
    }
  }
}

Task<Result<Value>> ActorInstance::invoke_action(std::shared_ptr<ConnRecord> conn, std::string name,
                                                Value args, const ScheduleRun* schedule) {
  auto started = co_await ensure_started();
  if (!started) {
    co_return started.error();
  }
  auto it = def_.actions.find(name);
  if (it == def_.actions.end()) {
    co_return errors::action_not_found(name);
  }
  enter_call();
  const auto span_start = SpanStart::now(clock());
  std::string span_detail;
  if (conn && !conn->transient) {
    span_detail = "conn " + conn->id;
  }
  CallFrame frame{std::move(conn), {}, {}};
  if (frame.conn) {
    frame.conn_view.emplace(frame.conn.get(), &frame);
  }
  ActorContext ctx(*this, &frame);
  Result<Value> out = Value();
  if (auto sync = def_.sync_actions.find(name); sync != def_.sync_actions.end()) {
    out = run_sync_action(sync->second, ctx, args, "action");
  } else {
    out = co_await run_user_value_with_timeout(it->second(ctx, args), "action",
                                               def_.options.action_timeout);
  }
  if (out && def_.on_before_action_response) {
    out = co_await run_user_value(def_.on_before_action_response(ctx, name, args, std::move(*out)),
                                  "onBeforeActionResponse");
  }
  if (schedule != nullptr) {
    scheduler_.retire(*this, *schedule, out);
  }
  auto finished = co_await finish_call(frame, true);
  auto failure = !out ? error_of(out) : error_of(finished);
  if (metrics_ != nullptr && schedule == nullptr) {
    const auto seconds = std::chrono::duration<double>(clock().now() - span_start.at).count();
    metrics_->action(name, !failure.has_value(), seconds);
  }
  trace(span_start, schedule != nullptr ? SpanKind::Schedule : SpanKind::Action, name, failure,
        std::move(span_detail));
  leave_call();
  maybe_stop_after_call();
  if (!finished) {
    co_return finished.error();
  }
  co_return out;
}

Task<Result<void>> ActorInstance::finish_call(CallFrame& frame, bool is_action) {
  if (state_.has_state() && is_action && def_.on_state_change) {
    auto snapshot = state_.snapshot();
    if (!snapshot) {
      log_failure("state serialization", snapshot.error());
      co_return errors::internal();
    }
    if (!state_.unchanged(*snapshot)) {
      ActorContext ctx(*this, &frame);
      auto hooked = co_await run_user(def_.on_state_change(ctx), "onStateChange");
      if (!hooked) {
        log_failure("onStateChange", hooked.error());
      }
    }
  }
  auto persisted = co_await persist_state(false);
  if (!persisted) {
    // A failed commit was logged once where it failed (on_commit_failed), a state that did not
    // serialize in persist_state.
    co_return persisted;
  }
  deliver(frame.events);
  if (!frame.auto_completed.empty()) {
    queue_.notify_completed(*this, frame.auto_completed);
    frame.auto_completed.clear();
  }
  co_return Result<void>{};
}

Task<Result<void>> ActorInstance::persist_state(bool force) {
  if (const Error* failed = state_.failure()) {
    co_return *failed;  // this instance commits nothing more (on_commit_failed)
  }
  auto prepared =
      state_.prepare(record_, force, effective_chunk_threshold(def_.options.state_chunk_threshold));
  if (!prepared) {
    log_failure("state serialization", prepared.error());
    co_return errors::internal();
  }
  if (!*prepared) {
    co_return Result<void>{};
  }
  auto& commit = **prepared;
  // An empty batch still waits for everything queued before it (Store contract), so a call that
  // read state another call changed does not answer before that change is durable; under the
  // fence it also fails when one of them failed, since what it read then never was.
  auto result = co_await commit_own(std::move(commit.batch));
  if (result) {
    state_.committed(commit);
    for (auto due : commit.alarms) {
      runtime_.set_alarm(record_.actor_id, due);
    }
  }
  co_return result;
}

Task<Result<void>> ActorInstance::commit_own(storage::WriteBatch batch) {
  if (const Error* failed = state_.failure()) {
    co_return *failed;
  }
  batch.fence = state_.fence();
  auto result = co_await commit_durably(runtime_.store(), std::move(batch));
  if (!result) {
    on_commit_failed(result.error());
  }
  co_return result;
}

void ActorInstance::on_commit_failed(const Error& error) {
  if (state_.failure()) {
    return;  // a batch queued behind the first failure: already handled
  }
  state_.fail(error);
  logger().error("commit failed; the actor reloads from storage",
                 {{"error.group", error.group},
                  {"error.code", error.code},
                  {"error.message", error.message}});
  // Every batch of this instance still queued fails behind the first failure; this empty one,
  // queued after all of them, lifts the fence (nothing of this instance is submitted after it).
  storage::WriteBatch release;
  release.fence = state_.fence();
  release.release_fence = true;
  runtime_.store().commit(std::move(release), {});
  // Starting: the start fails and the instance is dropped; Stopping: the stop goes on without
  // saving. Running: stop now, so that the next call meets a fresh instance.
  if (run_state_ == RunState::Running) {
    enter_stopping();
    runtime_.spawn(strand_, [](std::shared_ptr<ActorInstance> self) -> Task<void> {
      co_await self->run_stop(false, true);
    }(shared_from_this()));
  }
}

void ActorInstance::deliver(std::vector<PendingEvent>& events) {
  // One SharedEvent per event, whatever the number of receivers (encoded once per encoding).
  // Events go out one at a time, each handed over before the next: a connection gets an actor's
  // events in order.
  SequentialEventPublisher sequential;
  EventPublisher& publisher =
      runtime_.options().publisher ? *runtime_.options().publisher : sequential;
  const auto now_ms = clock().wall_ms();
  for (auto& ev : events) {
    if (ev.target) {
      if (!ev.target->disconnected && ev.target->sink) {
        if (metrics_ != nullptr) {
          metrics_->events_sent(1);
        }
        ev.target->sink->send_shared_event(
            std::make_shared<const SharedEvent>(std::move(ev.name), std::move(ev.args)));
      }
      continue;
    }
    const auto sinks = conns_.subscribers(ev.name);
    auto shared = std::make_shared<const SharedEvent>(std::move(ev.name), std::move(ev.args));
    activity_.record_event(shared, static_cast<std::uint32_t>(sinks.size()), now_ms);
    if (!sinks.empty()) {
      if (metrics_ != nullptr) {
        metrics_->events_sent(sinks.size());
      }
      publisher.publish(sinks, std::move(shared));
    }
  }
  events.clear();
}

}  // namespace rivet::detail

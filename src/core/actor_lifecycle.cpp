// Start (create or load), sleep and destroy of one actor.

#include <rivet/protocol/encoding.hpp>

#include "core/actor_runtime.hpp"
#include "core/durable_commit.hpp"
#include "core/engine_core.hpp"
#include "core/ids.hpp"
#include "core/state_keys.hpp"
#include "core/user_code.hpp"

namespace rivet::detail {

namespace {

constexpr auto kReplyGrace = std::chrono::seconds(2);

Error stopping_error() {
  return make_error(codes::kActorStopping, "The actor is stopping; retry.");
}

}  // namespace

Task<Result<void>> ActorRuntime::ensure_started() {
  for (;;) {
    switch (run_state_) {
      case RunState::Running:
        co_return Result<void>{};
      case RunState::Stopping:
      case RunState::Stopped:
        co_return stopping_error();
      case RunState::Starting:
        co_await started_signal_.wait();
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
    started_signal_.notify_all();
    engine_.forget(*this);
    co_return started;
  }
  run_state_ = RunState::Running;
  ready_.store(true, std::memory_order_release);
  started_signal_.notify_all();
  if (def_.run) {
    run_loop_active_ = true;
    engine_.spawn(strand_, run_loop(shared_from_this()));
  }
  note_idle();
  co_return Result<void>{};
}

Task<Result<void>> ActorRuntime::start() {
  CallFrame frame;
  ActorContext ctx(*this, &frame);

  if (auto loaded = load_queue(); !loaded) {
    co_return loaded;
  }
  if (def_.database) {
    auto opened = co_await open_database(ctx);
    if (!opened) {
      co_return opened;
    }
  }
  auto stored = engine_.store().kv_get(record_.actor_id, kStateKey);
  if (!stored) {
    co_return stored.error();
  }
  Value input;
  bool created = false;
  if (*stored) {
    auto value = protocol::decode_compat_cbor(**stored);
    if (!value) {
      co_return value.error();
    }
    try {
      state_ = def_.load_state(*value);
    } catch (const std::exception& e) {
      log_failure("loading state", make_error(codes::kCoreInternalError, e.what()));
      co_return errors::internal();
    }
    last_submitted_state_.assign((*stored)->begin(), (*stored)->end());
  } else {
    if (record_.input) {
      auto decoded = protocol::decode_compat_cbor(*record_.input);
      if (!decoded) {
        co_return decoded.error();
      }
      input = std::move(*decoded);
    }
    std::unique_ptr<AnyBox> initial;
    auto made = co_await run_hook(
        [](const ActorDefinition& def, ActorContext& c, Value in,
           std::unique_ptr<AnyBox>& out) -> Task<void> {
          out = co_await def.create_state(c, std::move(in));
        }(def_, ctx, input, initial),
        "createState", def_.options.hook_timeout);
    if (!made) {
      co_return made;
    }
    state_ = std::move(initial);
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
    vars_ = std::move(vars);
  }

  if (created && def_.on_create) {
    auto ran = co_await run_hook(def_.on_create(ctx, input), "onCreate", def_.options.hook_timeout);
    if (!ran) {
      co_return ran;
    }
  }
  if (created) {
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

Task<void> ActorRuntime::stop(bool destroy) {
  while (run_state_ == RunState::Starting) {
    co_await started_signal_.wait();
  }
  if (run_state_ == RunState::Stopping || run_state_ == RunState::Stopped) {
    co_return;
  }
  const bool was_running = run_state_ == RunState::Running;
  run_state_ = RunState::Stopping;
  ready_.store(false, std::memory_order_release);
  // The run loop sees `aborting()` at its next receive; give it the chance to finish its
  // current message first (the sleep grace).
  queue_signal_.notify_all();
  while (run_loop_active_) {
    co_await run_loop_done_.wait();
  }
  co_await wait_until_idle();

  CallFrame frame;
  ActorContext ctx(*this, &frame);
  if (was_running) {
    // Connections end first so their onDisconnect hooks still see a live actor.
    auto conns = connections();
    for (auto& conn : conns) {
      if (conn->disconnected) {
        continue;
      }
      // Let replies to this connection's finished calls (e.g. the sleepNow that caused this
      // stop) reach the transport before the close does.
      const auto give_up = std::chrono::steady_clock::now() + kReplyGrace;
      while (conn->replies_pending.load() > 0 && std::chrono::steady_clock::now() < give_up) {
        boost::asio::steady_timer tick(strand_, std::chrono::milliseconds(1));
        co_await tick.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      }
      conn->disconnected = true;
      conns_.erase(conn->id);
      if (conn->sink) {
        conn->sink->close(destroy ? "actor.destroyed" : "actor.stopped", true);
      }
      if (def_.on_disconnect) {
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
    // -- realtime: raw WebSocket handlers see their closed sockets and finish first.
    co_await wait_realtime_idle();

    const auto& hook = destroy ? def_.on_destroy : def_.on_sleep;
    if (hook) {
      auto ran = co_await run_hook(hook(ctx), destroy ? "onDestroy" : "onSleep",
                                   def_.options.hook_timeout);
      if (!ran) {
        log_failure(destroy ? "onDestroy" : "onSleep", ran.error());
      }
    }
    auto finished = co_await finish_call(frame, false);
    if (!finished) {
      log_failure("final save", finished.error());
    }
  }
  if (db_) {
    db_.reset();
    if (destroy) {
      storage::SqlDatabase::remove_files(database_path());
    }
  }
  if (destroy) {
    storage::WriteBatch batch;
    batch.ops.emplace_back(storage::WriteBatch::DestroyActor{record_.actor_id, now_ms()});
    auto done = co_await commit_durably(engine_.store(), std::move(batch));
    if (!done) {
      log_failure("destroy", done.error());
    }
  }
  if (!destroy && def_.run && !queue_.empty()) {
    // Messages arrived while stopping: wake again to run them.
    engine_.add_alarm(record_.actor_id, now_ms());
  }
  run_state_ = RunState::Stopped;
  state_.reset();
  vars_.reset();
  engine_.forget(*this);
}

}  // namespace rivet::detail

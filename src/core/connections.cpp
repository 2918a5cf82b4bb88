// Connection lifecycle on the actor strand: onBeforeConnect, createConnState, onConnect,
// subscriptions, onDisconnect (exactly once).

#include "core/actor_runtime.hpp"
#include "core/engine_core.hpp"
#include "core/ids.hpp"
#include "core/user_code.hpp"

namespace rivet::detail {

namespace {

// Named coroutines (GCC 12: no lambdas capturing coroutine parameters).
Task<void> make_typed_conn_state(const ActorDefinition& def, ActorContext& ctx, Value params,
                                 ConnRecord& conn) {
  conn.typed_state = co_await def.create_typed_conn_state(ctx, std::move(params));
  conn.typed_state_type = def.typed_conn_state_type;
}

Task<void> check_subscription(const ActorDefinition& def, ActorContext& ctx, std::string event,
                              bool& allowed) {
  allowed = co_await def.can_subscribe(ctx, std::move(event));
}

Error subscription_forbidden(std::string_view event) {
  return make_error(codes::kAuthForbidden,
                    "Subscribing to event '" + std::string(event) + "' is not allowed.");
}

}  // namespace

Task<Result<std::shared_ptr<ConnRecord>>> ActorRuntime::open_conn(
    Value params, std::shared_ptr<ConnectionSink> sink, bool transient) {
  auto started = co_await ensure_started();
  if (!started) {
    co_return started.error();
  }
  enter_call();
  struct Done {
    ActorRuntime* rt;
    ~Done() { rt->leave_call(); }
  } done{this};

  CallFrame frame;
  ActorContext ctx(*this, &frame);
  if (def_.on_before_connect) {
    auto ran = co_await run_hook(def_.on_before_connect(ctx, params), "onBeforeConnect",
                                 def_.options.hook_timeout);
    if (!ran) {
      co_return ran.error();
    }
  }
  auto conn = std::make_shared<ConnRecord>();
  conn->id = new_uuid();
  conn->params = params;
  conn->sink = std::move(sink);
  conn->transient = transient;
  if (def_.create_conn_state) {
    Value state;
    auto made = co_await run_hook(
        [](const ActorDefinition& def, ActorContext& c, Value p, Value& out) -> Task<void> {
          out = co_await def.create_conn_state(c, std::move(p));
        }(def_, ctx, params, state),
        "createConnState", def_.options.hook_timeout);
    if (!made) {
      co_return made.error();
    }
    conn->state = std::move(state);
  } else if (def_.create_typed_conn_state) {
    auto made = co_await run_hook(make_typed_conn_state(def_, ctx, params, *conn),
                                  "createConnState", def_.options.hook_timeout);
    if (!made) {
      co_return made.error();
    }
  }
  // Register before onConnect runs, so the hook (and its broadcasts) see the new connection.
  conns_.emplace(conn->id, conn);
  if (def_.on_connect) {
    CallFrame conn_frame{conn, {}, {}};
    conn_frame.conn_view.emplace(conn.get(), &conn_frame);
    ActorContext conn_ctx(*this, &conn_frame);
    auto ran = co_await run_hook(def_.on_connect(conn_ctx, *conn_frame.conn_view), "onConnect",
                                 def_.options.hook_timeout);
    if (!ran) {
      conns_.erase(conn->id);
      conn->disconnected = true;
      co_return ran.error();
    }
    frame.events.insert(frame.events.end(), conn_frame.events.begin(), conn_frame.events.end());
  }
  // No hook ran: nothing can have changed state or queued events, and opening a connection
  // reveals no state, so there is nothing to persist or wait for (the stateless HTTP path
  // opens and closes one per call).
  if (def_.on_before_connect || def_.create_conn_state || def_.create_typed_conn_state ||
      def_.on_connect) {
    auto finished = co_await finish_call(frame, false);
    if (!finished) {
      co_return finished.error();
    }
  }
  co_return conn;
}

Task<void> ActorRuntime::close_conn(std::shared_ptr<ConnRecord> conn) {
  if (conn->disconnected) {
    co_return;
  }
  conn->disconnected = true;
  conns_.erase(conn->id);
  if (run_state_ != RunState::Running) {
    co_return;
  }
  enter_call();
  if (def_.on_disconnect) {
    CallFrame frame{conn, {}, {}};
    frame.conn_view.emplace(conn.get(), &frame);
    ActorContext ctx(*this, &frame);
    auto ran = co_await run_hook(def_.on_disconnect(ctx, *frame.conn_view), "onDisconnect",
                                 def_.options.hook_timeout);
    if (!ran) {
      log_failure("onDisconnect", ran.error());
    }
    auto finished = co_await finish_call(frame, false);
    if (!finished) {
      log_failure("save after disconnect", finished.error());
    }
  }
  // Without a hook nothing changed and no reply follows: no save, no wait.
  leave_call();
  maybe_stop_after_call();
}

Task<Result<void>> ActorRuntime::set_subscription(std::shared_ptr<ConnRecord> conn,
                                                  std::string event, bool on) {
  if (!on) {
    auto it = conn->subscriptions.find(event);
    if (it != conn->subscriptions.end()) {
      conn->subscriptions.erase(it);
    }
    co_return Result<void>{};
  }
  if (def_.can_subscribe && !conn->subscriptions.contains(event) && !conn->disconnected) {
    enter_call();
    CallFrame frame;
    frame.conn = conn;
    frame.conn_view.emplace(conn.get(), &frame);
    ActorContext ctx(*this, &frame);
    bool allowed = false;
    auto ran = co_await run_hook(check_subscription(def_, ctx, event, allowed), "canSubscribe",
                                 def_.options.hook_timeout);
    auto finished = co_await finish_call(frame, false);
    leave_call();
    if (!finished) {
      log_failure("save after canSubscribe", finished.error());
    }
    if (!ran) {
      co_return ran.error();
    }
    if (!allowed) {
      co_return subscription_forbidden(event);
    }
  }
  conn->subscriptions.insert(std::move(event));
  co_return Result<void>{};
}

}  // namespace rivet::detail

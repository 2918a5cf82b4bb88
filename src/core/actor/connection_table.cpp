// Connection lifecycle on the actor strand: onBeforeConnect, createConnState, onConnect,
// subscriptions, onDisconnect (exactly once).

#include "core/actor/connection_table.hpp"

#include "core/actor/actor_instance.hpp"
#include "core/ids.hpp"

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

Task<Result<std::shared_ptr<ConnRecord>>> ConnectionTable::open(
    ActorInstance& rt, Value params, std::shared_ptr<ConnectionSink> sink, bool transient) {
  const auto& def = rt.definition();
  auto started = co_await rt.ensure_started();
  if (!started) {
    co_return started.error();
  }
  rt.enter_call();
  struct Done {
    ActorInstance* rt;
    ~Done() { rt->leave_call(); }
  } done{&rt};

  CallFrame frame;
  ActorContext ctx(rt, &frame);
  if (def.on_before_connect) {
    auto ran = co_await rt.run_hook(def.on_before_connect(ctx, params), "onBeforeConnect",
                                 def.options.hook_timeout);
    if (!ran) {
      co_return ran.error();
    }
  }
  auto conn = std::make_shared<ConnRecord>();
  conn->id = new_uuid();
  conn->params = params;
  conn->sink = std::move(sink);
  conn->transient = transient;
  conn->connected_at_ms = rt.clock().wall_ms();
  if (!transient) {
    conn->replies = std::make_unique<PendingReplies>();
  }
  if (def.create_conn_state) {
    Value state;
    auto made = co_await rt.run_hook(
        [](const ActorDefinition& def, ActorContext& c, Value p, Value& out) -> Task<void> {
          out = co_await def.create_conn_state(c, std::move(p));
        }(def, ctx, params, state),
        "createConnState", def.options.hook_timeout);
    if (!made) {
      co_return made.error();
    }
    conn->state = std::move(state);
  } else if (def.create_typed_conn_state) {
    auto made = co_await rt.run_hook(make_typed_conn_state(def, ctx, params, *conn),
                                  "createConnState", def.options.hook_timeout);
    if (!made) {
      co_return made.error();
    }
  }
  // Register before onConnect runs, so the hook (and its broadcasts) see the new connection.
  add(rt, conn);
  if (def.on_connect) {
    CallFrame conn_frame{conn, {}, {}};
    conn_frame.conn_view.emplace(conn.get(), &conn_frame);
    ActorContext conn_ctx(rt, &conn_frame);
    auto ran = co_await rt.run_hook(def.on_connect(conn_ctx, *conn_frame.conn_view), "onConnect",
                                 def.options.hook_timeout);
    if (!ran) {
      remove(rt, *conn);
      conn->disconnected = true;
      co_return ran.error();
    }
    frame.events.insert(frame.events.end(), conn_frame.events.begin(), conn_frame.events.end());
  }
  // No hook ran: nothing can have changed state or queued events, and opening a connection
  // reveals no state, so there is nothing to persist or wait for (the stateless HTTP path
  // opens and closes one per call).
  if (def.on_before_connect || def.create_conn_state || def.create_typed_conn_state ||
      def.on_connect) {
    auto finished = co_await rt.finish_call(frame, false);
    if (!finished) {
      co_return finished.error();
    }
  }
  co_return conn;
}

// Held-open connections are counted (a stateless HTTP call opens a transient one per request).
void ConnectionTable::add(ActorInstance& rt, std::shared_ptr<ConnRecord> conn) {
  const bool counted = !conn->transient;
  if (conns_.emplace(conn->id, std::move(conn)).second && counted && rt.metrics() != nullptr) {
    rt.metrics()->connections(1);
  }
}

void ConnectionTable::remove(ActorInstance& rt, const ConnRecord& conn) {
  if (conns_.erase(conn.id) != 0 && !conn.transient && rt.metrics() != nullptr) {
    rt.metrics()->connections(-1);
  }
}

Task<void> ConnectionTable::close(ActorInstance& rt, std::shared_ptr<ConnRecord> conn) {
  const auto& def = rt.definition();
  if (conn->disconnected) {
    co_return;
  }
  conn->disconnected = true;
  remove(rt, *conn);
  if (rt.run_state() != RunState::Running) {
    co_return;
  }
  rt.enter_call();
  if (def.on_disconnect) {
    CallFrame frame{conn, {}, {}};
    frame.conn_view.emplace(conn.get(), &frame);
    ActorContext ctx(rt, &frame);
    auto ran = co_await rt.run_hook(def.on_disconnect(ctx, *frame.conn_view), "onDisconnect",
                                 def.options.hook_timeout);
    if (!ran) {
      rt.log_failure("onDisconnect", ran.error());
    }
    auto finished = co_await rt.finish_call(frame, false);
    if (!finished) {
      rt.log_failure("save after disconnect", finished.error());
    }
  }
  // Without a hook nothing changed and no reply follows: no save, no wait.
  rt.leave_call();
  rt.maybe_stop_after_call();
}

Task<Result<void>> ConnectionTable::subscribe(ActorInstance& rt, std::shared_ptr<ConnRecord> conn,
                                              std::string event, bool on) {
  const auto& def = rt.definition();
  if (!on) {
    auto it = conn->subscriptions.find(event);
    if (it != conn->subscriptions.end()) {
      conn->subscriptions.erase(it);
    }
    co_return Result<void>{};
  }
  if (def.can_subscribe && !conn->subscriptions.contains(event) && !conn->disconnected) {
    rt.enter_call();
    CallFrame frame;
    frame.conn = conn;
    frame.conn_view.emplace(conn.get(), &frame);
    ActorContext ctx(rt, &frame);
    bool allowed = false;
    auto ran = co_await rt.run_hook(check_subscription(def, ctx, event, allowed), "canSubscribe",
                                 def.options.hook_timeout);
    auto finished = co_await rt.finish_call(frame, false);
    rt.leave_call();
    if (!finished) {
      rt.log_failure("save after canSubscribe", finished.error());
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

std::vector<std::shared_ptr<ConnRecord>> ConnectionTable::all() const {
  std::vector<std::shared_ptr<ConnRecord>> out;
  out.reserve(conns_.size());
  for (const auto& [id, conn] : conns_) {
    out.push_back(conn);
  }
  return out;
}

bool ConnectionTable::any_held_open() const noexcept {
  for (const auto& [id, conn] : conns_) {
    if (!conn->transient) {
      return true;
    }
  }
  return false;
}

std::vector<ConnectionSink*> ConnectionTable::subscribers(std::string_view event) const {
  std::vector<ConnectionSink*> sinks;
  for (const auto& [id, conn] : conns_) {
    if (conn->sink && !conn->disconnected && conn->subscriptions.contains(event)) {
      sinks.push_back(conn->sink.get());
    }
  }
  return sinks;
}

}  // namespace rivet::detail

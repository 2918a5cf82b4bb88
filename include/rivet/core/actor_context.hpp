#pragma once
/// The context an action or hook receives: identity, state, vars, events, the calling connection.
///
/// Thread-safety: strand-affine. Use a context only inside the action/hook that received it, on
/// the actor's strand (which is where actions and hooks run). Never keep it past that call.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/actor_ref.hpp>
#include <rivet/core/cron.hpp>
#include <rivet/core/database.hpp>
#include <rivet/core/kv.hpp>
#include <rivet/core/queue.hpp>
#include <rivet/core/schedule.hpp>
#include <rivet/core/task.hpp>
#include <rivet/protocol/keys.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace rivet {

namespace detail {
class ActorInstance;
struct CallFrame;
struct ConnRecord;
}  // namespace detail

/// Thrown by user code to send a structured error to the client: group "user".
class UserError : public ErrorException {
 public:
  explicit UserError(std::string message, std::string code = "user_error", Value metadata = nullptr)
      : ErrorException(make_error(std::string(codes::kUserGroup), std::move(code),
                                  std::move(message), std::move(metadata))) {}
};

/// One client connection as the actor sees it (WebSocket, or transient for a stateless HTTP call).
class Conn {
 public:
  Conn(detail::ConnRecord* rec, detail::CallFrame* frame) noexcept : rec_(rec), frame_(frame) {}
  [[nodiscard]] const std::string& id() const noexcept;
  /// Connection params as sent by the client (compat value, null when none).
  [[nodiscard]] const Value& params() const noexcept;
  /// Connection state (compat value; null when the actor defines none). Mutable in actions.
  [[nodiscard]] Value& state() noexcept;
  /// Sends an event to this connection only, regardless of subscriptions. Like broadcast, it
  /// leaves once the calling action's state change is durable.
  void send_values(std::string event, Value args);
  template <class... A>
  void send(std::string event, const A&... args) {
    send_values(std::move(event), Value::array({to_value(args)...}));
  }
  /// Closes the connection with close code 1000 and `reason`.
  void disconnect(std::string reason = "");
  [[nodiscard]] detail::ConnRecord* record() const noexcept { return rec_; }

  // -- realtime --
  /// The connection state made by create_conn_state/conn_state returning T (for T = Value this
  /// is state()). Throws ErrorException (core.internal_error) when the state has another type.
  template <class T>
  [[nodiscard]] T& state_as() {
    if constexpr (std::is_same_v<T, Value>) {
      return state();
    } else {
      return *static_cast<T*>(typed_state(typeid(T)));
    }
  }

 private:
  [[nodiscard]] void* typed_state(const std::type_info& type) const;

 private:
  detail::ConnRecord* rec_;
  detail::CallFrame* frame_;
};

/// Untyped actor context; typed views (ActionContext<State,...>) derive from it.
class ActorContext {
 public:
  ActorContext(detail::ActorInstance& rt, detail::CallFrame* frame) noexcept
      : rt_(&rt), frame_(frame) {}

  [[nodiscard]] const std::string& actor_id() const noexcept;
  /// The actor type name, e.g. "counter".
  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const protocol::ActorKey& key() const noexcept;

  /// Sends `event` to every connection subscribed to it. Delivery waits until the state this
  /// call changed is durable; events leave in emission order.
  void broadcast_values(std::string event, Value args);
  template <class... A>
  void broadcast(std::string event, const A&... args) {
    broadcast_values(std::move(event), Value::array({to_value(args)...}));
  }

  /// The connection that made this call (transient for HTTP); nullptr in hooks without one.
  [[nodiscard]] Conn* conn() noexcept;

  /// Every open connection (WebSocket and the transient ones of running HTTP calls).
  [[nodiscard]] std::vector<Conn> conns() noexcept;

  // -- realtime --
  /// The calling connection's typed state (Conn::state_as<T>). Throws ErrorException
  /// (core.internal_error) when this call has no connection or the type differs.
  template <class T>
  [[nodiscard]] T& conn_state() {
    return require_conn().template state_as<T>();
  }
  /// The calling connection; throws ErrorException (core.internal_error) when there is none.
  [[nodiscard]] Conn& require_conn();

  /// The actor's key-value store.
  [[nodiscard]] Kv kv() noexcept;
  /// Schedules actions on this actor.
  [[nodiscard]] Schedule schedule() noexcept;
  /// Recurring jobs on this actor (cron expressions and fixed intervals).
  [[nodiscard]] Cron cron() noexcept;
  /// The actor's SQLite database; throws actor.no_database unless the actor declared one.
  [[nodiscard]] Database db();
  /// The actor's durable queues.
  [[nodiscard]] QueueApi queue() noexcept;
  /// True once the actor is stopping (sleep or destroy); long-running work should wrap up.
  [[nodiscard]] bool aborted() const noexcept;
  /// Calls other actors (in process).
  [[nodiscard]] ActorClient client() const noexcept;

  /// Commits the state (and staged writes) now and releases the events this call has sent so far,
  /// without waiting for the call to end: what a long call does to let clients see progress
  /// (a stream of tokens, a progress bar). Durable when it returns; throws ErrorException when
  /// the commit fails. The call's later changes and events follow at its next save or its end.
  [[nodiscard]] Task<void> save();
  /// Suspends this call for `duration`; other calls run meanwhile, and the actor stays awake.
  [[nodiscard]] Task<void> delay(std::chrono::milliseconds duration);
  /// Runs `task` in the background on this actor; the actor stays awake until it finishes.
  /// Exceptions it throws are logged.
  void wait_until(Task<void> task);
  /// Current wall-clock time in milliseconds since the Unix epoch.
  [[nodiscard]] std::int64_t now_ms() const noexcept;

  /// Requests sleep after the current work finishes.
  void sleep();
  /// Requests destroy after the current action: onDestroy runs, then all data is deleted.
  void destroy();

  [[nodiscard]] detail::ActorInstance& runtime() const noexcept { return *rt_; }
  [[nodiscard]] detail::CallFrame* frame() const noexcept { return frame_; }

 protected:
  [[nodiscard]] void* state_ptr() const noexcept;
  [[nodiscard]] void* vars_ptr() const noexcept;

 private:
  detail::ActorInstance* rt_;
  detail::CallFrame* frame_;
};

struct NoVars {};

/// Typed view used by actions and hooks of an actor<State, Vars>.
template <class State, class Vars = NoVars>
class ActionContext : public ActorContext {
 public:
  explicit ActionContext(const ActorContext& base) noexcept : ActorContext(base) {}
  [[nodiscard]] State& state() const noexcept { return *static_cast<State*>(state_ptr()); }
  [[nodiscard]] Vars& vars() const noexcept { return *static_cast<Vars*>(vars_ptr()); }
};

}  // namespace rivet

#pragma once
/// The type-erased actor definition the runtime executes. Users build it with rivet::actor<S>()
/// (actor.hpp); the runtime never sees user types, only these functions.
/// Immutable once registered; shared between threads as shared_ptr<const ActorDefinition>.

#include <rivet/common/value.hpp>
#include <rivet/core/actor_context.hpp>
#include <rivet/core/options.hpp>
#include <rivet/core/raw_http.hpp>
#include <rivet/core/raw_socket.hpp>
#include <rivet/core/task.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

namespace rivet::detail {

/// Type-erased holder of the user's state or vars object.
class AnyBox {
 public:
  virtual ~AnyBox() = default;
  [[nodiscard]] virtual void* get() noexcept = 0;
  /// Compat value of the object (state persistence). Throws on conversion failure.
  [[nodiscard]] virtual Value to_value() const = 0;
};

template <class T>
class TypedBox final : public AnyBox {
 public:
  explicit TypedBox(T v) : value_(std::move(v)) {}
  void* get() noexcept override { return &value_; }
  Value to_value() const override {
    // Vars need not be serializable; they are never persisted.
    if constexpr (std::is_same_v<T, NoVars> || !std::is_constructible_v<nlohmann::json, const T&>) {
      return nullptr;
    } else {
      return rivet::to_value(value_);
    }
  }

 private:
  T value_;
};

/// Every function may throw (UserError or anything else); the runtime catches at one boundary.
struct ActorDefinition {
  using ActionFn = std::function<Task<Value>(ActorContext&, Value args)>;
  /// An action that cannot suspend (it returns a value, not a Task): the runtime calls it
  /// directly, without a coroutine frame or a timeout timer (nothing could interrupt it anyway).
  using SyncActionFn = std::function<Value(ActorContext&, const Value& args)>;
  using HookFn = std::function<Task<void>(ActorContext&)>;

  std::string name;
  ActorOptions options;
  std::map<std::string, ActionFn, std::less<>> actions;
  /// The subset of `actions` that are synchronous, callable without a coroutine.
  std::map<std::string, SyncActionFn, std::less<>> sync_actions;

  /// Builds the initial state from the creation input (null when none).
  std::function<Task<std::unique_ptr<AnyBox>>(ActorContext&, Value input)> create_state;
  /// create_state only default-constructs the state (no user code runs: no span is recorded).
  bool default_create_state = true;
  /// Rebuilds state from its persisted compat value.
  std::function<std::unique_ptr<AnyBox>(const Value& stored)> load_state;
  /// Builds vars on every start.
  std::function<Task<std::unique_ptr<AnyBox>>(ActorContext&)> create_vars;

  std::function<Task<void>(ActorContext&, Value input)> on_create;
  HookFn on_wake;
  HookFn on_sleep;
  HookFn on_destroy;
  HookFn on_state_change;
  std::function<Task<Value>(ActorContext&, std::string action, Value args, Value output)>
      on_before_action_response;

  // -- durable work --
  /// Declared queue names; sends to other names complete without enqueuing (as upstream).
  std::vector<std::string> queues;
  /// Long-lived handler started on every wake; restarted with backoff when it fails.
  HookFn run;
  /// `run` is a durable workflow (its history is readable: workflow_history.hpp).
  bool workflow = false;
  /// The actor has its own SQLite database; `on_migrate` runs atomically at every start, before
  /// any other hook.
  bool database = false;
  HookFn on_migrate;

  // Connections (params are the client's compat value).
  std::function<Task<void>(ActorContext&, Value params)> on_before_connect;
  std::function<Task<Value>(ActorContext&, Value params)> create_conn_state;
  std::function<Task<void>(ActorContext&, Conn&)> on_connect;
  std::function<Task<void>(ActorContext&, Conn&)> on_disconnect;

  // -- realtime --
  /// Connection state of a C++ type T (create_conn_state returning T != Value); when set it is
  /// used instead of create_conn_state. Conn::state_as<T>() checks T against the stored type.
  std::function<Task<std::shared_ptr<void>>(ActorContext&, Value params)> create_typed_conn_state;
  const std::type_info* typed_conn_state_type = nullptr;
  /// The typed connection state as a value, for the inspector (absent when T has no JSON form).
  std::function<Value(const void*)> typed_conn_state_value;
  /// Whether the calling connection may subscribe to `event`; absent = always.
  std::function<Task<bool>(ActorContext&, std::string event)> can_subscribe;
  /// Raw HTTP (`/request/...`); absent = 404 with an empty body.
  std::function<Task<RawResponse>(ActorContext&, RawRequest)> on_request;
  /// Raw WebSocket (`/websocket/...`); the socket stays open while the handler runs.
  std::function<Task<void>(ActorContext&, WebSocket&)> on_websocket;
};

}  // namespace rivet::detail

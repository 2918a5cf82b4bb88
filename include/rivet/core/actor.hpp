#pragma once
/// Defining actors in C++: rivet::actor<State>("name").action(...).on_wake(...)...
///
/// Actions and hooks are plain functions or coroutines (returning rivet::Task<T>). Their first
/// parameter is the context (`rivet::ActionContext<State, Vars>&`, or `auto&`); further parameters
/// are converted from the call's arguments with rivet::from_value, and the result with
/// rivet::to_value. A parameter of type rivet::ArgList receives the whole argument array.
/// A conversion failure reaches the client as actor.invalid_argument.
///
/// Thread-safety: build definitions before serving; the builder is not thread-safe.

#include <rivet/common/action.hpp>
#include <rivet/core/definition.hpp>
#include <rivet/core/workflow.hpp>

#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rivet {

/// All call arguments as one compat array (for variadic actions).
struct ArgList {
  Value values = Value::array();
};

namespace detail {

template <class T>
struct TaskTraits : std::false_type {
  using value_type = T;
};
template <class T>
struct TaskTraits<Task<T>> : std::true_type {
  using value_type = T;
};

template <class F>
struct FnTraits : FnTraits<decltype(&F::operator())> {};
template <class C, class R, class... A>
struct FnTraits<R (C::*)(A...) const> {
  using Return = R;
  using Args = std::tuple<A...>;
};
template <class C, class R, class... A>
struct FnTraits<R (C::*)(A...)> {
  using Return = R;
  using Args = std::tuple<A...>;
};
template <class R, class... A>
struct FnTraits<R (*)(A...)> {
  using Return = R;
  using Args = std::tuple<A...>;
};
template <class R, class... A>
struct FnTraits<R(A...)> {
  using Return = R;
  using Args = std::tuple<A...>;
};

/// The signature of a callable used with context type Ctx: plain functions and lambdas directly,
/// generic lambdas (`[](auto& c, int n)`) instantiated with Ctx.
template <class F, class Ctx>
struct CallTraits {
  static constexpr bool known = false;
};
template <class F, class Ctx>
requires requires {
  &F::operator();
}
struct CallTraits<F, Ctx> : FnTraits<decltype(&F::operator())> {
  static constexpr bool known = true;
};
template <class F, class Ctx>
requires(!requires { &F::operator(); }) && requires {
  &F::template operator()<Ctx>;
}
struct CallTraits<F, Ctx> : FnTraits<decltype(&F::template operator()<Ctx>)> {
  static constexpr bool known = true;
};
template <class R, class... A, class Ctx>
struct CallTraits<R (*)(A...), Ctx> : FnTraits<R (*)(A...)> {
  static constexpr bool known = true;
};

/// Runs a workflow body as the actor's run handler (src/core/workflow.cpp).
Task<void> run_workflow(ActorContext& ctx, std::function<Task<void>(Workflow&)> body);

/// Throws an actor.invalid_argument ErrorException naming the argument.
[[noreturn]] void throw_invalid_argument(std::size_t index, const char* what);

template <class T>
T convert_arg(const Value& args, std::size_t index) {
  using D = std::decay_t<T>;
  if constexpr (std::is_same_v<D, ArgList>) {
    return ArgList{args};
  } else {
    Value v = (args.is_array() && index < args.size()) ? args[index] : Value();
    if (index == 0 && args.is_array() && args.size() == 2 && v.is_string()) {
      v = unescape_list(args)[0];  // the list itself travels escaped (value.hpp)
    }
    try {
      return from_value<D>(v);
    } catch (const std::exception& e) {
      throw_invalid_argument(index, e.what());
    }
  }
}

template <class R>
Task<Value> result_to_value(R&& r) {
  using D = std::decay_t<R>;
  if constexpr (TaskTraits<D>::value) {
    using T = typename TaskTraits<D>::value_type;
    if constexpr (std::is_void_v<T>) {
      co_await std::move(r);
      co_return Value();
    } else {
      co_return to_value(co_await std::move(r));
    }
  } else {
    co_return to_value(r);
  }
}

/// Calls `fn(ctx, args...)` converting arguments, and converts the result to a Value.
template <class Ctx, class F, std::size_t... I>
Task<Value> invoke_with_args(F& fn, Ctx& ctx, const Value& args, std::index_sequence<I...>) {
  using Args = typename CallTraits<std::decay_t<F>, Ctx>::Args;
  using Return = std::invoke_result_t<F&, Ctx&, std::tuple_element_t<I + 1, Args>...>;
  if constexpr (std::is_void_v<Return>) {
    fn(ctx, convert_arg<std::tuple_element_t<I + 1, Args>>(args, I)...);
    co_return Value();
  } else {
    co_return co_await result_to_value(
        fn(ctx, convert_arg<std::tuple_element_t<I + 1, Args>>(args, I)...));
  }
}

template <class Ctx, class F>
Task<Value> invoke_action(F& fn, Ctx& ctx, const Value& args) {
  if constexpr (CallTraits<std::decay_t<F>, Ctx>::known) {
    constexpr std::size_t n = std::tuple_size_v<typename CallTraits<std::decay_t<F>, Ctx>::Args>;
    static_assert(n >= 1, "an action takes the context as its first parameter");
    co_return co_await invoke_with_args<Ctx>(fn, ctx, args, std::make_index_sequence<n - 1>{});
  } else {
    // Generic lambda such as [](auto& c) { ... }: context only.
    using Return = std::invoke_result_t<F&, Ctx&>;
    if constexpr (std::is_void_v<Return>) {
      fn(ctx);
      co_return Value();
    } else {
      co_return co_await result_to_value(fn(ctx));
    }
  }
}

/// The return type of action `F` called with context type Ctx.
template <class Ctx, class F, class = void>
struct ActionReturn {
  using type = std::invoke_result_t<F&, Ctx&>;  // generic lambda taking the context only
};
template <class Ctx, class F>
struct ActionReturn<Ctx, F, std::enable_if_t<CallTraits<std::decay_t<F>, Ctx>::known>> {
  using type = typename CallTraits<std::decay_t<F>, Ctx>::Return;
};

/// Whether action `F` completes without suspending (returns T or void, not a Task).
template <class Ctx, class F>
inline constexpr bool is_sync_action = !TaskTraits<std::decay_t<typename ActionReturn<Ctx, F>::type>>::value;

template <class Ctx, class F, std::size_t... I>
Value invoke_sync_with_args(F& fn, Ctx& ctx, const Value& args, std::index_sequence<I...>) {
  using Args = typename CallTraits<std::decay_t<F>, Ctx>::Args;
  using Return = std::invoke_result_t<F&, Ctx&, std::tuple_element_t<I + 1, Args>...>;
  if constexpr (std::is_void_v<Return>) {
    fn(ctx, convert_arg<std::tuple_element_t<I + 1, Args>>(args, I)...);
    return Value();
  } else {
    return to_value(fn(ctx, convert_arg<std::tuple_element_t<I + 1, Args>>(args, I)...));
  }
}

/// invoke_action for a synchronous action: a plain call, no coroutine frame.
template <class Ctx, class F>
Value invoke_sync_action(F& fn, Ctx& ctx, const Value& args) {
  if constexpr (CallTraits<std::decay_t<F>, Ctx>::known) {
    constexpr std::size_t n = std::tuple_size_v<typename CallTraits<std::decay_t<F>, Ctx>::Args>;
    static_assert(n >= 1, "an action takes the context as its first parameter");
    return invoke_sync_with_args<Ctx>(fn, ctx, args, std::make_index_sequence<n - 1>{});
  } else {
    using Return = std::invoke_result_t<F&, Ctx&>;
    if constexpr (std::is_void_v<Return>) {
      fn(ctx);
      return Value();
    } else {
      return to_value(fn(ctx));
    }
  }
}

/// Whether `fn(ctx, A...)` fits an action declared as R(A...): callable with the declared
/// arguments, its result (a Task's value) converting to R, or void for void.
template <class F, class Ctx, class R, class... A>
concept Handles = std::is_invocable_v<F&, Ctx&, A...> &&
    (std::is_void_v<R>
         ? std::is_void_v<typename TaskTraits<std::decay_t<std::invoke_result_t<F&, Ctx&, A...>>>::value_type>
         : std::is_convertible_v<
               typename TaskTraits<std::decay_t<std::invoke_result_t<F&, Ctx&, A...>>>::value_type, R>);

/// Calls a hook-like callable that returns void or Task<void>, and awaits it.
template <class F, class... A>
Task<void> call_hook(F& fn, A&... args) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&, A&...>>) {
    fn(args...);
    co_return;
  } else {
    co_await fn(args...);
  }
}

}  // namespace detail

template <class State, class Vars = NoVars>
class ActorBuilder {
 public:
  using Context = ActionContext<State, Vars>;

  explicit ActorBuilder(std::string name) : def_(std::make_shared<detail::ActorDefinition>()) {
    def_->name = std::move(name);
    def_->create_state = [](ActorContext&, Value) -> Task<std::unique_ptr<detail::AnyBox>> {
      co_return std::make_unique<detail::TypedBox<State>>(State{});
    };
    def_->load_state = [](const Value& stored) -> std::unique_ptr<detail::AnyBox> {
      return std::make_unique<detail::TypedBox<State>>(from_value<State>(stored));
    };
  }
  ActorBuilder(std::shared_ptr<detail::ActorDefinition> def) : def_(std::move(def)) {}

  /// Registers an action. `fn(Context&, Args...)` returns T, void, Task<T> or Task<void>.
  template <class F>
  ActorBuilder& action(std::string name, F fn) {
    if constexpr (detail::is_sync_action<Context, F>) {
      // Shared by both entries: the coroutine form serves callers that need a Task.
      auto shared = std::make_shared<F>(std::move(fn));
      def_->sync_actions[name] = [shared](ActorContext& base, const Value& args) -> Value {
        Context ctx(base);
        return detail::invoke_sync_action<Context>(*shared, ctx, args);
      };
      def_->actions[std::move(name)] = [shared](ActorContext& base, Value args) -> Task<Value> {
        Context ctx(base);
        co_return detail::invoke_sync_action<Context>(*shared, ctx, args);
      };
    } else {
      def_->sync_actions.erase(name);
      def_->actions[std::move(name)] = [fn = std::move(fn)](ActorContext& base,
                                                            Value args) mutable -> Task<Value> {
        Context ctx(base);
        co_return co_await detail::invoke_action<Context>(fn, ctx, args);
      };
    }
    return *this;
  }

  /// Registers a typed action (rivet/common/action.hpp). Only a handler that accepts the
  /// declared arguments and whose result converts to the declared result fits; any other does
  /// not compile.
  template <class R, class... A, class F>
    requires detail::Handles<F, Context, R, A...>
  ActorBuilder& action(const Action<R(A...)>& declared, F fn) {
    return action(std::string(declared.name()), std::move(fn));
  }

  /// Initial state from the creation input: `fn(Context&, const Value& input)` or
  /// `fn(const Value& input)`, returning State or Task<State>. Runs once, at creation.
  template <class F>
  ActorBuilder& create_state(F fn) {
    def_->default_create_state = false;
    def_->create_state = [fn = std::move(fn)](
                             ActorContext& base,
                             Value input) mutable -> Task<std::unique_ptr<detail::AnyBox>> {
      Context ctx(base);
      if constexpr (std::is_invocable_v<F&, Context&, const Value&>) {
        co_return std::make_unique<detail::TypedBox<State>>(co_await lift<State>(fn(ctx, input)));
      } else {
        co_return std::make_unique<detail::TypedBox<State>>(co_await lift<State>(fn(input)));
      }
    };
    return *this;
  }

  /// Ephemeral vars, rebuilt on every start: `fn(Context&)` returning V or Task<V>.
  template <class V, class F>
  ActorBuilder<State, V> vars(F fn) {
    def_->create_vars =
        [fn = std::move(fn)](ActorContext& base) mutable -> Task<std::unique_ptr<detail::AnyBox>> {
      ActionContext<State, V> ctx(base);
      co_return std::make_unique<detail::TypedBox<V>>(co_await lift<V>(fn(ctx)));
    };
    return ActorBuilder<State, V>(def_);
  }

  /// Runs once when the actor is created: `fn(Context&, const Value& input)` or `fn(Context&)`.
  template <class F>
  ActorBuilder& on_create(F fn) {
    def_->on_create = [fn = std::move(fn)](ActorContext& base, Value input) mutable -> Task<void> {
      Context ctx(base);
      if constexpr (std::is_invocable_v<F&, Context&, const Value&>) {
        co_await detail::call_hook(fn, ctx, input);
      } else {
        co_await detail::call_hook(fn, ctx);
      }
    };
    return *this;
  }

  template <class F>
  ActorBuilder& on_wake(F fn) {
    def_->on_wake = hook(std::move(fn));
    return *this;
  }
  template <class F>
  ActorBuilder& on_sleep(F fn) {
    def_->on_sleep = hook(std::move(fn));
    return *this;
  }
  template <class F>
  ActorBuilder& on_destroy(F fn) {
    def_->on_destroy = hook(std::move(fn));
    return *this;
  }
  /// Runs once after each action (or hook) that changed state, before its reply leaves.
  template <class F>
  ActorBuilder& on_state_change(F fn) {
    def_->on_state_change = hook(std::move(fn));
    return *this;
  }
  // -- realtime --------------------------------------------------------------------------------
  // Connections, events, raw HTTP and raw WebSockets (docs/realtime.md). `params` is the client's
  // connection params as a compat value (null when it sent none).

  /// Validates a connecting client before the connection exists; throw (e.g. UserError) to
  /// reject it. `fn(Context&, const Value& params)` returning void or Task<void>.
  template <class F>
  ActorBuilder& on_before_connect(F fn) {
    def_->on_before_connect = [fn = std::move(fn)](ActorContext& base,
                                                   Value params) mutable -> Task<void> {
      Context ctx(base);
      co_await detail::call_hook(fn, ctx, params);
    };
    return *this;
  }

  /// Builds each connection's state after on_before_connect: `fn(Context&, const Value& params)`
  /// or `fn(const Value& params)` returning T or Task<T>; throwing rejects the connection.
  /// Actions read it with `c.conn_state<T>()` (or `c.conn()->state_as<T>()`); with T = Value it
  /// is also `c.conn()->state()`. Connection state lives as long as the connection.
  template <class F>
  ActorBuilder& create_conn_state(F fn) {
    using R = decltype(invoke_conn_state(std::declval<F&>(), std::declval<Context&>(),
                                         std::declval<const Value&>()));
    using T = typename detail::TaskTraits<R>::value_type;
    if constexpr (std::is_same_v<T, Value>) {
      def_->create_typed_conn_state = nullptr;
      def_->typed_conn_state_type = nullptr;
      def_->typed_conn_state_value = nullptr;
      def_->create_conn_state = [fn = std::move(fn)](ActorContext& base,
                                                     Value params) mutable -> Task<Value> {
        Context ctx(base);
        co_return co_await lift<Value>(invoke_conn_state(fn, ctx, params));
      };
    } else {
      def_->create_conn_state = nullptr;
      def_->typed_conn_state_type = &typeid(T);
      def_->create_typed_conn_state =
          [fn = std::move(fn)](ActorContext& base,
                               Value params) mutable -> Task<std::shared_ptr<void>> {
        Context ctx(base);
        co_return std::make_shared<T>(co_await lift<T>(invoke_conn_state(fn, ctx, params)));
      };
      if constexpr (std::is_constructible_v<nlohmann::json, const T&>) {
        def_->typed_conn_state_value = [](const void* state) {
          return rivet::to_value(*static_cast<const T*>(state));
        };
      }
    }
    return *this;
  }
  /// A constant initial connection state, copied for every connection.
  template <class T>
  ActorBuilder& conn_state(T initial) {
    return create_conn_state([initial = std::move(initial)](const Value&) { return initial; });
  }

  /// Runs once the connection is registered (visible in `c.conns()`): `fn(Context&, Conn&)`
  /// returning void or Task<void>. Throwing rejects the connection.
  template <class F>
  ActorBuilder& on_connect(F fn) {
    def_->on_connect = [fn = std::move(fn)](ActorContext& base, Conn& conn) mutable -> Task<void> {
      Context ctx(base);
      co_await detail::call_hook(fn, ctx, conn);
    };
    return *this;
  }
  /// Runs exactly once per connection after it closed (client gone, disconnect(), sleep or
  /// destroy): `fn(Context&, Conn&)` returning void or Task<void>.
  template <class F>
  ActorBuilder& on_disconnect(F fn) {
    def_->on_disconnect = [fn = std::move(fn)](ActorContext& base,
                                               Conn& conn) mutable -> Task<void> {
      Context ctx(base);
      co_await detail::call_hook(fn, ctx, conn);
    };
    return *this;
  }

  /// Decides whether the calling connection (`c.conn()`) may subscribe to `event`:
  /// `fn(Context&, const std::string& event)` returning bool or Task<bool>. A denied WebSocket
  /// subscription closes the connection with 1011 `auth.forbidden`.
  template <class F>
  ActorBuilder& can_subscribe(F fn) {
    def_->can_subscribe = [fn = std::move(fn)](ActorContext& base,
                                               std::string event) mutable -> Task<bool> {
      Context ctx(base);
      const std::string& name = event;
      co_return co_await lift<bool>(fn(ctx, name));
    };
    return *this;
  }

  /// Raw HTTP behind `/request/...`: `fn(Context&, RawRequest)` returning RawResponse or
  /// Task<RawResponse>. Runs inside the connect sequence (params from `x-rivet-conn-params`),
  /// with the action timeout; the response leaves once its state change is durable.
  template <class F>
  ActorBuilder& on_request(F fn) {
    def_->on_request = [fn = std::move(fn)](ActorContext& base,
                                            RawRequest request) mutable -> Task<RawResponse> {
      Context ctx(base);
      if constexpr (std::is_invocable_v<F&, Context&, RawRequest&&>) {
        co_return co_await lift<RawResponse>(fn(ctx, std::move(request)));
      } else {
        co_return co_await lift<RawResponse>(fn(ctx, request));
      }
    };
    return *this;
  }

  /// Raw WebSocket behind `/websocket/...`: `fn(Context&, WebSocket&)` returning void or
  /// Task<void>, usually a loop on `co_await ws.receive()`. The socket stays open while the
  /// handler runs and closes (1000) when it returns; a throw closes it with 1011 `group.code`.
  template <class F>
  ActorBuilder& on_websocket(F fn) {
    def_->on_websocket = [fn = std::move(fn)](ActorContext& base,
                                              WebSocket& ws) mutable -> Task<void> {
      Context ctx(base);
      co_await detail::call_hook(fn, ctx, ws);
    };
    return *this;
  }

  template <class F>
  static decltype(auto) invoke_conn_state(F& fn, Context& ctx, const Value& params) {
    if constexpr (std::is_invocable_v<F&, Context&, const Value&>) {
      return fn(ctx, params);
    } else {
      return fn(params);
    }
  }
  // -- end realtime ----------------------------------------------------------------------------

  /// `fn(Context&, const std::string& action, const Value& args, Value output)` returns the
  /// output the client receives (Value or Task<Value>).
  template <class F>
  ActorBuilder& on_before_action_response(F fn) {
    def_->on_before_action_response = [fn = std::move(fn)](ActorContext& base, std::string action,
                                                           Value args,
                                                           Value output) mutable -> Task<Value> {
      Context ctx(base);
      co_return co_await lift<Value>(fn(ctx, action, args, std::move(output)));
    };
    return *this;
  }

  // -- durable work --
  /// Declares the actor's queues.
  ActorBuilder& queues(std::vector<std::string> names) {
    def_->queues = std::move(names);
    return *this;
  }
  /// The run handler: `fn(Context&)` returning Task<void>; started after every wake. It should
  /// loop on `c.queue().next()` and return when that throws actor.aborted (the actor stops).
  template <class F>
  ActorBuilder& run(F fn) {
    def_->run = hook(std::move(fn));
    return *this;
  }

  /// A durable workflow as the run handler: `fn(Context&, Workflow&)` returning Task<void>.
  template <class F>
  ActorBuilder& workflow(F fn) {
    def_->workflow = true;
    def_->run = [fn = std::move(fn)](ActorContext& base) mutable -> Task<void> {
      co_await detail::run_workflow(base, WorkflowBody<F>{&fn, Context(base)});
    };
    return *this;
  }

  /// Gives the actor its own SQLite database. `migrate(Context&, Database&)` (void or
  /// Task<void>) runs at every start, atomically, before any other hook.
  template <class F>
  ActorBuilder& database(F migrate) {
    def_->database = true;
    def_->on_migrate = [migrate = std::move(migrate)](ActorContext& base) mutable -> Task<void> {
      Context ctx(base);
      Database db = base.db();
      co_await detail::call_hook(migrate, ctx, db);
    };
    return *this;
  }
  ActorBuilder& database() {
    def_->database = true;
    return *this;
  }

  ActorBuilder& options(ActorOptions opts) {
    def_->options = std::move(opts);
    return *this;
  }

  [[nodiscard]] std::shared_ptr<const detail::ActorDefinition> definition() const { return def_; }

 private:
  template <class F>
  static detail::ActorDefinition::HookFn hook(F fn) {
    return [fn = std::move(fn)](ActorContext& base) mutable -> Task<void> {
      Context ctx(base);
      co_await detail::call_hook(fn, ctx);
    };
  }

  template <class F>
  struct WorkflowBody {
    F* fn;
    // Held here (run_workflow keeps the body until the run ends), not in the body's coroutine
    // frame: compensations capture the context by reference and run after a failed body ended.
    mutable Context ctx;
    Task<void> operator()(Workflow& w) const { co_await (*fn)(ctx, w); }
  };

  template <class T, class R>
  static Task<T> lift(R r) {
    if constexpr (detail::TaskTraits<R>::value) {
      co_return co_await std::move(r);
    } else {
      co_return T(std::move(r));
    }
  }

  std::shared_ptr<detail::ActorDefinition> def_;
};

/// Starts the definition of an actor type named `name` with state type State
/// (default-constructed unless create_state is given; persisted through to_value/from_value).
template <class State>
[[nodiscard]] ActorBuilder<State> actor(std::string name) {
  return ActorBuilder<State>(std::move(name));
}

}  // namespace rivet

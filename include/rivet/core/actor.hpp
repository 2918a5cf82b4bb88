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

#include <rivet/core/definition.hpp>

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
    def_->actions[std::move(name)] = [fn = std::move(fn)](ActorContext& base,
                                                          Value args) mutable -> Task<Value> {
      Context ctx(base);
      co_return co_await detail::invoke_action<Context>(fn, ctx, args);
    };
    return *this;
  }

  /// Initial state from the creation input: `fn(Context&, const Value& input)` or
  /// `fn(const Value& input)`, returning State or Task<State>. Runs once, at creation.
  template <class F>
  ActorBuilder& create_state(F fn) {
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

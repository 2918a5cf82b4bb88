#pragma once
/// Calling other actors from inside an actor (c.client()), in process, with the same resolution
/// rules as external clients (get / getOrCreate / create / getForId).
///
/// Errors from the target arrive as ErrorException carrying the error as a client would see it
/// (masked unless public). Calls may form cycles (A calls B calls A): an action awaiting another
/// actor suspends and leaves its actor free to run other calls, so nothing deadlocks
/// (docs/reentrancy.md). Strand-affine: await only inside the action or hook that made it.

#include <rivet/common/action.hpp>
#include <rivet/core/actor_calls.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/task.hpp>
#include <rivet/protocol/keys.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace rivet {

class Runtime;

/// A handle on one actor, resolved lazily on each call.
class ActorRef {
 public:
  using Mode = ActorTarget::Mode;

  ActorRef(Runtime& runtime, Mode mode, std::string name, protocol::ActorKey key, Value input,
           std::string actor_id)
      : runtime_(&runtime),
        mode_(mode),
        name_(std::move(name)),
        key_(std::move(key)),
        input_(std::move(input)),
        actor_id_(std::move(actor_id)) {}

  /// Calls `action(args...)` and converts the result to R (Value by default).
  /// Not a coroutine itself: arguments (string literals included) are converted before any
  /// suspension, so nothing refers to the caller's temporaries.
  template <class R = Value, class... A>
  Task<R> call(std::string action, const A&... args) {
    return call_as<R>(std::move(action), Value::array({to_value(args)...}));
  }
  /// A typed call (rivet/common/action.hpp): exactly the declared arguments, the declared result.
  template <class R, class... A>
  Task<R> call(const Action<R(A...)>& action, const std::type_identity_t<A>&... args) {
    return call_as<R>(std::string(action.name()), Action<R(A...)>::arguments(args...));
  }
  template <class R>
  Task<R> call_as(std::string action, Value args) {
    Value out = co_await call_values(std::move(action), std::move(args));
    if constexpr (std::is_same_v<R, Value>) {
      co_return out;
    } else if constexpr (std::is_void_v<R>) {
      co_return;
    } else {
      co_return from_value<R>(out);
    }
  }
  Task<Value> call_values(std::string action, Value args);

  /// Sends `body` to the target's queue `queue`, durably, like a client's send: it runs the
  /// target's connect hooks, fails with queue.full when the queue is full, and with
  /// `options.wait` waits for the message's completion. Errors arrive as ErrorException.
  /// Not a coroutine itself: the body is converted before any suspension.
  template <class B>
  Task<QueueSendOutcome> send(std::string queue, const B& body, QueueSendOptions options = {}) {
    return send_value(std::move(queue), to_value(body), options);
  }
  Task<QueueSendOutcome> send_value(std::string queue, Value body, QueueSendOptions options);

  /// The actor id (creating the actor for getOrCreate handles). Throws actor.not_found.
  Task<std::string> resolve();

 private:
  [[nodiscard]] ActorTarget target() const;

  Runtime* runtime_;
  Mode mode_;
  std::string name_;
  protocol::ActorKey key_;
  Value input_;
  std::string actor_id_;
};

class ActorClient {
 public:
  explicit ActorClient(Runtime& runtime) noexcept : runtime_(&runtime) {}
  [[nodiscard]] ActorRef get(std::string name, protocol::ActorKey key = {}) const {
    return ActorRef(*runtime_, ActorRef::Mode::Get, std::move(name), std::move(key), nullptr, "");
  }
  [[nodiscard]] ActorRef get_or_create(std::string name, protocol::ActorKey key = {},
                                       Value input = nullptr) const {
    return ActorRef(*runtime_, ActorRef::Mode::GetOrCreate, std::move(name), std::move(key),
                    std::move(input), "");
  }
  [[nodiscard]] ActorRef get_for_id(std::string name, std::string actor_id) const {
    return ActorRef(*runtime_, ActorRef::Mode::ById, std::move(name), {}, nullptr,
                    std::move(actor_id));
  }
  /// Creates a new actor; throws actor.duplicate_key when the key is taken.
  Task<ActorRef> create(std::string name, protocol::ActorKey key = {}, Value input = nullptr) const;

 private:
  Runtime* runtime_;
};

}  // namespace rivet

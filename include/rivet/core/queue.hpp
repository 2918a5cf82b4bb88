#pragma once
/// The actor's durable queues (c.queue()).
///
/// A message is durable once send() (or a client's send) resolves, and stays stored until it is
/// completed, so it is delivered at least once: if the run loop fails or the server dies first, it
/// is delivered again. Messages received outside the run loop (in an action) are completed
/// automatically when that action's state change commits. Strand-affine.

#include <rivet/common/value.hpp>
#include <rivet/core/task.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rivet {

namespace detail {
class ActorInstance;
struct CallFrame;
}  // namespace detail

/// One received message.
class QueueMessage {
 public:
  QueueMessage(detail::ActorInstance* rt, detail::CallFrame* frame, std::uint64_t id,
               std::string name, Value body, std::int64_t created_at)
      : rt_(rt),
        frame_(frame),
        id_(id),
        name_(std::move(name)),
        body_(std::move(body)),
        created_at_(created_at) {}

  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// Compat value as sent.
  [[nodiscard]] const Value& body() const noexcept { return body_; }
  [[nodiscard]] std::int64_t created_at() const noexcept { return created_at_; }

  /// Removes the message, together with the actor's current state, in one durable commit; then a
  /// sender waiting with `wait` receives `response` (absent when undefined). Completing twice is a
  /// no-op.
  Task<void> complete(Value response = undefined_value());

 private:
  detail::ActorInstance* rt_;
  detail::CallFrame* frame_;
  std::uint64_t id_;
  std::string name_;
  Value body_;
  std::int64_t created_at_;
};

struct QueueReceive {
  /// Queue names to take from; empty = any.
  std::vector<std::string> names;
  /// Give up after this long (nullopt = wait until a message arrives or the actor stops).
  std::optional<std::chrono::milliseconds> timeout;
};

class QueueApi {
 public:
  QueueApi(detail::ActorInstance& rt, detail::CallFrame* frame) noexcept : rt_(&rt), frame_(frame) {}

  /// The oldest matching message, waiting for one; nullopt on timeout. Throws actor.aborted
  /// when the actor is stopping (the run loop should then return).
  Task<std::optional<QueueMessage>> next(QueueReceive options = {});
  /// Up to `count` oldest messages; waits (up to the timeout) only for the first.
  Task<std::vector<QueueMessage>> next_batch(std::size_t count, QueueReceive options = {});
  /// The oldest matching message without waiting.
  std::optional<QueueMessage> try_next(std::vector<std::string> names = {});
  /// Enqueues a message on this actor's own queue `name`; durable when it returns.
  Task<void> send(std::string name, Value body);
  /// Messages stored (waiting or in flight).
  [[nodiscard]] std::size_t size() const noexcept;

 private:
  detail::ActorInstance* rt_;
  detail::CallFrame* frame_;
};

}  // namespace rivet

#pragma once
// An actor's durable queue: its stored messages (rows under the queue prefix, indexed in memory
// while the actor is awake), the receivers waiting for one, and the run loop that drains them.
// A message taken by the run loop stays in flight until completed, and is delivered again if
// the handler fails or the actor stops first (at least once).
//
// Strand-affine: every member runs on the actor's strand. Coroutines take the actor they belong
// to (the queue keeps no pointer back to it: it lives inside it).

#include <rivet/common/clock.hpp>
#include <rivet/common/gate.hpp>
#include <rivet/common/task.hpp>
#include <rivet/core/definition.hpp>
#include <rivet/core/queue.hpp>

#include "core/actor/call_frame.hpp"
#include "core/actor/signal.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::detail {

class ActorInstance;
struct QueueWaiter;

/// A stored queue message as the actor tracks it.
struct StoredMessage {
  std::string name;
  Value body;
  std::int64_t created_at = 0;
  bool in_flight = false;
  /// Deliveries to the run loop since the actor woke (not persisted).
  std::uint32_t attempts = 0;
  /// When the run loop took it (its span runs from there to completion).
  std::int64_t taken_unix_ns = 0;
  Clock::time_point taken_at;
};

class MessageQueue {
 public:
  [[nodiscard]] static bool declares(const ActorDefinition& def, std::string_view name) noexcept;
  /// Reads the stored messages (on start).
  [[nodiscard]] Result<void> load(ActorInstance& rt);
  /// Stores a message durably and wakes receivers. queue.full beyond max_queue_size.
  Task<Result<std::uint64_t>> push(ActorInstance& rt, std::string name, Value body,
                                   std::shared_ptr<QueueWaiter> waiter);
  /// Takes the oldest matching message for `frame` (run loop: in flight; else auto-completed).
  std::optional<QueueMessage> take(ActorInstance& rt, const std::vector<std::string>& names,
                                   CallFrame* frame);
  /// Waits until a message may be available, `deadline` passes, or the actor stops.
  Task<void> wait(ActorInstance& rt, Clock::time_point deadline);
  Task<void> complete(ActorInstance& rt, std::uint64_t id, Value response, CallFrame* frame);
  /// Removes a taken message without resolving its sender (the workflow records it instead).
  void consume(ActorInstance& rt, std::uint64_t id, CallFrame& frame);
  /// Resolves the senders of messages completed by a commit.
  void notify_completed(ActorInstance& rt, const std::vector<std::uint64_t>& ids);
  /// Messages in flight are delivered again.
  void requeue_in_flight(ActorInstance& rt);
  /// Receivers re-check (the actor is stopping).
  void wake_receivers() { arrived_.notify_all(); }

  [[nodiscard]] std::size_t size() const noexcept { return messages_.size(); }
  /// The stored messages by id, oldest first.
  [[nodiscard]] const std::map<std::uint64_t, StoredMessage>& messages() const noexcept {
    return messages_;
  }
  [[nodiscard]] bool empty() const noexcept { return messages_.empty(); }

  /// The run handler, restarted with backoff when it fails, until the actor stops. The run
  /// loop gate is entered before it is spawned and left when it ends.
  static Task<void> run_loop(std::shared_ptr<ActorInstance> self);
  [[nodiscard]] Gate& run_loop_gate() noexcept { return run_loop_; }

 private:
  /// A message left the queue, processed (counted in the actor's metrics).
  static void counted_out(ActorInstance& rt);

  std::map<std::uint64_t, StoredMessage> messages_;
  std::uint64_t next_id_ = 1;
  Signal arrived_;
  Gate run_loop_;
};

}  // namespace rivet::detail

#pragma once
// One awake actor: its identity and lifecycle (start, stop), the calls running on it, and the
// owners of everything else it holds, one job each: its state (ActorState), connections
// (ConnectionTable), queue and run loop (MessageQueue), schedules (Scheduler), sleep
// (SleepController), raw WebSocket handlers (SocketHandlers) and database (ActorDatabase).
// The owners live inside the runtime and take it as a parameter, so an awake actor costs one
// allocation, not eight.
//
// Strand-affine: every member runs on strand() (the Runtime co_spawns onto it). Plain data, no
// locks. Calls interleave only at co_await points, so invariants hold at every suspension:
// "register, then publish".

#include <rivet/common/clock.hpp>
#include <rivet/common/log.hpp>
#include <rivet/common/metrics.hpp>
#include <rivet/core/runtime.hpp>
#include <rivet/core/queue.hpp>
#include <rivet/core/registry.hpp>
#include <rivet/storage/store.hpp>

#include "core/actor/activity_log.hpp"
#include "core/actor/actor_database.hpp"
#include "core/actor/actor_state.hpp"
#include "core/actor/call_frame.hpp"
#include "core/actor/connection_table.hpp"
#include "core/actor/message_queue.hpp"
#include "core/actor/scheduler.hpp"
#include "core/actor/signal.hpp"
#include "core/actor/sleep_controller.hpp"
#include "core/actor/socket_handlers.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::detail {

class RuntimeCore;

enum class RunState : std::uint8_t { Idle, Starting, Running, Stopping, Stopped };

class ActorInstance : public std::enable_shared_from_this<ActorInstance> {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  ActorInstance(RuntimeCore& engine, const ActorDefinition& def, storage::ActorRecord record);
  /// The record is not stored yet; the first commit inserts it (ActorTable::adopt_unborn).
  void mark_unborn() noexcept { state_.mark_unborn(); }

  // -- identity ------------------------------------------------------------------------------
  [[nodiscard]] Strand& strand() noexcept { return strand_; }
  [[nodiscard]] const storage::ActorRecord& record() const noexcept { return record_; }
  /// Deserialized on first use (most actors never ask for their key).
  [[nodiscard]] const protocol::ActorKey& key() const;
  [[nodiscard]] const ActorDefinition& definition() const noexcept { return def_; }
  [[nodiscard]] ActorIdentity identity() const;
  [[nodiscard]] RuntimeCore& runtime() const noexcept { return runtime_; }
  [[nodiscard]] const Clock& clock() const noexcept;
  /// The runtime's logger with this actor's name, key and id (built per use: failures are rare).
  [[nodiscard]] Logger logger() const;
  /// Reports a failure that has no caller to return it to.
  void log_failure(std::string_view what, const Error& error) const;

  // -- lifecycle -----------------------------------------------------------------------------
  [[nodiscard]] RunState run_state() const noexcept { return run_state_; }
  /// Started and not stopping; readable from any thread (a hint: the state may change right
  /// after, and callers then meet actor.stopping and await the stop).
  [[nodiscard]] bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
  [[nodiscard]] bool aborting() const noexcept { return run_state_ != RunState::Running; }
  /// Loads or creates state and runs the start hooks. actor.stopping when the runtime is on its
  /// way out (the caller then awaits its stop and uses a fresh runtime).
  Task<Result<void>> ensure_started();
  /// Persists and stops: onSleep (or onDestroy + data deletion when `destroy`), closes
  /// connections. Idempotent.
  Task<void> stop(bool destroy);

  // -- calls ---------------------------------------------------------------------------------
  Task<Result<Value>> invoke_action(std::shared_ptr<ConnRecord> conn, std::string name, Value args,
                                    const ScheduleRun* schedule = nullptr);
  /// After user code: persist a changed state (running onStateChange for actions), wait until
  /// everything submitted so far is durable, then release the frame's events.
  Task<Result<void>> finish_call(CallFrame& frame, bool is_action);
  /// Commits state and staged writes now and releases the frame's events.
  Task<Result<void>> commit_call(CallFrame& frame) { return finish_call(frame, true); }
  Task<Result<void>> persist_state(bool force);
  /// Commits writes of this actor made outside its state commit (KV, queue messages, destroy)
  /// under its fence. Like a failed state commit, a failure makes the actor reload from storage.
  Task<Result<void>> commit_own(storage::WriteBatch batch);
  /// Work that keeps the actor awake.
  void enter_call() noexcept { sleep_.enter(); }
  void leave_call() { sleep_.leave(*this); }
  void maybe_stop_after_call() { sleep_.maybe_stop_after_call(*this); }
  void request_sleep() noexcept { sleep_.request_sleep(); }
  void request_destroy() noexcept { sleep_.request_destroy(); }
  /// The sleep deadline registered with the sweeper came due (on the strand).
  void on_idle_due() { sleep_.on_idle_due(*this); }
  /// Something that kept the actor awake ended (on the strand): its sleep timeout starts over.
  void note_idle() { sleep_.note_idle(*this); }

  // The user-code boundary (user_code.hpp) with this actor's logger.
  [[nodiscard]] Task<Result<void>> run_user(Task<void> task, const char* what) const;
  [[nodiscard]] Task<Result<Value>> run_user_value(Task<Value> task, const char* what) const;
  [[nodiscard]] Task<Result<Value>> run_user_value_with_timeout(
      Task<Value> task, const char* what, std::chrono::milliseconds timeout) const;
  [[nodiscard]] Task<Result<void>> run_hook(Task<void> task, const char* what,
                                            std::chrono::milliseconds timeout) const;
  [[nodiscard]] Result<Value> run_sync_action(const ActorDefinition::SyncActionFn& fn,
                                              ActorContext& ctx, const Value& args,
                                              const char* what) const;

  // -- the owners ----------------------------------------------------------------------------
  [[nodiscard]] ActorState& state() noexcept { return state_; }
  [[nodiscard]] ConnectionTable& conns() noexcept { return conns_; }
  [[nodiscard]] const ConnectionTable& conns() const noexcept { return conns_; }
  [[nodiscard]] MessageQueue& queue() noexcept { return queue_; }
  [[nodiscard]] Scheduler& scheduler() noexcept { return scheduler_; }
  [[nodiscard]] SocketHandlers& sockets() noexcept { return sockets_; }
  [[nodiscard]] storage::SqlDatabase* database() noexcept { return db_.get(); }
  /// Where this actor's work is counted (its definition's instruments), or null.
  [[nodiscard]] ActorMetrics* metrics() const noexcept { return metrics_; }
  /// What the actor did lately (inspector traces, events, step attempts).
  [[nodiscard]] ActivityLog& activity() const noexcept { return activity_; }
  /// Adds the span of work that began at `start` to the activity log.
  void trace(const SpanStart& start, SpanKind kind, std::string name,
             std::optional<Error> error, std::string detail = {}) const;

  // Shorthands for the owners' calls made from many places.
  Task<Result<std::shared_ptr<ConnRecord>>> open_conn(Value params,
                                                      std::shared_ptr<ConnectionSink> sink,
                                                      bool transient) {
    return conns_.open(*this, std::move(params), std::move(sink), transient);
  }
  Task<void> close_conn(std::shared_ptr<ConnRecord> conn) {
    return conns_.close(*this, std::move(conn));
  }
  [[nodiscard]] void* state_ptr() noexcept { return state_.state_ptr(); }
  [[nodiscard]] void* vars_ptr() noexcept { return state_.vars_ptr(); }
  void stage_write(storage::WriteBatch::Op op) { state_.stage_write(std::move(op)); }
  void stage_alarm(std::int64_t due_ms) { state_.stage_alarm(due_ms); }
  void schedule_flush(const std::shared_ptr<RawSocketState>& socket) {
    sockets_.schedule_flush(*this, socket);
  }

 private:
  Task<Result<void>> start();
  /// From Running to Stopping: callers meet actor.stopping from here on and await the stop.
  void enter_stopping();
  /// The stop sequence after enter_stopping(). An instance whose commit failed runs no user hook
  /// and saves nothing: its memory is ahead of storage, and the next instance reloads.
  Task<void> run_stop(bool destroy, bool was_running);
  /// A commit of this instance failed: keep the error for every later commit, release the
  /// fence behind the batches already queued, and stop (docs/faults.md).
  void on_commit_failed(const Error& error);
  /// Runs the frame's events out to the connections: a broadcast goes to its subscribers.
  void deliver(std::vector<PendingEvent>& events);
  /// The stop sequence for the connections: replies first, then close, then onDisconnect.
  Task<void> close_connections(bool destroy, CallFrame& frame);

  RuntimeCore& runtime_;
  const ActorDefinition& def_;
  storage::ActorRecord record_;
  mutable std::unique_ptr<protocol::ActorKey> key_;
  Strand strand_;
  Signal started_;
  RunState run_state_ = RunState::Idle;
  std::atomic<bool> ready_{false};
  ActorState state_;
  ConnectionTable conns_;
  MessageQueue queue_;
  Scheduler scheduler_;
  SleepController sleep_;
  SocketHandlers sockets_;
  ActorDatabase db_;
  ActorMetrics* metrics_ = nullptr;
  // Mutable: the const user-code wrappers record their spans.
  mutable ActivityLog activity_;
};

}  // namespace rivet::detail

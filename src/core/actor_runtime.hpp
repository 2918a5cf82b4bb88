#pragma once
// One awake actor: its state, vars, connections and the calls running on it.
//
// Strand-affine: every member function below is a coroutine that must run on strand() (the
// Engine co_spawns onto it). Plain data, no locks. Calls interleave only at co_await points, so
// invariants hold at every suspension: "register, then publish".

#include <rivet/core/engine.hpp>
#include <rivet/core/queue.hpp>
#include <rivet/core/registry.hpp>
#include <rivet/storage/sql_database.hpp>
#include <rivet/storage/store.hpp>

#include <rivet/common/clock.hpp>
#include <rivet/common/gate.hpp>
#include <rivet/common/log.hpp>
#include <rivet/common/notifier.hpp>

#include "core/signal.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

namespace rivet::detail {

class EngineCore;
struct RawSocketState;

/// Replies of one held-open connection that have not reached its transport yet. A stop that
/// closes the connection awaits zero first (with a grace), so a reply is never overtaken by the
/// close. Counted on the transport's thread, awaited on the actor's.
struct PendingReplies {
  std::atomic<int> count{0};
  Notifier drained;
};

/// One reply in flight for as long as it lives.
class ReplyInFlight {
 public:
  explicit ReplyInFlight(PendingReplies& replies) : replies_(replies) { ++replies_.count; }
  ReplyInFlight(const ReplyInFlight&) = delete;
  ReplyInFlight& operator=(const ReplyInFlight&) = delete;
  ~ReplyInFlight() {
    if (--replies_.count == 0) {
      replies_.drained.notify_all();
    }
  }

 private:
  PendingReplies& replies_;
};

struct ConnRecord : std::enable_shared_from_this<ConnRecord> {
  std::string id;
  Value params;
  Value state;  // connection state (compat value), null when the actor has none
  std::shared_ptr<ConnectionSink> sink;  // null for transient (HTTP) connections
  std::set<std::string, std::less<>> subscriptions;
  bool transient = false;
  bool disconnected = false;
  /// Held-open connections only (a transient one has no transport to order replies on).
  std::unique_ptr<PendingReplies> replies;
  // -- realtime --
  /// Connection state of a C++ type (ActorDefinition::create_typed_conn_state).
  std::shared_ptr<void> typed_state;
  const std::type_info* typed_state_type = nullptr;
};

struct PendingEvent {
  std::shared_ptr<ConnRecord> target;  // null = broadcast to subscribers
  std::string name;
  Value args;
};

/// Per-call scratch: the calling connection and the events to release once durable.
struct CallFrame {
  std::shared_ptr<ConnRecord> conn;
  std::vector<PendingEvent> events;
  std::optional<Conn> conn_view;
  // -- durable work --
  /// The run loop's frame: received messages stay in flight until completed.
  bool run_loop = false;
  /// Messages received outside the run loop, completed when this call's state commits.
  std::vector<std::uint64_t> auto_completed;
  /// The run loop's message received last and not completed yet.
  std::optional<std::uint64_t> in_flight;
};

/// A stored queue message as the runtime tracks it.
struct StoredMessage {
  std::string name;
  Value body;
  std::int64_t created_at = 0;
  bool in_flight = false;
};

/// A schedule whose action keeps failing is dropped (and logged) after this many attempts.
inline constexpr int kScheduleMaxAttempts = 10;
[[nodiscard]] std::chrono::milliseconds schedule_retry_delay(int attempt);

/// A stored schedule being run: the row to retire, and what to write if the run fails.
struct ScheduleRun {
  Bytes row_key;
  std::string action;
  Value args;
  int attempt = 0;
  // -- cron --
  std::uint64_t nonce = 0;
  std::string cron;  // the job's name for a cron run
  std::int64_t slot = 0;
  std::int64_t started_at = 0;
};

struct ScheduleTable;

enum class RunState { Idle, Starting, Running, Stopping, Stopped };

class ActorRuntime : public std::enable_shared_from_this<ActorRuntime> {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  ActorRuntime(EngineCore& engine, const ActorDefinition& def, storage::ActorRecord record);
  /// The record is not stored yet; the first commit inserts it (EngineCore::adopt_unborn).
  void mark_unborn() noexcept { unborn_ = true; }

  [[nodiscard]] Strand& strand() noexcept { return strand_; }
  [[nodiscard]] const storage::ActorRecord& record() const noexcept { return record_; }
  /// The sleep deadline registered with the engine came due (on the strand).
  void on_idle_due();
  /// Deserialized on first use (most actors never ask for their key).
  [[nodiscard]] const protocol::ActorKey& key() const {
    if (!key_) {
      key_ = std::make_unique<protocol::ActorKey>(protocol::deserialize_key(record_.key));
    }
    return *key_;
  }
  [[nodiscard]] const ActorDefinition& definition() const noexcept { return def_; }
  [[nodiscard]] RunState run_state() const noexcept { return run_state_; }
  /// Started and not stopping; readable from any thread (a hint: the state may change right
  /// after, and callers then meet actor.stopping and retry as usual).
  [[nodiscard]] bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
  [[nodiscard]] ActorIdentity identity() const;

  // -- lifecycle (actor_lifecycle.cpp) -------------------------------------------------------
  /// Loads or creates state and runs the start hooks. Error actor.stopping when the runtime is
  /// on its way out (the Engine then retries with a fresh runtime).
  Task<Result<void>> ensure_started();
  /// Persists and stops: onSleep (or onDestroy + data deletion when `destroy`), closes
  /// connections. Idempotent.
  Task<void> stop(bool destroy);

  // -- calls (actor_runtime.cpp) -------------------------------------------------------------
  Task<Result<Value>> invoke_action(std::shared_ptr<ConnRecord> conn, std::string name, Value args,
                                    const ScheduleRun* schedule = nullptr);

  // -- schedules (schedules.cpp) -------------------------------------------------------------
  /// Queues a schedule row; it commits with the current call's state change. Returns its id.
  std::string add_schedule(std::int64_t due_ms, std::string action, Value args, int attempt);
  /// Runs every stored schedule that is due, then re-arms the engine alarm for the next one.
  Task<void> run_due_schedules();
  /// Pending schedules and cron jobs (schedule_table.hpp), loaded on first use.
  Result<ScheduleTable*> schedule_table();
  /// Arms the engine alarm at `due_ms` once the next commit is durable.
  void stage_alarm(std::int64_t due_ms) { pending_alarms_.push_back(due_ms); }

  // -- connections (connections.cpp) ---------------------------------------------------------
  Task<Result<std::shared_ptr<ConnRecord>>> open_conn(Value params,
                                                      std::shared_ptr<ConnectionSink> sink,
                                                      bool transient);
  Task<void> close_conn(std::shared_ptr<ConnRecord> conn);
  /// Subscribing runs can_subscribe first (auth.forbidden when it says no).
  Task<Result<void>> set_subscription(std::shared_ptr<ConnRecord> conn, std::string event,
                                      bool on);

  // -- realtime (raw_http.cpp, raw_socket.cpp) -----------------------------------------------
  /// Runs on_request as `conn` (transient), with the action timeout; commits like an action.
  Task<Result<RawResponse>> invoke_request(std::shared_ptr<ConnRecord> conn, RawRequest request);
  /// Opens a raw WebSocket: the connect sequence, then the on_websocket handler in the
  /// background (counted by realtime_busy_ until it and its disconnect are done).
  Task<Result<std::shared_ptr<RawSocketState>>> open_socket(Value params, RawRequest request,
                                                           std::shared_ptr<RawSocketSink> sink);
  /// Commits the actor's state, then sends the socket's queued frames in order.
  Task<void> flush_socket(std::shared_ptr<RawSocketState> socket);
  /// Schedules a background flush_socket (one at a time per socket).
  void schedule_flush(const std::shared_ptr<RawSocketState>& socket);
  /// Commits the socket handler's call frame (state and events), then flushes the socket.
  Task<void> commit_socket(std::shared_ptr<RawSocketState> socket);
  /// Stop: waits until raw WebSocket handlers and flushes finished (their sockets are closed by
  /// then); after the hook timeout, handlers still running are cancelled.
  Task<void> wait_realtime_idle();

  // -- queues and the run loop (queues.cpp, run_loop.cpp) -------------------------------------
  /// Stores a message durably and wakes receivers. queue.full beyond max_queue_size.
  Task<Result<std::uint64_t>> push_message(std::string name, Value body,
                                           std::shared_ptr<struct QueueWaiter> waiter);
  /// Takes the oldest matching message for `frame` (run loop: in flight; else auto-completed).
  std::optional<QueueMessage> take(const std::vector<std::string>& names, CallFrame* frame);
  /// Waits until a message may be available, `deadline` passes, or the actor stops.
  Task<void> wait_for_message(Clock::time_point deadline);
  Task<void> complete_message(std::uint64_t id, Value response, CallFrame* frame);
  /// Removes a taken message without resolving its sender (the workflow records it instead).
  void consume_message(std::uint64_t id, CallFrame& frame);
  /// Adds a write to the next commit (workflow history).
  void stage_write(storage::WriteBatch::Op op) { pending_writes_.ops.push_back(std::move(op)); }
  /// Commits state and staged writes now and releases the frame's events.
  Task<Result<void>> commit_call(CallFrame& frame) { return finish_call(frame, true); }
  [[nodiscard]] bool aborting() const noexcept { return run_state_ != RunState::Running; }
  [[nodiscard]] std::size_t queue_size() const noexcept { return queue_.size(); }
  [[nodiscard]] bool declares_queue(std::string_view name) const noexcept;
  [[nodiscard]] storage::SqlDatabase* database() noexcept { return db_.get(); }

  // -- used by ActorContext ------------------------------------------------------------------
  [[nodiscard]] void* state_ptr() noexcept { return state_ ? state_->get() : nullptr; }
  /// An actor without a createVars hook has NoVars: one shared empty object, no box per actor.
  [[nodiscard]] void* vars_ptr() noexcept {
    static NoVars none;
    return vars_ ? vars_->get() : &none;
  }
  void request_sleep() noexcept { sleep_requested_ = true; }
  /// Work that keeps the actor awake (keepAwake / waitUntil).
  void enter_call() noexcept { calls_.enter(); }
  void leave_call();
  [[nodiscard]] EngineCore& engine() noexcept { return engine_; }
  [[nodiscard]] const Clock& clock() const noexcept;
  /// The engine's logger with this actor's name, key and id (built per use: failures are rare).
  [[nodiscard]] Logger logger() const;
  /// Reports a failure that has no caller to return it to.
  void log_failure(std::string_view what, const Error& error) const;
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
  void request_destroy() noexcept { destroy_requested_ = true; }
  [[nodiscard]] std::vector<std::shared_ptr<ConnRecord>> connections() const;

 private:
  friend class EngineCore;

  /// After user code: persist a changed state (running onStateChange for actions), wait until
  /// everything submitted so far is durable, then release the frame's events.
  Task<Result<void>> finish_call(CallFrame& frame, bool is_action);
  Task<Result<void>> persist_state(bool force);
  Task<Result<void>> start();
  Task<void> wait_until_idle();
  [[nodiscard]] bool is_idle() const noexcept;
  /// Moves the sleep deadline when nothing keeps the actor awake (EngineCore::watch_idle).
  void note_idle();
  void deliver(std::vector<PendingEvent>& events);
  /// Starts sleep/destroy requested by user code once the current call is done.
  void maybe_stop_after_call();
  /// Deletes a schedule row that ran; on failure also writes its retry (same commit as state).
  void retire_schedule(const ScheduleRun& run, const Result<Value>& outcome);

  EngineCore& engine_;
  const ActorDefinition& def_;
  storage::ActorRecord record_;
  mutable std::unique_ptr<protocol::ActorKey> key_;
  Strand strand_;

  RunState run_state_ = RunState::Idle;
  std::atomic<bool> ready_{false};
  Signal started_signal_;

  std::unique_ptr<AnyBox> state_;
  std::unique_ptr<AnyBox> vars_;
  // The state bytes last handed to storage, to skip unchanged states. A string, not Bytes: its
  // small-buffer keeps a small state (most of them) inside the runtime, with no allocation.
  std::string last_submitted_state_;
  [[nodiscard]] bool same_as_submitted(const Bytes& snapshot) const noexcept;
  std::uint64_t submitted_seq_ = 0;
  std::uint64_t durable_seq_ = 0;
  // Writes other than state that ride with the next commit (schedules), and the alarms to arm
  // once that commit is durable.
  storage::WriteBatch pending_writes_;
  std::vector<std::int64_t> pending_alarms_;
  // -- durable work --
  Result<void> load_queue();
  void notify_completed(const std::vector<std::uint64_t>& ids);
  void requeue_in_flight();
  static Task<void> run_loop(std::shared_ptr<ActorRuntime> self);
  std::map<std::uint64_t, StoredMessage> queue_;
  std::unique_ptr<storage::SqlDatabase> db_;
  [[nodiscard]] std::string database_path() const;
  Task<Result<void>> open_database(ActorContext& ctx);
  Gate run_loop_;  // the run handler, while it runs
  std::uint64_t next_message_id_ = 1;
  Signal queue_signal_;
  std::shared_ptr<ScheduleTable> schedule_table_;

  std::map<std::string, std::shared_ptr<ConnRecord>, std::less<>> conns_;
  Gate calls_;  // calls and background work that keep the actor awake
  Clock::time_point idle_deadline_{};
  bool idle_watched_ = false;  // an entry in the engine's idle sweeper is pending
  bool sleep_requested_ = false;
  bool destroy_requested_ = false;
  bool stop_scheduled_ = false;
  // Flags of the durable-work and storage paths, kept together with the ones above so the
  // object has no padding holes (it is allocated once per awake actor).
  bool schedules_running_ = false;
  bool unborn_ = false;
  bool schedules_rerun_ = false;

  // -- realtime --
  static Task<void> run_socket(std::shared_ptr<ActorRuntime> self,
                               std::shared_ptr<RawSocketState> socket);
  static Task<void> flush_in_background(std::shared_ptr<ActorRuntime> self,
                                        std::shared_ptr<RawSocketState> socket);
  Gate realtime_;  // raw WebSocket handlers and their flushes
  Signal realtime_abort_{strand_};
};

}  // namespace rivet::detail

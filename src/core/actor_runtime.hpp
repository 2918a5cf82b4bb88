#pragma once
// One awake actor: its state, vars, connections and the calls running on it.
//
// Strand-affine: every member function below is a coroutine that must run on strand() (the
// Engine co_spawns onto it). Plain data, no locks. Calls interleave only at co_await points, so
// invariants hold at every suspension: "register, then publish".

#include <rivet/core/engine.hpp>
#include <rivet/core/registry.hpp>
#include <rivet/storage/store.hpp>

#include "core/signal.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rivet::detail {

class EngineCore;

struct ConnRecord : std::enable_shared_from_this<ConnRecord> {
  std::string id;
  Value params;
  Value state;  // connection state (compat value), null when the actor has none
  std::shared_ptr<ConnectionSink> sink;  // null for transient (HTTP) connections
  std::set<std::string, std::less<>> subscriptions;
  bool transient = false;
  bool disconnected = false;
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
};

enum class RunState { Idle, Starting, Running, Stopping, Stopped };

class ActorRuntime : public std::enable_shared_from_this<ActorRuntime> {
 public:
  using Strand = boost::asio::strand<boost::asio::any_io_executor>;

  ActorRuntime(EngineCore& engine, const ActorDefinition& def, storage::ActorRecord record);

  [[nodiscard]] Strand& strand() noexcept { return strand_; }
  [[nodiscard]] const storage::ActorRecord& record() const noexcept { return record_; }
  [[nodiscard]] const protocol::ActorKey& key() const noexcept { return key_; }
  [[nodiscard]] const ActorDefinition& definition() const noexcept { return def_; }
  [[nodiscard]] RunState run_state() const noexcept { return run_state_; }
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
  /// Queues a schedule row; it commits with the current call's state change.
  void add_schedule(std::int64_t due_ms, std::string action, Value args, int attempt);
  /// Runs every stored schedule that is due, then re-arms the engine alarm for the next one.
  Task<void> run_due_schedules();

  // -- connections (connections.cpp) ---------------------------------------------------------
  Task<Result<std::shared_ptr<ConnRecord>>> open_conn(Value params,
                                                      std::shared_ptr<ConnectionSink> sink,
                                                      bool transient);
  Task<void> close_conn(std::shared_ptr<ConnRecord> conn);
  Task<void> set_subscription(std::shared_ptr<ConnRecord> conn, std::string event, bool on);

  // -- used by ActorContext ------------------------------------------------------------------
  [[nodiscard]] void* state_ptr() noexcept { return state_ ? state_->get() : nullptr; }
  [[nodiscard]] void* vars_ptr() noexcept { return vars_ ? vars_->get() : nullptr; }
  void request_sleep() noexcept { sleep_requested_ = true; }
  /// Work that keeps the actor awake (keepAwake / waitUntil).
  void enter_call() noexcept { ++running_calls_; }
  void leave_call();
  [[nodiscard]] EngineCore& engine() noexcept { return engine_; }
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
  /// Re-arms the sleep timer when nothing keeps the actor awake.
  void note_idle();
  static Task<void> watch_idle(std::shared_ptr<ActorRuntime> self);
  void deliver(std::vector<PendingEvent>& events);
  /// Starts sleep/destroy requested by user code once the current call is done.
  void maybe_stop_after_call();
  /// Deletes a schedule row that ran; on failure also writes its retry (same commit as state).
  void retire_schedule(const ScheduleRun& run, bool succeeded);

  EngineCore& engine_;
  const ActorDefinition& def_;
  storage::ActorRecord record_;
  protocol::ActorKey key_;
  Strand strand_;

  RunState run_state_ = RunState::Idle;
  Signal started_signal_;
  std::optional<Error> start_error_;

  std::unique_ptr<AnyBox> state_;
  std::unique_ptr<AnyBox> vars_;
  Bytes last_submitted_state_;
  std::uint64_t submitted_seq_ = 0;
  std::uint64_t durable_seq_ = 0;
  // Writes other than state that ride with the next commit (schedules), and the alarms to arm
  // once that commit is durable.
  storage::WriteBatch pending_writes_;
  std::vector<std::int64_t> pending_alarms_;
  bool schedules_running_ = false;
  bool schedules_rerun_ = false;

  std::map<std::string, std::shared_ptr<ConnRecord>, std::less<>> conns_;
  std::size_t running_calls_ = 0;
  Signal idle_signal_;
  std::optional<boost::asio::steady_timer> idle_timer_;
  bool sleep_requested_ = false;
  bool destroy_requested_ = false;
  bool stop_scheduled_ = false;
};

}  // namespace rivet::detail

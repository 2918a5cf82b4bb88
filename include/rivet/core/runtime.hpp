#pragma once
/// The embedded engine: resolves, creates and destroys actors, and carries client work (actions,
/// connections, events) to them. It knows nothing of HTTP; the server turns requests and frames
/// into these calls, and receives events through ConnectionSink.
///
/// Thread-safety: all methods are thread-safe. Coroutines resume on the caller's executor.
/// Lifetime: the Store and Registry must outlive the Runtime; call stop() before destroying it.

#include <rivet/common/clock.hpp>
#include <rivet/common/error.hpp>
#include <rivet/common/log.hpp>
#include <rivet/common/metrics.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/connection_sink.hpp>
#include <rivet/core/event_publisher.hpp>
#include <rivet/core/host.hpp>
#include <rivet/core/inspector.hpp>
#include <rivet/core/raw_http.hpp>
#include <rivet/core/raw_socket.hpp>
#include <rivet/core/registry.hpp>
#include <rivet/core/task.hpp>
#include <rivet/protocol/keys.hpp>
#include <rivet/storage/store.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet {

class ActorCalls;

/// A client connection held open against one actor (WebSocket /connect).
/// Thread-safe; the handle keeps the connection registered until disconnect() or destruction.
class ConnectionHandle {
 public:
  virtual ~ConnectionHandle() = default;
  [[nodiscard]] virtual const std::string& id() const noexcept = 0;
  [[nodiscard]] virtual const std::string& actor_id() const noexcept = 0;
  /// Runs an action as this connection. Events it causes are delivered to sinks before it returns.
  [[nodiscard]] virtual Task<Result<Value>> call(std::string action, Value args) = 0;
  /// Adds or removes a subscription. A subscribe the actor's can_subscribe denies fails with
  /// auth.forbidden (or the hook's error) and changes nothing.
  [[nodiscard]] virtual Task<Result<void>> subscribe(std::string event, bool subscribe) = 0;
  /// Runs onDisconnect once; later calls are no-ops.
  virtual Task<void> disconnect() = 0;
};

struct RuntimeOptions {
  /// Namespace name answered by the management API.
  std::string namespace_name = "default";
  std::string version = "0.1.0";
  /// Directory for per-actor files (SQLite databases live in <data_dir>/actors/).
  std::string data_dir = ".";
  /// Time for every deadline, timestamp and schedule (tests pass a ManualClock).
  std::shared_ptr<Clock> clock = Clock::system();
  /// Where the runtime's records go (user-code failures with the actor's name, key and id).
  Logger logger = Logger::global();
  /// How a broadcast reaches its connections (one call per event with every subscribed sink).
  /// Null: SequentialEventPublisher. A transport that batches its sends supplies its own.
  std::shared_ptr<EventPublisher> publisher;
  /// Who keeps alarms (host.hpp). Null: the runtime's own alarm service.
  std::shared_ptr<AlarmScheduler> alarms;
  /// Told when actors start and stop (host.hpp). Null: nobody.
  std::shared_ptr<ActorObserver> observer;
  /// How c.client() reaches other actors (actor_calls.hpp). Null: in process.
  std::shared_ptr<ActorCalls> actor_calls;
  /// Where the runtime counts actor wakes and sleeps, actions, connections, events, queue and
  /// schedule work (one ActorMetrics per definition). Null: nothing is counted.
  std::shared_ptr<Metrics> metrics;
  /// Tests only: faults injected into the actors' own SQLite files (c.db(); see
  /// rivet/storage/fault_plan.hpp). The node's store takes its plan in StoreOptions. Null: none.
  std::shared_ptr<storage::FaultPlan> database_faults;
};

struct CreateRequest {
  std::string name;
  std::optional<protocol::ActorKey> key;  // nullopt = no key (create only)
  std::optional<Value> input;             // compat value
  std::string crash_policy = "sleep";
};

struct GetOrCreateResult {
  storage::ActorRecord actor;
  bool created = false;
};

/// Identity of an actor as sent to clients (x-rivet-actor headers, Error.actor).
struct ActorIdentity {
  std::string actor_id;
  std::uint64_t generation = 1;
  std::string key;  // serialized
  std::string name;
};

class Runtime {
 public:
  /// `executor` runs the actors' strands (an io_context with N threads).
  Runtime(boost::asio::any_io_executor executor, const Registry& registry, storage::Store& store,
         RuntimeOptions options = {});
  /// Actors are spread over `executors` (not empty, each an io_context's executor), typically one
  /// single-threaded io_context per core: an actor's strand always runs on executor_for(its id).
  Runtime(std::vector<boost::asio::any_io_executor> executors, const Registry& registry,
         storage::Store& store, RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  [[nodiscard]] const RuntimeOptions& options() const noexcept;
  /// The executor that runs `actor_id`'s strand. A transport whose socket lives on the same
  /// execution context reaches the actor without a thread hop.
  [[nodiscard]] boost::asio::any_io_executor executor_for(std::string_view actor_id) const;
  [[nodiscard]] const Registry& registry() const noexcept;

  // -- resolution (management API and gateway) ----------------------------------------------
  /// actor.not_found when `name` is not registered ("no actor definition").
  [[nodiscard]] Task<Result<storage::ActorRecord>> create(CreateRequest request);
  [[nodiscard]] Task<Result<GetOrCreateResult>> get_or_create(CreateRequest request);
  /// get_or_create followed by ensure_ready, for a caller that is about to use the actor (the
  /// gateway). A new actor's record is written in the same durable commit as its initial state,
  /// once its start sequence ran, so creating and starting it costs one commit, not two.
  [[nodiscard]] Task<Result<ActorIdentity>> get_or_create_ready(CreateRequest request);
  [[nodiscard]] Task<Result<std::optional<storage::ActorRecord>>> find_by_key(
      std::string name, protocol::ActorKey key);
  /// Includes destroyed actors (with destroy_ts set).
  [[nodiscard]] Task<Result<std::optional<storage::ActorRecord>>> find_by_id(std::string actor_id);
  [[nodiscard]] Task<Result<std::vector<storage::ActorRecord>>> list(
      std::optional<std::string> name, std::size_t limit, std::optional<std::int64_t> cursor);
  /// Destroys the actor (runs onDestroy, deletes its data). actor.not_found if unknown.
  [[nodiscard]] Task<Result<void>> destroy(std::string actor_id);

  /// Wakes the actor if needed and returns its identity; actor.not_found if unknown/destroyed.
  [[nodiscard]] Task<Result<ActorIdentity>> ensure_ready(std::string actor_id);

  // -- client work ----------------------------------------------------------------------------
  /// A stateless call: runs the connect sequence with `params` around the action.
  [[nodiscard]] Task<Result<Value>> call_action(std::string actor_id, Value params,
                                                std::string action, Value args);
  /// Opens a connection (onBeforeConnect, createConnState, onConnect). Errors are the hooks'.
  [[nodiscard]] Task<Result<std::shared_ptr<ConnectionHandle>>> connect(
      std::string actor_id, Value params, std::shared_ptr<ConnectionSink> sink);

  // -- durable work --
  struct QueueSendResult {
    std::string status;  // "completed" | "timedOut"
    std::optional<Value> response;
  };
  /// A client's queue send (POST /queue/{name}): runs the connect sequence with `params`,
  /// enqueues durably, and with `wait` waits up to `timeout` for the message's completion.
  /// Undeclared queue names complete at once without enqueuing (as upstream).
  [[nodiscard]] Task<Result<QueueSendResult>> send_queue(
      std::string actor_id, Value params, std::string name, Value body, bool wait,
      std::optional<std::chrono::milliseconds> timeout);

  /// Per-actor limits the transport enforces (message sizes).
  [[nodiscard]] const ActorOptions* options_for(std::string_view actor_name) const noexcept;

  // -- realtime --
  /// Raw HTTP (`/request/...`): runs the connect sequence with `params`, then the actor's
  /// on_request with the action timeout, then disconnects. 404 with an empty body when the actor
  /// has no on_request. Errors are the hooks' or the handler's (actor.action_timed_out).
  [[nodiscard]] Task<Result<RawResponse>> handle_request(std::string actor_id, Value params,
                                                         RawRequest request);
  /// Raw WebSocket (`/websocket/...`): runs the connect sequence with `params` and starts the
  /// actor's on_websocket handler; frames the actor sends go to `sink`. Fails with
  /// actor.websocket_not_supported when the actor has no on_websocket, else with the hooks' error.
  [[nodiscard]] Task<Result<std::shared_ptr<RawSocketHandle>>> open_websocket(
      std::string actor_id, Value params, RawRequest request, std::shared_ptr<RawSocketSink> sink);

  // -- lifecycle commands from a host (host.hpp) -----------------------------------------------
  /// Puts the actor to sleep if it is awake (onSleep, final save, connections closed). Returns
  /// once it stopped; a no-op for an actor that is not awake.
  [[nodiscard]] Task<Result<void>> sleep(std::string actor_id);
  /// A host's request to the actor is in flight and its answer awaited (engine mode: the
  /// engine's gateway ends a request whose actor stops, and sends it again). While one is held
  /// the actor does not fall asleep for being idle, and its sleep timeout starts over when the
  /// last one is released. Counted per actor id, awake or not; c.sleep(), destroy and sleep()
  /// are not held back. Each hold_awake needs one release_awake.
  void hold_awake(std::string_view actor_id);
  void release_awake(std::string_view actor_id);
  /// An alarm set through AlarmScheduler came due: wakes the actor if needed and runs whatever
  /// is due. When a pass over the actor's schedules is already running, that pass runs it and
  /// this returns at once. actor.not_found when the actor no longer exists.
  [[nodiscard]] Task<Result<void>> run_alarm(std::string actor_id);

  // -- inspection (inspector.hpp) --------------------------------------------------------------
  /// Answers `query` about the actor, waking it when it sleeps. actor.not_found if unknown or
  /// destroyed; the query's own errors as inspector.hpp lists them.
  [[nodiscard]] Task<Result<Value>> inspect(std::string actor_id, inspect::Query query);
  /// Whether the actor is awake right now (a hint: it may fall asleep the moment after).
  [[nodiscard]] bool is_awake(std::string_view actor_id) const;
  /// The ids of the awake actors (a snapshot).
  [[nodiscard]] std::vector<std::string> awake_actor_ids() const;

  /// Sleeps every awake actor (persisting state) and stops accepting work. Idempotent.
  Task<void> stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace rivet

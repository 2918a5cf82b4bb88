#pragma once
/// Testing actors without a server: a registry running on in-memory storage and a manual clock,
/// driven from the test's thread. Call actions, open connections and read the events they get,
/// advance time to fire schedules and idle sleep, and restart the runtime to check that state
/// survives (the memory store keeps its rows across a restart, and actors' SQLite databases live
/// in a temporary directory of the runtime's own). docs/testing.md shows it in use.
///
///   rivet::testing::TestRuntime t(registry);
///   auto id = t.create("counter", {"a"});
///   EXPECT_EQ(t.call<int>(id, "increment", 5), 5);
///   auto conn = t.connect(id);
///   conn->subscribe("newCount");
///   t.call(id, "increment", 1);
///   EXPECT_EQ(conn->events().back().args, rivet::Value::array({6}));
///   t.advance(std::chrono::minutes(1));   // schedules due by then run, idle actors sleep
///   t.restart();                          // a fresh runtime on the same rows
///
/// Every blocking call waits for the work it started, so tests need no sleeps. Errors from
/// actors come back as rivet::ErrorException (call) or as Result (try_call).
///
/// Thread-safety: use a TestRuntime from one thread (the test's). Lifetime: the Registry must
/// outlive it.

#include <rivet/common/action.hpp>
#include <rivet/common/clock.hpp>
#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/registry.hpp>
#include <rivet/core/runtime.hpp>
#include <rivet/protocol/keys.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rivet::testing {

struct ReceivedEvent {
  std::string name;
  Value args;  // an array
};

/// A connection held open by the test; it records what the actor sends it.
class TestConnection {
 public:
  virtual ~TestConnection() = default;
  [[nodiscard]] virtual const std::string& id() const = 0;
  /// Runs an action as this connection (its connection state and params apply).
  virtual Value call_values(std::string action, Value args) = 0;
  template <class R = Value, class... A>
  R call(std::string action, const A&... args) {
    Value out = call_values(std::move(action), Value::array({to_value(args)...}));
    if constexpr (std::is_same_v<R, Value>) {
      return out;
    } else {
      return from_value<R>(out);
    }
  }
  /// A typed call (rivet/common/action.hpp) as this connection.
  template <class R, class... A>
  R call(const Action<R(A...)>& action, const std::type_identity_t<A>&... args) {
    Value out = call_values(std::string(action.name()), Action<R(A...)>::arguments(args...));
    return typed_result<R>(std::move(out)).value();
  }
  /// Subscribes to (or with `on` false, unsubscribes from) an event; throws when the actor's
  /// can_subscribe says no.
  virtual void subscribe(std::string event, bool on = true) = 0;
  /// Events received so far, in order.
  [[nodiscard]] virtual std::vector<ReceivedEvent> events() const = 0;
  /// Whether the actor closed the connection, and why ("group.code" or the actor's reason).
  [[nodiscard]] virtual std::optional<std::string> closed() const = 0;
  /// Runs onDisconnect.
  virtual void disconnect() = 0;
};

class TestRuntime {
 public:
  explicit TestRuntime(const Registry& registry);
  ~TestRuntime();
  TestRuntime(const TestRuntime&) = delete;
  TestRuntime& operator=(const TestRuntime&) = delete;

  /// Creates (or finds) the actor `name[key]` with `input`, and returns its id.
  std::string create(const std::string& name, protocol::ActorKey key = {},
                     std::optional<Value> input = std::nullopt);

  /// Calls an action statelessly (as an HTTP client does); throws ErrorException on failure.
  template <class R = Value, class... A>
  R call(const std::string& actor_id, std::string action, const A&... args) {
    auto out = try_call(actor_id, std::move(action), Value::array({to_value(args)...}));
    if (!out) {
      throw ErrorException(out.error());
    }
    if constexpr (std::is_same_v<R, Value>) {
      return *out;
    } else {
      return from_value<R>(*out);
    }
  }
  /// A typed call (rivet/common/action.hpp): the declared arguments, the declared result.
  template <class R, class... A>
  R call(const std::string& actor_id, const Action<R(A...)>& action,
         const std::type_identity_t<A>&... args) {
    return typed_result<R>(try_call(actor_id, std::string(action.name()),
                                    Action<R(A...)>::arguments(args...)))
        .value();
  }
  Result<Value> try_call(const std::string& actor_id, std::string action, Value args,
                         Value params = nullptr);

  /// Sends to the actor's queue like a client's send without wait: returns once the message is
  /// stored; throws ErrorException when it is refused (queue.full, ...).
  Runtime::QueueSendResult send(const std::string& actor_id, std::string queue, Value body);

  /// Opens a connection with `params` (onBeforeConnect, createConnState, onConnect).
  std::shared_ptr<TestConnection> connect(const std::string& actor_id, Value params = nullptr);

  /// Moves the clock forward in 16 slices, letting the runtime settle after each, so that
  /// schedules, cron runs, workflow sleeps and idle sleep due by then run, and timers that work
  /// sets along the way fire too (a deadline lands within one slice). Returns once the runtime
  /// is quiet (no commit in flight, and none landed for a few turns of its thread).
  void advance(Clock::duration by);
  /// Waits until the runtime is quiet (as after advance), without moving the clock.
  void settle();
  /// Puts the actor to sleep now (onSleep, final save).
  void sleep(const std::string& actor_id);
  [[nodiscard]] bool is_awake(const std::string& actor_id) const;
  /// Stops the runtime (every actor sleeps, state saved) and starts a fresh one on the same
  /// rows: what a process restart looks like to actors.
  void restart();

  [[nodiscard]] Runtime& runtime();
  [[nodiscard]] ManualClock& clock();
  /// Where actors' own files live (`<data_dir>/actors/<id>.sqlite` for database actors): a fresh
  /// temporary directory that survives restart() and is deleted with the TestRuntime.
  [[nodiscard]] const std::string& data_dir() const;

  struct Impl;  // the implementation's (public only so that its connections can name it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rivet::testing

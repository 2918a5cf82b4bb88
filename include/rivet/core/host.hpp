#pragma once
/// The runtime's seam toward the host that runs it: the embedded server today, an envoy of the
/// Rivet Engine tomorrow. Actor code never sees which one it is.
///
/// Inbound, a host drives actors through Runtime: client work (call_action, connect, send_queue,
/// handle_request, open_websocket) and lifecycle commands (ensure_ready starts an actor, sleep,
/// destroy, run_alarm). Outbound, the runtime reaches the host through ConnectionSink and
/// RawSocketSink (one connection's traffic), EventPublisher (broadcasts), and the two interfaces
/// below. Each is optional in RuntimeOptions: left null, the embedded behaviour applies.
///
/// Thread-safety: implementations are called from actor strands on any thread and must not
/// block or call back into the same actor synchronously.

#include <cstdint>
#include <string>

namespace rivet {

struct ActorIdentity;

/// Who keeps the actors' alarms (schedules, cron, workflow sleeps). The embedded runtime keeps
/// them itself (one timer for the node, reloaded from storage at start); an engine host hands
/// them to the runtime, which wakes the actor wherever it runs.
class AlarmScheduler {
 public:
  virtual ~AlarmScheduler() = default;
  /// Wake `actor_id` at or after `due_ms` (wall clock, ms since the epoch) by calling
  /// Runtime::run_alarm. Duplicates are harmless: a woken actor runs whatever is due then.
  virtual void set_alarm(const std::string& actor_id, std::int64_t due_ms) = 0;
};

/// Told when an actor starts and stops, so a host can report it (an engine host acknowledges
/// its commands with these).
class ActorObserver {
 public:
  virtual ~ActorObserver() = default;
  /// The actor's start sequence succeeded (on its strand).
  virtual void actor_started(const ActorIdentity& actor) = 0;
  /// The actor stopped after its final commit (sleep, or destroy when `destroyed`).
  virtual void actor_stopped(const ActorIdentity& actor, bool destroyed) = 0;
};

}  // namespace rivet

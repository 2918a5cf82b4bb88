#pragma once
/// The node's metrics, exposed in Prometheus text format (GET /metrics). One Metrics per server,
/// handed to the store (StoreOptions::metrics) and the runtime (RuntimeOptions::metrics); either
/// may be null, and then nothing is counted.
///
/// Thread-safety: every method may be called from any thread. Updates are lock-free once an
/// instrument exists; the first update of a new label set takes a lock.
/// Lifetime: references returned by actor() stay valid for the Metrics' lifetime.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rivet {

/// The instruments of one actor definition (label `actor` = the definition's name).
class ActorMetrics {
 public:
  virtual ~ActorMetrics() = default;
  /// An actor of this definition started (woke, or started for the first time) / stopped.
  virtual void woke() = 0;
  virtual void slept() = 0;
  /// An action finished: `ok` false when it failed (any error). Seconds from dispatch to result.
  virtual void action(std::string_view action, bool ok, double seconds) = 0;
  /// Connections (WebSocket /connect) of this definition: +1 on open, -1 on close.
  virtual void connections(std::int64_t delta) = 0;
  /// Event frames handed to connections (one per receiving connection).
  virtual void events_sent(std::uint64_t n) = 0;
  /// Messages waiting in awake actors' queues: the actor reports changes of its own depth.
  virtual void queue_depth(std::int64_t delta) = 0;
  /// A queue message was completed (acknowledged) by the actor.
  virtual void queue_processed() = 0;
  /// A scheduled run (after/at, cron, workflow alarm) finished; `ok` false when it threw.
  virtual void schedule_run(bool ok) = 0;
  /// A failed scheduled run was kept for another attempt.
  virtual void schedule_retry() = 0;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// The instruments of actor definition `name`, created on first use (a lock and allocations);
  /// later calls take a shared lock and a lookup, so hot paths keep the reference.
  [[nodiscard]] ActorMetrics& actor(std::string_view name);
  /// The current value of rivet_actors_awake{actor=name} (0 for a name never seen).
  [[nodiscard]] std::int64_t actors_awake(std::string_view name) const;

  /// One group commit: its duration, the caller batches and the rows (ops) it carried.
  void storage_commit(double seconds, std::uint64_t batches, std::uint64_t rows);
  /// One fsync of a database file (SQLite's xSync).
  void storage_fsync(double seconds);

  /// Sets the number of live actors of `name` that are not awake (computed at scrape time).
  void set_actors_asleep(std::string_view name, std::int64_t value);

  /// Called at the start of every serialize(), to refresh values computed on demand. A
  /// collector may update metrics but must not call on_collect() or serialize().
  void on_collect(std::function<void(Metrics&)> collector);

  /// Every metric in the Prometheus text exposition format (version 0.0.4).
  [[nodiscard]] std::string serialize();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rivet

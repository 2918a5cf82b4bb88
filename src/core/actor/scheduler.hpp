#pragma once
// An actor's schedules (schedule.after/at and cron jobs): the table of pending rows, loaded on
// first use, and the runner that executes the due ones as actions. Runs are retired in the same
// commit as their state change; a failing run is retried with backoff, then dropped and logged.
//
// Strand-affine: every member runs on the actor's strand. Members take the actor they belong to
// (the scheduler keeps no pointer back to it: it lives inside it).

#include <rivet/common/error.hpp>
#include <rivet/common/task.hpp>
#include <rivet/common/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace rivet::detail {

class ActorInstance;
struct ScheduleTable;

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

class Scheduler {
 public:
  /// Pending schedules and cron jobs (schedule_table.hpp), loaded on first use.
  [[nodiscard]] Result<ScheduleTable*> table(ActorInstance& rt);
  /// Queues a schedule row in `table`; it commits with the current call's state change.
  /// Returns its id.
  std::string add(ActorInstance& rt, ScheduleTable& table, std::int64_t due_ms, std::string action,
                  Value args, int attempt);
  /// Runs every stored schedule that is due, then re-arms the alarm for the next one.
  Task<void> run_due(ActorInstance& rt);
  /// Deletes a row that ran; on failure also writes its retry (same commit as the state).
  void retire(ActorInstance& rt, const ScheduleRun& run, const Result<Value>& outcome);

 private:
  std::shared_ptr<ScheduleTable> table_;
  bool running_ = false;
  bool rerun_ = false;  // an alarm came while running: run again before stopping
};

}  // namespace rivet::detail

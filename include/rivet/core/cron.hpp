#pragma once
/// Recurring jobs on the actor itself (c.cron()): calendar expressions and fixed intervals.
///
/// A job is stored with the calling action's state change, so it exists once that action has
/// replied. Its runs have the guarantees of one-shot schedules (schedule.hpp): never early, wake a
/// sleeping actor, survive restarts, at least once, gone when the actor is destroyed. Runs due
/// while the actor's server was down are caught up with ONE run, then the cadence continues.
/// Details and limits: docs/actors.md, "Cron jobs". Strand-affine, like the context.
///
/// Invalid input throws ErrorException (group "schedule"), and nothing is stored.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet {

namespace detail {
class ActorInstance;
}

inline constexpr std::size_t kCronMaxNameSize = 256;
inline constexpr std::chrono::milliseconds kCronMinInterval{5'000};
inline constexpr std::chrono::milliseconds kCronMaxInterval{366LL * 24 * 3'600'000};
inline constexpr int kCronDefaultMaxHistory = 100;
inline constexpr int kCronMaxHistory = 1'000;
/// Sum of max_history over an actor's jobs.
inline constexpr int kCronMaxHistoryPerActor = 10'000;
inline constexpr std::size_t kCronMaxJobs = 1'000;

/// cron.set: a five-field expression (minute hour day-of-month month day-of-week) in `timezone`.
struct CronSpec {
  std::string name;
  std::string expression;
  std::string action;
  Value args = Value::array();  ///< the action's arguments, a list of values
  std::string timezone = "UTC";
  int max_history = kCronDefaultMaxHistory;  ///< 0 disables and clears history
};

/// cron.every: runs every `interval`, anchored to deadlines (a slow run does not shift later ones).
struct EverySpec {
  std::string name;
  std::chrono::milliseconds interval{0};
  std::string action;
  Value args = Value::array();
  int max_history = kCronDefaultMaxHistory;
};

/// A stored job as cron.get / cron.list return it. Times are ms since the Unix epoch.
struct CronJob {
  std::string name;
  std::string kind;  ///< "cron" or "every"
  std::string expression;  ///< cron only
  std::string timezone;    ///< cron only
  std::int64_t interval_ms = 0;  ///< every only
  std::string action;
  Value args = Value::array();
  int max_history = kCronDefaultMaxHistory;
  std::int64_t next_run_at = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> last_run_at;
  std::optional<std::string> last_result;  ///< "ok" or "error"
};

/// One run of a job, newest first in cron.history.
struct CronRun {
  std::int64_t scheduled_at = 0;  ///< the slot this run served
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
  std::string result;  ///< "ok" or "error"
  std::optional<Error> error;
  int attempt = 0;  ///< 0 for the first try of a slot, n for its n-th retry
};

/// From the options object of the TypeScript API, so an action can take the spec as its argument:
/// {name, expression, action, args?, timezone?, maxHistory?} and {name, interval, action, args?,
/// maxHistory?}. Missing or mistyped fields throw (the caller sees an invalid-argument error).
void from_json(const nlohmann::json& j, CronSpec& spec);
void from_json(const nlohmann::json& j, EverySpec& spec);
void to_json(nlohmann::json& j, const CronJob& job);
void to_json(nlohmann::json& j, const CronRun& run);

class Cron {
 public:
  explicit Cron(detail::ActorInstance& rt) noexcept : rt_(&rt) {}

  /// Creates or updates the job `spec.name`. A changed expression or time zone (or a change of
  /// kind) computes a new next run; changing only action, args or history keeps the pending one.
  CronJob set(CronSpec spec);
  /// Creates or updates a fixed-interval job; the first run is `interval` from now, and a changed
  /// interval restarts the cadence from now.
  CronJob every(EverySpec spec);
  [[nodiscard]] std::optional<CronJob> get(std::string_view name);
  /// Every job, by name.
  [[nodiscard]] std::vector<CronJob> list();
  /// Deletes the job, its pending run and its history; false when there was none.
  bool del(std::string_view name);
  /// The job's most recent runs, newest first, at most `limit` (and at most its max_history).
  [[nodiscard]] std::vector<CronRun> history(std::string_view name,
                                             std::size_t limit = kCronMaxHistory);

 private:
  detail::ActorInstance* rt_;
};

}  // namespace rivet

#pragma once
// Alarms in engine mode (spec §7.3, EventActorSetAlarm): the runtime's schedules, cron jobs and
// workflow sleeps ask for a wake-up here. The earliest one per actor goes to the engine, which
// starts the actor at that time if it sleeps; while the actor is awake here, a local timer runs
// it. The runtime re-arms the next due alarm after each run (Scheduler::run_due), so only the
// earliest needs keeping.
//
// Thread-safety: set_alarm may be called from any thread (actor strands); state behind a mutex.
// Lifetime: stop() before the runtime stops; it cancels the timers.

#include "server/envoy/engine_link.hpp"

#include <rivet/common/task_group.hpp>
#include <rivet/core/host.hpp>
#include <rivet/core/runtime.hpp>

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace rivet::server::envoy {

class EnvoyAlarms final : public AlarmScheduler {
 public:
  /// `generation_of` gives the generation of an actor hosted here (nullopt otherwise).
  using GenerationOf = std::function<std::optional<std::uint32_t>(const std::string&)>;

  EnvoyAlarms(TaskGroup& tasks, Logger logger) : tasks_(tasks), logger_(std::move(logger)) {}
  /// Set once, before the runtime can set an alarm.
  void attach(Runtime& runtime, std::shared_ptr<EngineLink> link, GenerationOf generation_of);

  void set_alarm(const std::string& actor_id, std::int64_t due_ms) override;
  /// The actor stopped here: its local timer goes (the engine's alarm stays).
  void actor_left(const std::string& actor_id);
  void stop();

 private:
  struct Armed {
    std::int64_t due_ms = 0;
    std::shared_ptr<boost::asio::steady_timer> timer;
  };
  static Task<void> fire(EnvoyAlarms* self, std::string actor_id, std::int64_t due_ms,
                         std::shared_ptr<boost::asio::steady_timer> timer);

  TaskGroup& tasks_;
  Logger logger_;
  Runtime* runtime_ = nullptr;
  std::shared_ptr<EngineLink> link_;
  GenerationOf generation_of_;
  std::mutex mutex_;
  std::map<std::string, Armed, std::less<>> armed_;
  bool stopped_ = false;
};

}  // namespace rivet::server::envoy

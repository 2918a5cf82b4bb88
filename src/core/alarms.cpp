// The engine's alarm loop: one timer for the whole node, keyed by the earliest due schedule.

#include <rivet/protocol/encoding.hpp>

#include "core/engine_core.hpp"
#include "core/ids.hpp"
#include "core/state_keys.hpp"
#include "core/user_code.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <set>

namespace asio = boost::asio;

namespace rivet::detail {

void EngineCore::start_alarms() {
  auto rows = store_.kv_prefix_all_actors(Bytes{kSchedulePrefix});
  if (!rows) {
    log_failure("loading schedules", rows.error());
  } else {
    std::lock_guard lock(alarm_mu_);
    for (const auto& row : *rows) {
      alarms_.emplace(schedule_due(row.entry.key), row.actor_id);
    }
  }
  // Actors with stored queue messages and a run loop start at boot, so acknowledged work
  // resumes without waiting for a client.
  // Likewise actors with workflow history: replay re-arms a durable sleep that was pending.
  for (auto prefix : {kQueuePrefix, kWorkflowPrefix}) {
    auto rows = store_.kv_prefix_all_actors(Bytes{prefix});
    if (!rows) {
      log_failure("loading actors to resume", rows.error());
      continue;
    }
    std::set<std::string> actors;
    for (const auto& row : *rows) {
      actors.insert(row.actor_id);
    }
    std::lock_guard lock(alarm_mu_);
    const auto now = now_ms();
    for (const auto& actor_id : actors) {
      alarms_.emplace(now, actor_id);
    }
  }
  spawn(alarm_strand_, alarm_loop(shared_from_this()));
}

void EngineCore::add_alarm(const std::string& actor_id, std::int64_t due_ms) {
  bool earliest = false;
  {
    std::lock_guard lock(alarm_mu_);
    earliest = alarms_.empty() || due_ms < alarms_.begin()->first;
    alarms_.emplace(due_ms, actor_id);
  }
  if (earliest) {
    asio::post(alarm_strand_, [self = shared_from_this()] { self->alarm_timer_.cancel(); });
  }
}

Task<void> EngineCore::alarm_loop(std::shared_ptr<EngineCore> self) {
  while (!self->stopping()) {
    std::set<std::string> due_actors;
    std::optional<std::int64_t> next;
    {
      std::lock_guard lock(self->alarm_mu_);
      const auto now = now_ms();
      while (!self->alarms_.empty() && self->alarms_.begin()->first <= now) {
        due_actors.insert(self->alarms_.begin()->second);
        self->alarms_.erase(self->alarms_.begin());
      }
      if (!self->alarms_.empty()) {
        next = self->alarms_.begin()->first;
      }
    }
    for (const auto& actor_id : due_actors) {
      self->spawn(self->executor_, fire_alarm(self, actor_id));
    }
    if (next) {
      self->alarm_timer_.expires_after(std::chrono::milliseconds(*next - now_ms()));
    } else {
      self->alarm_timer_.expires_at(RuntimeClock::time_point::max());
    }
    co_await self->alarm_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

Task<void> EngineCore::fire_alarm(std::shared_ptr<EngineCore> self, std::string actor_id) {
  auto rt = self->runtime_for(actor_id);
  if (!rt) {
    // Destroyed actors lose their schedules with their rows; nothing to run.
    co_return;
  }
  co_await asio::co_spawn((*rt)->strand(), (*rt)->run_due_schedules(), asio::use_awaitable);
}

}  // namespace rivet::detail

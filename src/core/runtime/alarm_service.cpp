#include "core/runtime/alarm_service.hpp"

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/state_keys.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>
#include <set>

namespace asio = boost::asio;

namespace rivet::detail {

AlarmService::AlarmService(RuntimeCore& core, const asio::any_io_executor& executor)
    : core_(core), strand_(asio::make_strand(executor)), timer_(core.clock(), strand_) {}

void AlarmService::start() {
  auto rows = core_.store().kv_prefix_all_actors(Bytes{kSchedulePrefix});
  if (!rows) {
    core_.logger().error("loading schedules failed", {{"error", rows.error().message}});
  } else {
    std::lock_guard lock(mutex_);
    for (const auto& row : *rows) {
      due_.emplace(schedule_due(row.entry.key), row.actor_id);
    }
  }
  for (auto prefix : {kQueuePrefix, kWorkflowPrefix}) {
    auto resumable = core_.store().kv_prefix_all_actors(Bytes{prefix});
    if (!resumable) {
      core_.logger().error("loading actors to resume failed",
                           {{"error", resumable.error().message}});
      continue;
    }
    std::set<std::string> actors;
    for (const auto& row : *resumable) {
      actors.insert(row.actor_id);
    }
    std::lock_guard lock(mutex_);
    const auto now = core_.clock().wall_ms();
    for (const auto& actor_id : actors) {
      due_.emplace(now, actor_id);
    }
  }
  core_.spawn(strand_, loop());
}

void AlarmService::add(const std::string& actor_id, std::int64_t due_ms) {
  bool earliest = false;
  {
    std::lock_guard lock(mutex_);
    earliest = due_.empty() || due_ms < due_.begin()->first;
    due_.emplace(due_ms, actor_id);
  }
  if (earliest) {
    asio::post(strand_, [this] { timer_.cancel(); });
  }
}

void AlarmService::stop() {
  stopped_.store(true);
  asio::post(strand_, [this] { timer_.cancel(); });
}

Task<void> AlarmService::loop() {
  while (!stopped_.load()) {
    std::set<std::string> due_actors;
    std::optional<std::int64_t> next;
    const auto now = core_.clock().wall_ms();
    {
      std::lock_guard lock(mutex_);
      while (!due_.empty() && due_.begin()->first <= now) {
        due_actors.insert(due_.begin()->second);
        due_.erase(due_.begin());
      }
      if (!due_.empty()) {
        next = due_.begin()->first;
      }
    }
    for (const auto& actor_id : due_actors) {
      core_.spawn(core_.executor(), fire(actor_id));
    }
    if (next) {
      timer_.expires_after(std::chrono::milliseconds(*next - now));
    } else {
      timer_.expires_never();
    }
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

Task<void> AlarmService::fire(std::string actor_id) {
  auto rt = core_.actors().runtime_for(actor_id);
  if (!rt) {
    co_return;  // destroyed actors lose their schedules with their rows
  }
  co_await asio::co_spawn((*rt)->strand(), (*rt)->scheduler().run_due(**rt), asio::use_awaitable);
}

}  // namespace rivet::detail

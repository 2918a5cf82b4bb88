// Idle sleep for every awake actor of the node on one timer: actors register their sleep
// deadline once and re-register themselves when it moved (ActorRuntime::on_idle_due), so a busy
// actor costs nothing per call and an idle one costs one map entry instead of a timer.

#include "core/engine_core.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <vector>

namespace asio = boost::asio;

namespace rivet::detail {

namespace {
constexpr std::size_t kKeptIdleCapacity = 1024;
}  // namespace

void EngineCore::start_idle_sweeper() {
  spawn(idle_strand_, idle_loop(shared_from_this()));
}

void EngineCore::watch_idle(const std::shared_ptr<ActorRuntime>& rt,
                            RuntimeClock::time_point deadline) {
  bool earliest = false;
  {
    std::lock_guard lock(idle_mu_);
    earliest = idle_due_.empty() || deadline < idle_due_.front().first;
    idle_due_.emplace_back(deadline, rt);
    std::push_heap(idle_due_.begin(), idle_due_.end(), IdleLater{});
  }
  if (earliest) {
    wake_idle_sweeper();
  }
}

void EngineCore::wake_idle_sweeper() {
  asio::post(idle_strand_, [self = shared_from_this()] { self->idle_timer_.cancel(); });
}

Task<void> EngineCore::idle_loop(std::shared_ptr<EngineCore> self) {
  while (!self->stopping()) {
    std::vector<std::shared_ptr<ActorRuntime>> due;
    auto next = RuntimeClock::time_point::max();
    {
      std::lock_guard lock(self->idle_mu_);
      const auto now = RuntimeClock::now();
      auto& heap = self->idle_due_;
      while (!heap.empty() && heap.front().first <= now) {
        std::pop_heap(heap.begin(), heap.end(), IdleLater{});
        if (auto rt = heap.back().second.lock()) {
          due.push_back(std::move(rt));
        }
        heap.pop_back();
      }
      if (!heap.empty()) {
        next = heap.front().first;
      } else if (heap.capacity() > kKeptIdleCapacity) {
        heap.shrink_to_fit();  // give back what a crowd of idle actors needed
      }
    }
    for (auto& rt : due) {
      auto& strand = rt->strand();
      asio::post(strand, [rt = std::move(rt)] { rt->on_idle_due(); });
    }
    self->idle_timer_.expires_at(next);
    co_await self->idle_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace rivet::detail

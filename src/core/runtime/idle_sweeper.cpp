#include "core/runtime/idle_sweeper.hpp"

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace asio = boost::asio;

namespace rivet::detail {

namespace {

constexpr std::size_t kKeptIdleCapacity = 1024;

struct Later {
  template <class Entry>
  bool operator()(const Entry& a, const Entry& b) const noexcept {
    return a.first > b.first;
  }
};

}  // namespace

IdleSweeper::IdleSweeper(RuntimeCore& core, const asio::any_io_executor& executor)
    : core_(core), strand_(asio::make_strand(executor)), timer_(core.clock(), strand_) {}

void IdleSweeper::start() {
  core_.spawn(strand_, loop());
}

void IdleSweeper::watch(const std::shared_ptr<ActorInstance>& rt, Clock::time_point deadline) {
  bool earliest = false;
  {
    std::lock_guard lock(mutex_);
    earliest = due_.empty() || deadline < due_.front().first;
    due_.emplace_back(deadline, rt);
    std::push_heap(due_.begin(), due_.end(), Later{});
  }
  if (earliest) {
    wake();
  }
}

void IdleSweeper::stop() {
  stopped_.store(true);
  wake();
}

void IdleSweeper::wake() {
  asio::post(strand_, [this] { timer_.cancel(); });
}

Task<void> IdleSweeper::loop() {
  while (!stopped_.load()) {
    std::vector<std::shared_ptr<ActorInstance>> due;
    auto next = Clock::time_point::max();
    {
      std::lock_guard lock(mutex_);
      const auto now = core_.clock().now();
      while (!due_.empty() && due_.front().first <= now) {
        std::pop_heap(due_.begin(), due_.end(), Later{});
        if (auto rt = due_.back().second.lock()) {
          due.push_back(std::move(rt));
        }
        due_.pop_back();
      }
      if (!due_.empty()) {
        next = due_.front().first;
      } else if (due_.capacity() > kKeptIdleCapacity) {
        due_.shrink_to_fit();  // give back what a crowd of idle actors needed
      }
    }
    for (auto& rt : due) {
      auto& strand = rt->strand();
      asio::post(strand, [rt = std::move(rt)] { rt->on_idle_due(); });
    }
    if (next == Clock::time_point::max()) {
      timer_.expires_never();
    } else {
      timer_.expires_at(next);
    }
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace rivet::detail

#include "core/runtime/queue_waiters.hpp"

namespace rivet::detail {

void QueueWaiters::add(const std::string& actor_id, std::uint64_t id,
                       std::shared_ptr<QueueWaiter> waiter) {
  std::lock_guard lock(mutex_);
  waiting_[{actor_id, id}] = std::move(waiter);
}

void QueueWaiters::drop(const std::string& actor_id, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  waiting_.erase({actor_id, id});
}

void QueueWaiters::complete(const std::string& actor_id, std::uint64_t id,
                            std::optional<Value> response) {
  std::shared_ptr<QueueWaiter> waiter;
  {
    std::lock_guard lock(mutex_);
    auto it = waiting_.find({actor_id, id});
    if (it == waiting_.end()) {
      return;
    }
    waiter = std::move(it->second);
    waiting_.erase(it);
  }
  waiter->response = std::move(response);
  waiter->done.set();
}

}  // namespace rivet::detail

#include "storage/read_pool.hpp"

namespace rivet::storage::detail {

ReadPool::ReadPool(OpenTarget target, std::size_t max_size)
    : target_(std::move(target)), max_size_(max_size == 0 ? 1 : max_size) {}

ReadPool::ReadPool(std::unique_ptr<ReadConn> only) : max_size_(1), open_(1) {
  idle_.push_back(std::move(only));
}

Result<ReadPool::Lease> ReadPool::acquire() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (closed_) {
      return errors::storage("store is closed");
    }
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(conn));
    }
    if (open_ < max_size_) {
      break;
    }
    returned_.wait(lock);
  }
  // Opening takes a while (file open, schema read, prepares): do it without the lock, holding a
  // reserved slot so the pool never exceeds its size.
  ++open_;
  lock.unlock();
  auto conn = ReadConn::open(target_);
  if (!conn) {
    lock.lock();
    --open_;
    returned_.notify_all();
    return conn.error();
  }
  return Lease(*this, std::move(*conn));
}

void ReadPool::release(std::unique_ptr<ReadConn> conn) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
  }
  returned_.notify_all();
}

void ReadPool::close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  returned_.wait(lock, [this] { return idle_.size() == open_; });
  idle_.clear();
  open_ = 0;
}

}  // namespace rivet::storage::detail

#pragma once
// Server::stop() may be called from several threads (a signal handler's thread, wait()'s caller,
// the destructor): one of them runs the shutdown, the others return only once it has finished.

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace rivet::server {

class StopLatch {
 public:
  /// True for the first caller, which must run the shutdown and then call finish(); any later
  /// caller blocks until finish() and gets false.
  bool begin() {
    std::unique_lock lock(mutex_);
    if (started_) {
      cv_.wait(lock, [this] { return finished_; });
      return false;
    }
    started_ = true;
    return true;
  }

  void finish() {
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    cv_.notify_all();
  }

  /// Blocks until a shutdown has finished.
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return finished_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool started_ = false;
  bool finished_ = false;
};

/// Joins every thread that is still joinable (the io_context threads, after their contexts stopped).
inline void join_all(std::vector<std::thread>& threads) {
  for (auto& t : threads) {
    if (t.joinable()) {
      t.join();
    }
  }
}

}  // namespace rivet::server

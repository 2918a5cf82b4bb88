#pragma once
// Idle sleep for every awake actor of the node on one timer: an actor registers its sleep
// deadline once and re-registers itself when the deadline moved (ActorInstance::on_idle_due), so
// a busy actor costs nothing per call and an idle one costs one heap entry instead of a timer.
//
// Thread-safety: every member may be called from any thread.

#include <rivet/common/clock.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace rivet::detail {

class ActorInstance;
class RuntimeCore;

class IdleSweeper {
 public:
  IdleSweeper(RuntimeCore& core, const boost::asio::any_io_executor& executor);

  /// Starts the loop (in the core's task group). Call once.
  void start();
  /// Calls rt->on_idle_due() on its strand at or after `deadline` (once per call).
  void watch(const std::shared_ptr<ActorInstance>& rt, Clock::time_point deadline);
  /// Ends the loop.
  void stop();

 private:
  Task<void> loop();
  void wake();

  RuntimeCore& core_;
  std::mutex mutex_;
  // A min-heap on the deadline: 24 bytes an entry, where a map node cost 80. An actor has at
  // most one entry (ActorInstance's idle_watched_).
  using Entry = std::pair<Clock::time_point, std::weak_ptr<ActorInstance>>;
  std::vector<Entry> due_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  Timer timer_;  // touched only on strand_
  std::atomic<bool> stopped_{false};
};

}  // namespace rivet::detail

#pragma once
// Wakes actors whose schedules are due: one timer for the whole node, keyed by the earliest due
// time. At start it loads every stored schedule, and also wakes actors with stored queue
// messages or workflow history, so acknowledged work resumes without waiting for a client.
// Alarms fire at least once: a duplicate is harmless (the actor re-reads its due rows).
//
// Thread-safety: every member may be called from any thread.

#include <rivet/common/clock.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace rivet::detail {

class RuntimeCore;

class AlarmService {
 public:
  AlarmService(RuntimeCore& core, const boost::asio::any_io_executor& executor);

  /// Loads the stored alarms and starts the loop (in the core's task group). Call once.
  void start();
  /// Makes sure the actor's schedules run at or after `due_ms` (wall clock).
  void add(const std::string& actor_id, std::int64_t due_ms);
  /// Ends the loop; alarms added later are kept but not fired.
  void stop();

 private:
  Task<void> loop();
  Task<void> fire(std::string actor_id);

  RuntimeCore& core_;
  std::mutex mutex_;
  std::multimap<std::int64_t, std::string> due_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  Timer timer_;  // touched only on strand_
  std::atomic<bool> stopped_{false};
};

}  // namespace rivet::detail

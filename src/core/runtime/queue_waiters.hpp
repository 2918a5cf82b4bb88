#pragma once
// Senders waiting for their queue message's completion (`send(..., {wait})`), keyed by actor and
// message id. The actor completes a message on its strand; the sender waits on its own.
//
// Thread-safety: every member may be called from any thread.

#include <rivet/common/event.hpp>
#include <rivet/common/value.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace rivet::detail {

/// One waiting sender. `response` is written before `done` is set and read after it.
struct QueueWaiter {
  Event done;
  std::optional<Value> response;
};

class QueueWaiters {
 public:
  void add(const std::string& actor_id, std::uint64_t id, std::shared_ptr<QueueWaiter> waiter);
  void drop(const std::string& actor_id, std::uint64_t id);
  /// Resolves the waiting sender, if any (nullopt: completed without a value).
  void complete(const std::string& actor_id, std::uint64_t id, std::optional<Value> response);

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::uint64_t>, std::shared_ptr<QueueWaiter>> waiting_;
};

}  // namespace rivet::detail

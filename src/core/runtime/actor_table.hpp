#pragma once
// The awake actors of the node, by id, and the ones on their way to sleep: a caller that meets
// a stopping actor awaits its stop (wait_stopped) and then finds a fresh runtime, instead of
// retrying on a timer.
//
// Thread-safety: every member may be called from any thread.

#include <rivet/common/error.hpp>
#include <rivet/common/event.hpp>
#include <rivet/common/task.hpp>
#include <rivet/storage/store.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rivet::detail {

class ActorInstance;
class RuntimeCore;

class ActorTable {
 public:
  explicit ActorTable(RuntimeCore& core) : core_(core) {}

  /// The awake runtime for `actor_id`, loading its record when needed. actor.not_found when it
  /// does not exist, is destroyed, or has no definition here.
  [[nodiscard]] Result<std::shared_ptr<ActorInstance>> runtime_for(const std::string& actor_id);
  /// Registers a runtime for an actor whose record is not stored yet: its first commit inserts
  /// the record. Nobody else knows the id until it is returned.
  [[nodiscard]] std::shared_ptr<ActorInstance> adopt_unborn(storage::ActorRecord record);
  [[nodiscard]] std::vector<std::shared_ptr<ActorInstance>> awake() const;
  /// The runtime of `actor_id` if it is awake (or on its way to sleep), else null.
  [[nodiscard]] std::shared_ptr<ActorInstance> find_awake(std::string_view actor_id) const;

  /// The runtime started stopping (called on its strand as it leaves Running).
  void stopping(const ActorInstance& rt);
  /// The runtime fully stopped: unmapped, and its stop waiters resume.
  void forget(const ActorInstance& rt);
  /// Returns once `rt` has stopped (at once when it is not stopping).
  Task<void> wait_stopped(const ActorInstance& rt);

 private:
  RuntimeCore& core_;
  mutable std::mutex mutex_;
  // Keyed by a view of the runtime's own record().actor_id (immutable while it is mapped).
  std::unordered_map<std::string_view, std::shared_ptr<ActorInstance>> actors_;
  // Only actors between stopping() and forget(): an awake actor costs nothing here.
  std::unordered_map<const ActorInstance*, std::shared_ptr<Event>> stopping_;
};

}  // namespace rivet::detail

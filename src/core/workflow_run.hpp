#pragma once
// One run of a workflow: its loaded history and the commits that extend it.

#include <rivet/core/workflow.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/actor/signal.hpp"

#include <map>
#include <set>
#include <string>

namespace rivet::detail {

/// Set when a race branch lost; scopes inside the branch share it (chained to outer races).
struct CancelToken {
  bool cancelled = false;
  std::shared_ptr<CancelToken> parent;
  [[nodiscard]] bool is_cancelled() const noexcept {
    for (const auto* t = this; t != nullptr; t = t->parent.get()) {
      if (t->cancelled) {
        return true;
      }
    }
    return false;
  }
};

/// A rollback boundary (the workflow, or one try_block): armed by a checkpoint, it collects the
/// compensations of the steps completed (or replayed) since, in order.
struct RollbackFrame {
  struct Entry {
    std::string location;
    Value output;
    Compensation fn;
  };
  /// Location of the checkpoint that armed the frame; empty while unarmed.
  std::string armed_by;
  std::vector<Entry> compensations;
};

/// Workflow error values (group "workflow").
[[nodiscard]] Error history_diverged(const std::string& location, const std::string& recorded,
                                     const std::string& requested);

class WorkflowRun {
 public:
  WorkflowRun(ActorInstance& rt, CallFrame& frame);

  /// The recorded entry at `location` (and marks it visited by this run).
  [[nodiscard]] std::optional<Value> entry(const std::string& location) const;
  /// As entry(), but a recorded entry of another kind throws workflow.history_diverged.
  [[nodiscard]] std::optional<Value> entry_of(const std::string& location,
                                              const std::string& kind) const;
  /// Marks every entry under `prefix` visited (a recorded block that is not replayed).
  void visit_prefix(const std::string& prefix) const;
  /// True when an entry under `scope` other than `except` is recorded but not yet visited by
  /// this run: the instance had run past this point before (version gates).
  [[nodiscard]] bool has_unvisited(const std::string& scope, const std::string& except) const;
  /// Records `entry` together with the actor's current state (and any pending writes) in one
  /// durable commit. Throws ErrorException when the commit fails.
  Task<void> record(const std::string& location, Value entry);
  /// Drops every entry under `scope` and records `location` = `entry`, in one commit.
  Task<void> replace_scope(const std::string& scope, const std::string& location, Value entry);
  /// Waits until `until_ms` (wall clock); the actor may sleep meanwhile and is woken by an alarm.
  /// Throws workflow.cancelled when `cancel` fires.
  Task<void> wait_until(std::int64_t until_ms, const CancelToken* cancel = nullptr);
  /// Takes the next message of `queues` and records it at `location` in the same commit.
  Task<WorkflowMessage> receive(const std::string& location, const std::vector<std::string>& queues,
                                const CancelToken* cancel = nullptr);
  /// Wakes every wait so that cancelled race branches notice.
  void wake_waiters() { cancel_signal_.notify_all(); }
  /// Runs `frame`'s compensations newest first, recording each as rolled back with the state it
  /// changed; skips those already recorded. Throws RollbackFailure when one fails.
  Task<void> compensate(RollbackFrame& frame);
  /// Drops compensations (and a checkpoint) recorded under `prefix`: a finished loop iteration
  /// or race is not replayed, so what it registered must not outlive it.
  static void drop_scope(RollbackFrame& frame, const std::string& prefix);
  void throw_if_aborted() const;

  [[nodiscard]] ActorInstance& runtime() noexcept { return rt_; }
  [[nodiscard]] Value history_value() const;

 private:
  Task<void> wait(Clock::time_point deadline, const CancelToken* cancel);
  ActorInstance& rt_;
  CallFrame& frame_;
  std::map<std::string, Value> history_;
  mutable std::set<std::string> visited_;
  Signal cancel_signal_;
};

/// The run handler of a workflow actor.
Task<void> run_workflow(ActorContext& ctx, std::function<Task<void>(Workflow&)> body);

}  // namespace rivet::detail

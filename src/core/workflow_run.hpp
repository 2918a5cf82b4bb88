#pragma once
// One run of a workflow: its loaded history and the commits that extend it.

#include <rivet/core/workflow.hpp>

#include "core/actor_runtime.hpp"

#include <map>
#include <string>

namespace rivet::detail {

class WorkflowRun {
 public:
  WorkflowRun(ActorRuntime& rt, CallFrame& frame);

  [[nodiscard]] std::optional<Value> entry(const std::string& location) const;
  /// Records `entry` together with the actor's current state (and any pending writes) in one
  /// durable commit. Throws ErrorException when the commit fails.
  Task<void> record(const std::string& location, Value entry);
  /// Drops every entry under `scope` and records `location` = `entry`, in one commit.
  Task<void> replace_scope(const std::string& scope, const std::string& location, Value entry);
  /// Waits until `until_ms` (wall clock); the actor may sleep meanwhile and is woken by an alarm.
  Task<void> wait_until(std::int64_t until_ms);
  /// Takes the next message of `queues` and records it at `location` in the same commit.
  Task<WorkflowMessage> receive(const std::string& location,
                                const std::vector<std::string>& queues);

  [[nodiscard]] ActorRuntime& runtime() noexcept { return rt_; }
  [[nodiscard]] Value history_value() const;

 private:
  void throw_if_aborted() const;
  ActorRuntime& rt_;
  CallFrame& frame_;
  std::map<std::string, Value> history_;
};

/// The run handler of a workflow actor.
Task<void> run_workflow(ActorContext& ctx, std::function<Task<void>(Workflow&)> body);

}  // namespace rivet::detail

#pragma once
/// Readable workflow history: what a workflow actor has recorded, for inspection and debugging.
/// Reads committed rows straight from the store (the actor is not woken; an entry being written
/// right now shows up once its commit is durable). Thread-safe.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/registry.hpp>
#include <rivet/storage/store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rivet {

struct WorkflowHistoryEntry {
  /// Where the entry lives, e.g. `orders[3]/record` (empty for the workflow's own outcome).
  std::string location;
  /// The last path component of the location.
  std::string name;
  /// step, loop, sleep, message, race, try, rollback_checkpoint, version_check, workflow.
  std::string kind;
  /// completed, failed, rolled_back, sleeping or running (a loop not finished).
  std::string status;
  /// The recorded value (step result, race winner's value, received message, pinned version).
  std::optional<Value> result;
  std::optional<Error> error;
  /// Milliseconds since the epoch when first recorded (absent for entries older than this field).
  std::optional<std::int64_t> recorded_at;
  /// The stored entry as is (compat value), for details the fields above leave out.
  Value raw;
};

struct WorkflowHistory {
  /// The actor's definition runs a workflow.
  bool enabled = false;
  /// "failed" after a terminal failure (rollback done), else "running".
  std::string status = "running";
  /// Ordered by recording time, then location.
  std::vector<WorkflowHistoryEntry> entries;
};

/// The history of actor `actor_id` whose definition is `actor_name`. An actor without workflow
/// history (or not a workflow) gives an empty history. `now_ms` (wall clock) tells pending
/// sleeps from elapsed ones.
[[nodiscard]] Result<WorkflowHistory> read_workflow_history(storage::Store& store,
                                                            const Registry& registry,
                                                            const std::string& actor_id,
                                                            const std::string& actor_name,
                                                            std::int64_t now_ms);

/// The JSON shape the inspector route answers: {isWorkflowEnabled, history: {status, entries}}
/// (history null when not enabled).
[[nodiscard]] Value workflow_history_value(const WorkflowHistory& history);

}  // namespace rivet

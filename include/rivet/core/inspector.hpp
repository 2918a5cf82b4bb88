#pragma once
/// Looking inside one actor while it runs: what the inspector API and the dashboard show.
/// Runtime::inspect(actor_id, query) answers each query below with a JSON document (the shapes
/// of the inspector HTTP API, docs/inspector.md). It wakes a sleeping actor to answer; the actor
/// goes back to sleep on its own idle timer afterwards. Writes (PatchState) run like an action:
/// durable before the answer, onStateChange runs, and connected clients see what the hook sends.
///
/// Access control is the transport's business: the runtime answers whoever asks. The actor's
/// inspector token (created on its first start) is read with read_inspector_token().
///
/// Thread-safety: as Runtime.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/storage/store.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace rivet::inspect {

/// Everything at once: {state, isStateEnabled, connections, rpcs, queueSize, isDatabaseEnabled,
/// isWorkflowEnabled, workflowHistory}.
struct Summary {};
/// {state, isStateEnabled}
struct State {};
/// Replaces the state with `state` (a compat JSON value of the state's shape): {ok: true}.
/// actor.invalid_request when the value does not fit the state type; actor.state_not_enabled
/// for an actor without state.
struct PatchState {
  Value state;
};
/// {connections: [{type, id, details: {type, params, stateEnabled, state, subscriptions,
/// subscriptionNames, connectedAtMs, isHibernatable}}]}
struct Connections {};
/// {rpcs: [action names, sorted]}
struct Rpcs {};
/// {size, maxSize, truncated, messages: [{id, name, body, createdAtMs, attempts, inFlight}]}:
/// the first `limit` messages, oldest first.
struct Queue {
  std::size_t limit = 100;
};
/// {events: [{name, args, connections, atMs}]}: the latest `limit` broadcasts, newest last.
struct Events {
  std::size_t limit = 100;
};
/// {otlp: [ResourceSpans], clamped}: spans (OTLP JSON) of actions, hooks, queue messages,
/// workflow steps and schedule runs that started in [start_ms, end_ms), the latest `limit`.
/// `clamped` tells that older spans were dropped by the ring or the limit.
struct Traces {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = INT64_MAX;
  std::size_t limit = 1000;
};
/// {isWorkflowEnabled, history: null | {status, entries: [{location, name, kind, status, result,
/// error, attempts, recordedAt, ...}]}}. Steps that failed and were not recorded yet appear with
/// status "retrying", their attempts and last error.
struct WorkflowHistory {};
/// {schema: {tables: [{table: {schema, name, type}, columns: [...], foreignKeys: [...],
/// records}]}}; actor.database_not_enabled for an actor without a database.
struct DatabaseSchema {};
/// {rows: [...]}, read-only. `limit` at most 500. actor.invalid_request for an unknown table.
struct DatabaseRows {
  std::string table;
  std::size_t limit = 100;
  std::size_t offset = 0;
};

using Query = std::variant<Summary, State, PatchState, Connections, Rpcs, Queue, Events, Traces,
                           WorkflowHistory, DatabaseSchema, DatabaseRows>;

inline constexpr std::size_t kMaxDatabaseRows = 500;

/// The actor's inspector token (32 random bytes, base64url), nullopt when the actor has none
/// (unknown, destroyed, or never started). Blocking: one store read.
[[nodiscard]] Result<std::optional<std::string>> read_inspector_token(storage::Store& store,
                                                                     const std::string& actor_id);

}  // namespace rivet::inspect

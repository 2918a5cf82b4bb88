#pragma once
// The one boundary where exceptions thrown by user code become Errors.

#include <rivet/common/error.hpp>
#include <rivet/core/definition.hpp>
#include <rivet/core/task.hpp>

#include <chrono>
#include <memory>

namespace rivet::detail {

class ActorInstance;

/// Awaits user code. ErrorException (UserError included) keeps its structure; anything else is
/// logged (with `rt`'s name, key and id) and becomes core.internal_error. ActorInstance has
/// members of the same names that pass itself.
Task<Result<void>> run_user(Task<void> task, const char* what, const ActorInstance& rt);
Task<Result<Value>> run_user_value(Task<Value> task, const char* what, const ActorInstance& rt);

/// Calls a synchronous action (no suspension, so no timeout applies), mapping exceptions as
/// run_user_value does.
Result<Value> run_sync_action(const ActorDefinition::SyncActionFn& fn, ActorContext& ctx,
                              const Value& args, const char* what, const ActorInstance& rt);

/// As run_user_value, failing with actor.action_timed_out after `timeout`; the user coroutine is
/// cancelled at its next suspension.
Task<Result<Value>> run_user_value_with_timeout(Task<Value> task, const char* what,
                                                std::chrono::milliseconds timeout,
                                                const ActorInstance& rt);

/// As run_user, failing with actor.callback_timed_out after `timeout` (lifecycle and connection
/// hooks).
Task<Result<void>> run_hook(Task<void> task, const char* what, std::chrono::milliseconds timeout,
                            const ActorInstance& rt);

}  // namespace rivet::detail

#pragma once
// The one boundary where exceptions thrown by user code become Errors.

#include <rivet/common/error.hpp>
#include <rivet/core/definition.hpp>
#include <rivet/core/task.hpp>

#include <chrono>
#include <memory>

namespace rivet::detail {

/// Awaits user code. ErrorException (UserError included) keeps its structure; anything else is
/// logged with `what` and becomes core.internal_error.
Task<Result<void>> run_user(Task<void> task, const char* what);
Task<Result<Value>> run_user_value(Task<Value> task, const char* what);

/// Calls a synchronous action (no suspension, so no timeout applies), mapping exceptions as
/// run_user_value does.
Result<Value> run_sync_action(const ActorDefinition::SyncActionFn& fn, ActorContext& ctx,
                              const Value& args, const char* what);

/// As run_user_value, failing with actor.action_timed_out after `timeout`; the user coroutine is
/// cancelled at its next suspension.
Task<Result<Value>> run_user_value_with_timeout(Task<Value> task, const char* what,
                                                std::chrono::milliseconds timeout);

/// As run_user, failing with actor.callback_timed_out after `timeout` (lifecycle and connection
/// hooks).
Task<Result<void>> run_hook(Task<void> task, const char* what, std::chrono::milliseconds timeout);

/// Reports a failure that has no caller to return it to.
void log_failure(std::string_view what, const Error& error);

}  // namespace rivet::detail

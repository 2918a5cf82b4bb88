#pragma once
/// Durable workflows: a run handler whose progress is recorded, so that after a sleep, a crash or
/// a restart it replays from its history and continues where it stopped.
///
///   .workflow([](auto& c, rivet::Workflow& w) -> rivet::Task<void> {
///     co_await w.step("setup", [&] { c.state().ready = true; });
///     co_await w.loop("orders", [&](rivet::Workflow& it) -> rivet::Task<rivet::LoopControl> {
///       auto msg = co_await it.next_message("wait", {"orders"});
///       co_await it.step("record", [&] { c.state().seen += 1; });
///       co_await it.sleep("pause", std::chrono::seconds(1));
///       co_return rivet::LoopControl::Continue;
///     });
///   })
///
/// Rules: every entry has a name unique in its scope; code outside steps runs again on every
/// replay, so it must be deterministic. A step runs at most once once recorded: its result and the
/// state changes it made are committed together. Steps roll forward: a failing step is not
/// recorded and fails the workflow (the run handler restarts with backoff and replays), unless it
/// is a try_step or inside a try_block. join() runs its branches one after another (each with its
/// own scope); race() runs them concurrently. A recorded entry whose kind differs from what the
/// code now asks for at that location fails with workflow.history_diverged. Strand-affine.
/// docs/actors.md ("Workflows") describes rollback, version gates and code changes.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/queue.hpp>
#include <rivet/core/task.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace rivet {

class Workflow;

namespace detail {
class WorkflowRun;
struct CancelToken;
struct RollbackFrame;

/// A step's terminal failure: what try_block() catches (the step's error as is, or
/// core.internal_error with the exception's text).
/// When a step began running (wall-clock ns for its trace span, steady time for its duration).
struct StepStart {
  std::int64_t unix_ns = 0;
  std::chrono::steady_clock::time_point at;
};

class StepFailure : public ErrorException {
 public:
  using ErrorException::ErrorException;
};
/// A compensation that failed: workflow.rollback_failed, metadata {location, cause}.
class RollbackFailure : public ErrorException {
 public:
  using ErrorException::ErrorException;
};
/// The error of a step body's exception; rethrows what is not a step failure (actor.aborted,
/// the workflow's own errors).
[[nodiscard]] Error step_failure_error(std::exception_ptr thrown);
/// Throws StepFailure(step_failure_error(thrown)).
[[noreturn]] void throw_step_failure(std::exception_ptr thrown);

using Compensation = std::function<Task<void>(const Value& output)>;

template <class T>
struct IsTask : std::false_type {};
template <class T>
struct IsTask<Task<T>> : std::true_type {};

template <class F>
struct StepResult {
  using Raw = std::invoke_result_t<F&>;
  using type = Raw;
};
template <class T>
struct TaskTraitsWf;
template <class T>
struct TaskTraitsWf<Task<T>> {
  using type = T;
};

template <class F>
requires IsTask<std::invoke_result_t<F&>>::value struct StepResult<F> {
  using type = typename TaskTraitsWf<std::invoke_result_t<F&>>::type;
};

template <class F>
using BlockResult = typename TaskTraitsWf<std::invoke_result_t<F&, Workflow&>>::type;

/// A typed try_block body seen as Task<Value>(Workflow&).
template <class F>
struct ValueBody {
  F* fn;
  Task<Value> operator()(Workflow& w) const {
    if constexpr (std::is_void_v<BlockResult<F>>) {
      co_await (*fn)(w);
      co_return Value();
    } else {
      co_return to_value(co_await (*fn)(w));
    }
  }
};

/// A typed rollback function `r(const T& output)` (or `r()` for void steps) as a Compensation.
template <class T, class R>
struct TypedCompensation {
  std::shared_ptr<R> fn;
  Task<void> operator()(const Value& output) const {
    if constexpr (std::is_void_v<T>) {
      if constexpr (IsTask<std::invoke_result_t<R&>>::value) {
        co_await (*fn)();
      } else {
        (*fn)();
      }
    } else {
      const T typed = from_value<T>(output);
      if constexpr (IsTask<std::invoke_result_t<R&, const T&>>::value) {
        co_await (*fn)(typed);
      } else {
        (*fn)(typed);
      }
    }
  }
};
}  // namespace detail

enum class LoopControl { Continue, Break };

/// A message received by a workflow; recorded in the history when received.
struct WorkflowMessage {
  std::uint64_t id = 0;
  std::string name;
  Value body;
};

/// One branch of race(): its name (its scope is `<race>/<name>`) and its body.
struct RaceBranch {
  std::string name;
  std::function<Task<Value>(Workflow&)> run;
};

/// The branch that finished first, and its value. Recorded: a replay returns it without running
/// any branch.
struct RaceOutcome {
  std::size_t winner = 0;
  std::string name;
  Value value;
};

struct TryOptions {
  /// Also return rollback failures (workflow.rollback_failed) as data.
  bool catch_rollback = false;
};

class Workflow {
 public:
  Workflow(detail::WorkflowRun& run, std::string scope) : run_(&run), scope_(std::move(scope)) {}
  Workflow(detail::WorkflowRun& run, std::string scope, std::shared_ptr<detail::CancelToken> cancel,
           std::shared_ptr<detail::RollbackFrame> frame)
      : run_(&run),
        scope_(std::move(scope)),
        cancel_(std::move(cancel)),
        frame_(std::move(frame)) {}

  /// Runs `fn()` once and records its result (T converted with to_value / from_value).
  /// `fn` returns T, void, Task<T> or Task<void>.
  template <class F>
  auto step(std::string name, F fn) -> Task<std::decay_t<typename detail::StepResult<F>::type>> {
    using T = std::decay_t<typename detail::StepResult<F>::type>;
    auto recorded = replayed(name);
    if (recorded) {
      if constexpr (std::is_void_v<T>) {
        co_return;
      } else {
        co_return from_value<T>(*recorded);
      }
    }
    std::exception_ptr failure;
    const auto began = step_began();
    if constexpr (std::is_void_v<T>) {
      try {
        co_await invoke(fn);
      } catch (...) {
        failure = std::current_exception();
      }
      if (failure) {
        step_failed(name, began, failure);
        detail::throw_step_failure(failure);
      }
      co_await record_step(std::move(name), nullptr, began);
    } else {
      std::optional<T> out;
      try {
        out.emplace(co_await invoke(fn));
      } catch (...) {
        failure = std::current_exception();
      }
      if (failure) {
        step_failed(name, began, failure);
        detail::throw_step_failure(failure);
      }
      co_await record_step(std::move(name), to_value(*out), began);
      co_return std::move(*out);
    }
  }

  /// A step with a compensation: when a later terminal failure reaches the enclosing boundary
  /// (try_block or the workflow) the compensations of completed steps run in reverse order,
  /// each at most once; `rollback(output)` (or `rollback()` for void steps) returns void or
  /// Task<void>. Needs a rollback_checkpoint() earlier in the same boundary
  /// (workflow.rollback_checkpoint_missing otherwise).
  template <class F, class R>
  auto step(std::string name, F fn, R rollback)
      -> Task<std::decay_t<typename detail::StepResult<F>::type>> {
    using T = std::decay_t<typename detail::StepResult<F>::type>;
    require_checkpoint(name);
    auto compensation = make_compensation<T>(std::move(rollback));
    if constexpr (std::is_void_v<T>) {
      co_await step(name, std::move(fn));
      add_compensation(name, Value(), std::move(compensation));
    } else {
      T out = co_await step(name, std::move(fn));
      add_compensation(name, to_value(out), std::move(compensation));
      co_return out;
    }
  }

  /// Marks the start of the steps whose compensations run on a terminal failure of the
  /// enclosing boundary (the innermost try_block, or the whole workflow).
  Task<void> rollback_checkpoint(std::string name);

  /// Runs `body(block)` (returning Task<T>) in the scope `name`. Terminal failures of step, join
  /// and race inside it come back as the error (after the block's compensations ran); waits,
  /// eviction (actor.aborted) and history divergence propagate. The outcome is recorded.
  template <class F>
  auto try_block(std::string name, F body, TryOptions options = {})
      -> Task<Result<detail::BlockResult<F>>> {
    using T = detail::BlockResult<F>;
    auto outcome = co_await try_value(std::move(name), detail::ValueBody<F>{&body}, options);
    if (!outcome) {
      co_return Result<T>(boost::system::in_place_error, outcome.error());
    }
    if constexpr (std::is_void_v<T>) {
      co_return Result<void>();
    } else {
      co_return Result<T>(boost::system::in_place_value, from_value<T>(*outcome));
    }
  }
  Task<Result<Value>> try_value(std::string name, std::function<Task<Value>(Workflow&)> body,
                                TryOptions options = {});

  /// Runs the branches concurrently, each in scope `name/<branch name>`; the first to finish
  /// wins and the others are cancelled at their next workflow entry or wait (a step already
  /// running finishes first). A failing winner fails the race. The winner is recorded.
  Task<RaceOutcome> race(std::string name, std::vector<RaceBranch> branches);

  /// Version gate: returns the version this instance is pinned to at this point, `latest` (>= 1)
  /// for an instance reaching it for the first time, 1 for one that had already run past it
  /// under older code. Recorded (kind "version_check").
  Task<int> get_version(std::string name, int latest);
  /// Retires the entry `name` once recorded as `original_type` ("step", "loop", "sleep",
  /// "message", "join", "race", "try", "rollback_checkpoint", "version_check").
  Task<void> removed(std::string name, std::string original_type);

  /// As step(), but a failure is returned (and recorded) instead of failing the workflow.
  template <class F>
  Task<Result<Value>> try_step(std::string name, F fn) {
    auto recorded = replayed(name);
    if (recorded) {
      co_return decode_try(*recorded);
    }
    std::exception_ptr thrown;
    Value out;
    const auto began = step_began();
    try {
      if constexpr (std::is_void_v<typename detail::StepResult<F>::type>) {
        co_await invoke(fn);
      } else {
        out = to_value(co_await invoke(fn));
      }
    } catch (...) {
      thrown = std::current_exception();
    }
    std::optional<Error> failure;
    if (thrown) {
      failure = detail::step_failure_error(thrown);
    }
    co_await record_step(name, encode_try(out, failure), began,
                         failure ? &*failure : nullptr);
    if (failure) {
      co_return *failure;
    }
    co_return out;
  }

  /// Runs `body(iteration_scope)` until it returns Break. Finished iterations are compacted
  /// out of the history.
  Task<void> loop(std::string name, std::function<Task<LoopControl>(Workflow&)> body);

  /// Durable sleep: the wake-up time is recorded the first time; the actor may sleep meanwhile
  /// and is woken when it is due.
  Task<void> sleep(std::string name, std::chrono::milliseconds duration);
  Task<void> sleep_until(std::string name, std::int64_t timestamp_ms);

  /// Waits for the next message of one of `queues` (any when empty); the message is taken out of
  /// the queue and recorded in the history in one commit.
  Task<WorkflowMessage> next_message(std::string name, std::vector<std::string> queues = {});
  /// Resolves a sender waiting on `message` with `response`.
  void complete(const WorkflowMessage& message, Value response = undefined_value());

  /// Runs each branch in its own scope `name/<index>`.
  Task<void> join(std::string name, std::vector<std::function<Task<void>(Workflow&)>> branches);

 private:
  template <class F>
  static auto invoke(F& fn) -> Task<typename detail::StepResult<F>::type> {
    using Raw = std::invoke_result_t<F&>;
    if constexpr (detail::IsTask<Raw>::value) {
      co_return co_await fn();
    } else if constexpr (std::is_void_v<Raw>) {
      fn();
      co_return;
    } else {
      co_return fn();
    }
  }

  template <class T, class R>
  static detail::Compensation make_compensation(R rollback) {
    return detail::TypedCompensation<T, R>{std::make_shared<R>(std::move(rollback))};
  }
  void require_checkpoint(const std::string& name) const;
  void add_compensation(const std::string& name, Value output, detail::Compensation fn);
  /// Throws workflow.cancelled when this scope's race branch lost.
  void check_live() const;
  [[nodiscard]] Workflow child(std::string scope) const {
    return Workflow(*run_, std::move(scope), cancel_, frame_);
  }

  [[nodiscard]] std::string location(const std::string& name) const;
  [[nodiscard]] std::optional<Value> replayed(const std::string& name) const;
  /// Records the step's result; its trace span ends here (with `failure` for a try_step that
  /// failed).
  Task<void> record_step(std::string name, Value result, detail::StepStart began,
                         const Error* failure = nullptr);
  [[nodiscard]] detail::StepStart step_began() const;
  /// A step body threw: its span and attempt count (what is not a step failure, such as the
  /// actor stopping, is not counted).
  void step_failed(const std::string& name, const detail::StepStart& began,
                   std::exception_ptr thrown) const;
  static Value encode_try(const Value& out, const std::optional<Error>& failure);
  static Result<Value> decode_try(const Value& recorded);

  detail::WorkflowRun* run_;
  std::string scope_;
  std::shared_ptr<detail::CancelToken> cancel_;
  std::shared_ptr<detail::RollbackFrame> frame_;
};

}  // namespace rivet

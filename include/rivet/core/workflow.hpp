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
/// is a try_step. join() runs its branches one after another (each with its own scope).
/// Strand-affine.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/queue.hpp>
#include <rivet/core/task.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace rivet {

namespace detail {
class WorkflowRun;

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
}  // namespace detail

enum class LoopControl { Continue, Break };

/// A message received by a workflow; recorded in the history when received.
struct WorkflowMessage {
  std::uint64_t id = 0;
  std::string name;
  Value body;
};

class Workflow {
 public:
  Workflow(detail::WorkflowRun& run, std::string scope) : run_(&run), scope_(std::move(scope)) {}

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
    if constexpr (std::is_void_v<T>) {
      co_await invoke(fn);
      co_await record_step(std::move(name), nullptr);
    } else {
      T out = co_await invoke(fn);
      co_await record_step(std::move(name), to_value(out));
      co_return out;
    }
  }

  /// As step(), but a failure is returned (and recorded) instead of failing the workflow.
  template <class F>
  Task<Result<Value>> try_step(std::string name, F fn) {
    auto recorded = replayed(name);
    if (recorded) {
      co_return decode_try(*recorded);
    }
    std::optional<Error> failure;
    Value out;
    try {
      if constexpr (std::is_void_v<typename detail::StepResult<F>::type>) {
        co_await invoke(fn);
      } else {
        out = to_value(co_await invoke(fn));
      }
    } catch (const ErrorException& e) {
      failure = e.error();
    } catch (const std::exception& e) {
      failure = make_error("core", "internal_error", e.what());
    }
    co_await record_step(name, encode_try(out, failure));
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

  [[nodiscard]] std::string location(const std::string& name) const;
  [[nodiscard]] std::optional<Value> replayed(const std::string& name) const;
  Task<void> record_step(std::string name, Value result);
  static Value encode_try(const Value& out, const std::optional<Error>& failure);
  static Result<Value> decode_try(const Value& recorded);

  detail::WorkflowRun* run_;
  std::string scope_;
};

}  // namespace rivet

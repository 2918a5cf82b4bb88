// Durable schedules: rows under the schedule prefix, committed with the scheduling call's state,
// run by the engine's alarm loop, retired in the same commit as the run's state change.

#include <rivet/core/schedule.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/actor_runtime.hpp"
#include "core/engine_core.hpp"
#include "core/ids.hpp"
#include "core/state_keys.hpp"
#include "core/user_code.hpp"

#include <algorithm>
#include <random>

namespace rivet {

void Schedule::after_values(std::chrono::milliseconds delay, std::string action, Value args) {
  at_values(detail::now_ms() + delay.count(), std::move(action), std::move(args));
}

void Schedule::at_values(std::int64_t timestamp_ms, std::string action, Value args) {
  rt_->add_schedule(timestamp_ms, std::move(action), escape_list(std::move(args)), 0);
}

namespace detail {

namespace {

std::uint64_t nonce() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen();
}

}  // namespace

std::chrono::milliseconds schedule_retry_delay(int attempt) {
  // 1 s, 2 s, 4 s, ... capped at one minute.
  const auto shift = std::min(attempt - 1, 6);
  return std::min(std::chrono::milliseconds(1000LL << std::max(shift, 0)),
                  std::chrono::milliseconds(60'000));
}

void ActorRuntime::add_schedule(std::int64_t due_ms, std::string action, Value args, int attempt) {
  Value row{{"action", std::move(action)}, {"args", std::move(args)}, {"attempt", attempt}};
  pending_writes_.ops.emplace_back(storage::WriteBatch::Put{
      record_.actor_id, schedule_key(due_ms, nonce()), protocol::encode_compat_cbor(row)});
  pending_alarms_.push_back(due_ms);
}

void ActorRuntime::retire_schedule(const ScheduleRun& run, bool succeeded) {
  pending_writes_.ops.emplace_back(storage::WriteBatch::Delete{record_.actor_id, run.row_key});
  if (succeeded) {
    return;
  }
  const int attempt = run.attempt + 1;
  if (attempt > kScheduleMaxAttempts) {
    log_failure("schedule " + run.action,
                make_error("schedule", "gave_up",
                           "dropped after " + std::to_string(kScheduleMaxAttempts) + " attempts"));
    return;
  }
  add_schedule(now_ms() + schedule_retry_delay(attempt).count(), run.action, run.args, attempt);
}

Task<void> ActorRuntime::run_due_schedules() {
  if (schedules_running_) {
    schedules_rerun_ = true;
    co_return;
  }
  auto started = co_await ensure_started();
  if (!started) {
    if (!started.error().is("actor", "stopping")) {
      log_failure("waking for a schedule", started.error());
    }
    // Whoever wakes the actor next (or the retry below) will run it.
    engine_.add_alarm(record_.actor_id, now_ms() + 100);
    co_return;
  }
  schedules_running_ = true;
  enter_call();
  do {
    schedules_rerun_ = false;
    auto rows = engine_.store().kv_prefix(record_.actor_id, Bytes{kSchedulePrefix},
                                          static_cast<std::size_t>(-1));
    if (!rows) {
      log_failure("reading schedules", rows.error());
      break;
    }
    const auto now = now_ms();
    for (auto& row : *rows) {
      const auto due = schedule_due(row.key);
      if (due > now) {
        engine_.add_alarm(record_.actor_id, due);
        break;  // rows are ordered by due time
      }
      auto decoded = protocol::decode_compat_cbor(row.value);
      if (!decoded || !decoded->is_object()) {
        log_failure("decoding a schedule", make_error("schedule", "corrupt", "unreadable row"));
        pending_writes_.ops.emplace_back(storage::WriteBatch::Delete{record_.actor_id, row.key});
        continue;
      }
      ScheduleRun run{row.key, decoded->value("action", std::string()),
                      decoded->value("args", Value::array()), decoded->value("attempt", 0)};
      auto result = co_await invoke_action(nullptr, run.action, run.args, &run);
      if (!result) {
        log_failure("scheduled action " + run.action, result.error());
      }
      if (run_state_ != RunState::Running) {
        break;
      }
    }
  } while (schedules_rerun_ && run_state_ == RunState::Running);
  schedules_running_ = false;
  leave_call();
}

}  // namespace detail
}  // namespace rivet

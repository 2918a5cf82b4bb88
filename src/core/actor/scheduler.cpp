#include "core/actor/scheduler.hpp"

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/schedule_table.hpp"
#include "core/state_keys.hpp"

namespace rivet::detail {

Result<ScheduleTable*> Scheduler::table(ActorInstance& rt) {
  if (!table_) {
    auto loaded = load_schedule_table(rt);
    if (!loaded) {
      return loaded.error();
    }
    table_ = std::make_shared<ScheduleTable>(std::move(*loaded));
  }
  return table_.get();
}

std::string Scheduler::add(ActorInstance& rt, ScheduleTable& table, std::int64_t due_ms,
                           std::string action, Value args, int attempt) {
  ScheduleRow row;
  row.due = due_ms;
  row.action = std::move(action);
  row.args = std::move(args);
  row.attempt = attempt;
  auto key = put_schedule_row(rt, table, std::move(row));
  return schedule_id(schedule_nonce(key));
}

void Scheduler::retire(ActorInstance& rt, const ScheduleRun& run, const Result<Value>& outcome) {
  auto& table = *table_;  // loaded by run_due()
  if (auto* m = rt.metrics()) {
    m->schedule_run(outcome.has_value());
  }
  // Cancelled (or, for a cron job, rescheduled) while it ran: nothing to retry.
  const bool pending = table.rows.contains(run.row_key);
  delete_schedule_row(rt, table, run.row_key);
  if (!run.cron.empty()) {
    retire_cron_run(rt, table, run, outcome);
    return;
  }
  if (outcome || !pending) {
    return;
  }
  const int attempt = run.attempt + 1;
  if (attempt > kScheduleMaxAttempts) {
    rt.log_failure("schedule " + run.action,
                   make_error(codes::kScheduleGaveUp,
                           "dropped after " + std::to_string(kScheduleMaxAttempts) + " attempts"));
    return;
  }
  ScheduleRow row;
  row.due = rt.clock().wall_ms() + schedule_retry_delay(attempt).count();
  row.nonce = run.nonce;  // the same id while retrying
  row.action = run.action;
  row.args = run.args;
  row.attempt = attempt;
  put_schedule_row(rt, table, std::move(row));
  if (auto* m = rt.metrics()) {
    m->schedule_retry();
  }
}

Task<void> Scheduler::run_due(ActorInstance& rt) {
  if (running_) {
    rerun_ = true;
    co_return;
  }
  const auto& actor_id = rt.record().actor_id;
  auto started = co_await rt.ensure_started();
  if (!started) {
    if (!started.error().is(codes::kActorStopping)) {
      rt.log_failure("waking for a schedule", started.error());
    }
    // Whoever wakes the actor next (or the retry below) will run it.
    rt.runtime().set_alarm(actor_id, rt.clock().wall_ms() + 100);
    co_return;
  }
  running_ = true;
  rt.enter_call();
  do {
    rerun_ = false;
    auto loaded = table(rt);
    if (!loaded) {
      rt.log_failure("reading schedules", loaded.error());
      rt.runtime().set_alarm(actor_id, rt.clock().wall_ms() + 1000);
      break;
    }
    // The table outlives this loop (shared_ptr member); rows are looked up afresh after every
    // run, as other calls may add or cancel schedules meanwhile.
    auto table = table_;
    while (rt.run_state() == RunState::Running && !table->rows.empty()) {
      const auto& [key, row] = *table->rows.begin();
      if (row.due > rt.clock().wall_ms()) {
        rt.runtime().set_alarm(actor_id, row.due);
        break;
      }
      ScheduleRun run{key, row.action, row.args, row.attempt, row.nonce, row.cron, row.slot,
                      rt.clock().wall_ms()};
      if (!run.cron.empty()) {
        auto job = table->jobs.find(run.cron);
        if (job == table->jobs.end()) {
          delete_schedule_row(rt, *table, run.row_key);
          continue;
        }
        run.action = job->second.job.action;
        run.args = job->second.job.args;
      }
      if (!rt.definition().actions.contains(run.action)) {
        // Nothing will ever run it: one-shots are dropped, recurring jobs deleted.
        rt.log_failure("schedule " + run.action, errors::action_not_found(run.action));
        delete_schedule_row(rt, *table, run.row_key);
        if (!run.cron.empty()) {
          delete_cron_job(rt, *table, run.cron);
        }
        co_await rt.persist_state(false);
        continue;
      }
      auto result = co_await rt.invoke_action(nullptr, run.action, run.args, &run);
      if (!result) {
        rt.log_failure("scheduled action " + run.action, result.error());
      }
      if (rt.run_state() != RunState::Running) {
        break;
      }
      auto still = table->rows.find(run.row_key);
      if (still != table->rows.end() && still->second.nonce == run.nonce &&
          still->second.attempt == run.attempt) {
        // The call failed before the action ran (so it was not retired): count it as a failure.
        retire(rt, run, result);
        co_await rt.persist_state(false);
      }
    }
  } while (rerun_ && rt.run_state() == RunState::Running);
  running_ = false;
  rt.leave_call();
}

}  // namespace rivet::detail

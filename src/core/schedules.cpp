// Durable schedules: rows under the schedule prefix, committed with the scheduling call's state,
// run by the engine's alarm loop, retired in the same commit as the run's state change.

#include <rivet/core/schedule.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/actor_runtime.hpp"
#include "core/engine_core.hpp"
#include "core/ids.hpp"
#include "core/schedule_table.hpp"
#include "core/state_keys.hpp"
#include "core/user_code.hpp"

#include <algorithm>
#include <charconv>
#include <random>

namespace rivet {

namespace {

detail::ScheduleTable& table_or_throw(detail::ActorRuntime& rt) {
  auto table = rt.schedule_table();
  if (!table) {
    throw ErrorException(table.error());
  }
  return **table;
}

std::optional<std::uint64_t> parse_id(std::string_view id) {
  std::uint64_t v = 0;
  if (id.size() != 16) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v, 16);
  if (ec != std::errc() || end != id.data() + id.size()) {
    return std::nullopt;
  }
  return v;
}

ScheduleInfo info_of(const detail::ScheduleRow& row) {
  return ScheduleInfo{detail::schedule_id(row.nonce), row.action, unescape_list(row.args), row.due,
                      row.attempt};
}

// The one-shot row with this id, if pending.
const Bytes* find_one_shot(const detail::ScheduleTable& table, std::string_view id) {
  auto nonce = parse_id(id);
  if (!nonce) {
    return nullptr;
  }
  for (const auto& [key, row] : table.rows) {
    if (row.cron.empty() && row.nonce == *nonce) {
      return &key;
    }
  }
  return nullptr;
}

}  // namespace

void to_json(nlohmann::json& j, const ScheduleInfo& info) {
  j = nlohmann::json{{"id", info.id},
                     {"action", info.action},
                     {"args", decode_compat(info.args).value_or(nlohmann::json::array())},
                     {"at", info.at},
                     {"attempt", info.attempt}};
}

std::string Schedule::after_values(std::chrono::milliseconds delay, std::string action,
                                   Value args) {
  return at_values(detail::now_ms() + delay.count(), std::move(action), std::move(args));
}

std::string Schedule::at_values(std::int64_t timestamp_ms, std::string action, Value args) {
  return rt_->add_schedule(timestamp_ms, std::move(action), escape_list(std::move(args)), 0);
}

std::optional<ScheduleInfo> Schedule::get(std::string_view id) {
  auto& table = table_or_throw(*rt_);
  const Bytes* key = find_one_shot(table, id);
  if (key == nullptr) {
    return std::nullopt;
  }
  return info_of(table.rows.at(*key));
}

std::vector<ScheduleInfo> Schedule::list() {
  std::vector<ScheduleInfo> out;
  for (const auto& [key, row] : table_or_throw(*rt_).rows) {
    if (row.cron.empty()) {
      out.push_back(info_of(row));
    }
  }
  return out;
}

bool Schedule::cancel(std::string_view id) {
  auto& table = table_or_throw(*rt_);
  const Bytes* key = find_one_shot(table, id);
  if (key == nullptr) {
    return false;
  }
  const Bytes copy = *key;
  return detail::delete_schedule_row(*rt_, table, copy);
}

namespace detail {

namespace {

std::uint64_t nonce() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen();
}

Bytes encode_row(const ScheduleRow& row) {
  Value v;
  if (row.cron.empty()) {
    v = Value{{"action", row.action}, {"args", row.args}, {"attempt", row.attempt}};
  } else {
    v = Value{{"cron", row.cron}, {"slot", row.slot}, {"attempt", row.attempt}};
  }
  return protocol::encode_compat_cbor(v);
}

std::optional<ScheduleRow> decode_row(const Bytes& key, const Bytes& value) {
  auto decoded = protocol::decode_compat_cbor(value);
  if (!decoded || !decoded->is_object() || key.size() != 17) {
    return std::nullopt;
  }
  try {
    ScheduleRow row;
    row.due = schedule_due(key);
    row.nonce = schedule_nonce(key);
    row.attempt = decoded->value("attempt", 0);
    if (decoded->contains("cron")) {
      row.cron = decoded->at("cron").get<std::string>();
      row.slot = decoded->value("slot", row.due);
    } else {
      row.action = decoded->at("action").get<std::string>();
      row.args = decoded->value("args", Value::array());
    }
    return row;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string schedule_id(std::uint64_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, n >>= 4) {
    out[static_cast<std::size_t>(i)] = kHex[n & 0xf];
  }
  return out;
}

std::chrono::milliseconds schedule_retry_delay(int attempt) {
  // 1 s, 2 s, 4 s, ... capped at one minute.
  const auto shift = std::min(attempt - 1, 6);
  return std::min(std::chrono::milliseconds(1000LL << std::max(shift, 0)),
                  std::chrono::milliseconds(60'000));
}

Bytes put_schedule_row(ActorRuntime& rt, ScheduleTable& table, ScheduleRow row) {
  if (row.nonce == 0) {
    row.nonce = nonce() | 1;  // never 0: 0 means "pick one"
  }
  Bytes key = schedule_key(row.due, row.nonce);
  rt.stage_write(storage::WriteBatch::Put{rt.record().actor_id, key, encode_row(row)});
  rt.stage_alarm(row.due);
  table.rows.insert_or_assign(key, std::move(row));
  return key;
}

bool delete_schedule_row(ActorRuntime& rt, ScheduleTable& table, const Bytes& key) {
  rt.stage_write(storage::WriteBatch::Delete{rt.record().actor_id, key});
  return table.rows.erase(key) > 0;
}

Result<ScheduleTable> load_schedule_table(ActorRuntime& rt) {
  auto& store = rt.engine().store();
  const auto& actor_id = rt.record().actor_id;
  auto rows = store.kv_prefix(actor_id, Bytes{kSchedulePrefix}, static_cast<std::size_t>(-1));
  if (!rows) {
    return rows.error();
  }
  auto jobs = store.kv_prefix(actor_id, Bytes{kCronJobPrefix}, static_cast<std::size_t>(-1));
  if (!jobs) {
    return jobs.error();
  }
  ScheduleTable table;
  for (auto& entry : *jobs) {
    std::string name(entry.key.begin() + 1, entry.key.end());
    auto rec = decode_cron_job(name, entry.value);
    if (!rec) {
      log_failure("loading cron job", rec.error());
      rt.stage_write(storage::WriteBatch::Delete{actor_id, entry.key});
      continue;
    }
    table.jobs.emplace(std::move(name), std::move(*rec));
  }
  for (auto& entry : *rows) {
    auto row = decode_row(entry.key, entry.value);
    if (!row) {
      log_failure("loading a schedule", make_error(codes::kScheduleCorrupt, "unreadable row"));
      rt.stage_write(storage::WriteBatch::Delete{actor_id, entry.key});
      continue;
    }
    if (!row->cron.empty()) {
      // A job has one pending run; rows of deleted jobs (or extra ones) go.
      if (!table.jobs.contains(row->cron) || table.job_row.contains(row->cron)) {
        rt.stage_write(storage::WriteBatch::Delete{actor_id, entry.key});
        continue;
      }
      table.job_row.emplace(row->cron, entry.key);
    }
    table.rows.emplace(entry.key, std::move(*row));
  }
  return table;
}

Result<ScheduleTable*> ActorRuntime::schedule_table() {
  if (!schedule_table_) {
    auto loaded = load_schedule_table(*this);
    if (!loaded) {
      return loaded.error();
    }
    schedule_table_ = std::make_shared<ScheduleTable>(std::move(*loaded));
  }
  return schedule_table_.get();
}

std::string ActorRuntime::add_schedule(std::int64_t due_ms, std::string action, Value args,
                                       int attempt) {
  auto& table = table_or_throw(*this);
  ScheduleRow row;
  row.due = due_ms;
  row.action = std::move(action);
  row.args = std::move(args);
  row.attempt = attempt;
  auto key = put_schedule_row(*this, table, std::move(row));
  return schedule_id(schedule_nonce(key));
}

void ActorRuntime::retire_schedule(const ScheduleRun& run, const Result<Value>& outcome) {
  auto& table = *schedule_table_;  // loaded by run_due_schedules
  // Cancelled (or, for a cron job, rescheduled) while it ran: nothing to retry.
  const bool pending = table.rows.contains(run.row_key);
  delete_schedule_row(*this, table, run.row_key);
  if (!run.cron.empty()) {
    retire_cron_run(*this, table, run, outcome);
    return;
  }
  if (outcome || !pending) {
    return;
  }
  const int attempt = run.attempt + 1;
  if (attempt > kScheduleMaxAttempts) {
    log_failure("schedule " + run.action,
                make_error(codes::kScheduleGaveUp,
                           "dropped after " + std::to_string(kScheduleMaxAttempts) + " attempts"));
    return;
  }
  ScheduleRow row;
  row.due = now_ms() + schedule_retry_delay(attempt).count();
  row.nonce = run.nonce;  // the same id while retrying
  row.action = run.action;
  row.args = run.args;
  row.attempt = attempt;
  put_schedule_row(*this, table, std::move(row));
}

Task<void> ActorRuntime::run_due_schedules() {
  if (schedules_running_) {
    schedules_rerun_ = true;
    co_return;
  }
  auto started = co_await ensure_started();
  if (!started) {
    if (!started.error().is(codes::kActorStopping)) {
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
    auto loaded = schedule_table();
    if (!loaded) {
      log_failure("reading schedules", loaded.error());
      engine_.add_alarm(record_.actor_id, now_ms() + 1000);
      break;
    }
    // The table outlives this loop (shared_ptr member); rows are looked up afresh after every
    // run, as other calls may add or cancel schedules meanwhile.
    auto table = schedule_table_;
    while (run_state_ == RunState::Running && !table->rows.empty()) {
      const auto& [key, row] = *table->rows.begin();
      if (row.due > now_ms()) {
        engine_.add_alarm(record_.actor_id, row.due);
        break;
      }
      ScheduleRun run{key, row.action, row.args, row.attempt, row.nonce, row.cron, row.slot,
                      now_ms()};
      if (!run.cron.empty()) {
        auto job = table->jobs.find(run.cron);
        if (job == table->jobs.end()) {
          delete_schedule_row(*this, *table, run.row_key);
          continue;
        }
        run.action = job->second.job.action;
        run.args = job->second.job.args;
      }
      if (!def_.actions.contains(run.action)) {
        // Nothing will ever run it: one-shots are dropped, recurring jobs deleted.
        log_failure("schedule " + run.action, errors::action_not_found(run.action));
        delete_schedule_row(*this, *table, run.row_key);
        if (!run.cron.empty()) {
          delete_cron_job(*this, *table, run.cron);
        }
        co_await persist_state(false);
        continue;
      }
      auto result = co_await invoke_action(nullptr, run.action, run.args, &run);
      if (!result) {
        log_failure("scheduled action " + run.action, result.error());
      }
      if (run_state_ != RunState::Running) {
        break;
      }
      auto still = table->rows.find(run.row_key);
      if (still != table->rows.end() && still->second.nonce == run.nonce &&
          still->second.attempt == run.attempt) {
        // The call failed before the action ran (so it was not retired): count it as a failure.
        retire_schedule(run, result);
        co_await persist_state(false);
      }
    }
  } while (schedules_rerun_ && run_state_ == RunState::Running);
  schedules_running_ = false;
  leave_call();
}

}  // namespace detail
}  // namespace rivet

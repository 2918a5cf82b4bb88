// Cron jobs: a job row (0x07) holds the definition, one schedule row (0x02) its pending run, and
// history rows (0x08) its recent runs. All three change in the commit of the call that changed
// them, or of the run they record.

#include <rivet/core/cron.hpp>
#include <rivet/protocol/encoding.hpp>
#include <rivet/protocol/utf8.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/ids.hpp"
#include "core/schedule_table.hpp"
#include "core/state_keys.hpp"
#include "core/actor/user_code.hpp"

namespace rivet {

namespace detail {

namespace {

[[noreturn]] void fail(const codes::Code& code, std::string message, Value metadata = nullptr) {
  throw ErrorException(make_error(code, std::move(message), std::move(metadata)));
}

Value error_value(const Error& e) {
  return Value{{"group", e.group}, {"code", e.code}, {"message", e.message}};
}

// The job's next regular run strictly after `after_ms`.
std::optional<std::int64_t> next_slot(const CronJobRecord& rec, std::int64_t slot,
                                      std::int64_t after_ms) {
  if (rec.job.kind == "every") {
    const auto interval = rec.job.interval_ms;
    // Anchored to the deadlines: slot + k * interval, the first one after `after_ms`. Runs
    // missed meanwhile collapse into the one that just happened.
    const auto behind = after_ms >= slot ? (after_ms - slot) / interval + 1 : 1;
    return slot + behind * interval;
  }
  return cron_next(rec.expr, rec.zone, std::max(after_ms, slot));
}

void stage_job(ActorInstance& rt, const CronJobRecord& rec) {
  rt.stage_write(storage::WriteBatch::Put{rt.record().actor_id, cron_job_key(rec.job.name),
                                          encode_cron_job(rec)});
}

void schedule_run(ActorInstance& rt, ScheduleTable& table, const std::string& name,
                  std::int64_t due, std::int64_t slot, int attempt) {
  ScheduleRow row;
  row.due = due;
  row.cron = name;
  row.slot = slot;
  row.attempt = attempt;
  table.job_row[name] = put_schedule_row(rt, table, std::move(row));
}

void drop_pending_run(ActorInstance& rt, ScheduleTable& table, std::string_view name) {
  auto it = table.job_row.find(name);
  if (it != table.job_row.end()) {
    delete_schedule_row(rt, table, it->second);
    table.job_row.erase(it);
  }
}

// Keeps history entries [history_next - keep, history_next).
void trim_history(ActorInstance& rt, const CronJobRecord& rec, std::uint64_t keep) {
  const auto& name = rec.job.name;
  if (keep == 0) {
    Bytes end = cron_history_prefix(name);
    end.back() = 0x01;  // the prefix is name + 0x00: this is its exclusive end
    rt.stage_write(
        storage::WriteBatch::DeleteRange{rt.record().actor_id, cron_history_prefix(name), end});
  } else if (rec.history_next > keep) {
    rt.stage_write(storage::WriteBatch::DeleteRange{
        rt.record().actor_id, cron_history_prefix(name),
        cron_history_key(name, rec.history_next - keep)});
  }
}

CronJob public_job(const ScheduleTable& table, const CronJobRecord& rec) {
  CronJob job = rec.job;
  job.args = unescape_list(rec.job.args);
  auto row = table.job_row.find(rec.job.name);
  job.next_run_at = row != table.job_row.end() ? table.rows.at(row->second).due : 0;
  return job;
}

ScheduleTable& table_of(ActorInstance& rt) {
  auto table = rt.scheduler().table(rt);
  if (!table) {
    throw ErrorException(table.error());
  }
  return **table;
}

void validate_common(ActorInstance& rt, const std::string& name, const std::string& action,
                     const Value& args, int max_history) {
  if (name.empty() || name.size() > kCronMaxNameSize || name.find('\0') != std::string::npos ||
      !protocol::is_valid_utf8(name)) {
    fail(codes::kScheduleInvalidName,
         "job name must be 1-" + std::to_string(kCronMaxNameSize) + " bytes of UTF-8 without NUL");
  }
  if (!rt.definition().actions.contains(action)) {
    fail(codes::kScheduleUnknownAction, "the actor has no action with this name",
         Value{{"action", protocol::is_valid_utf8(action) ? action : std::string()}});
  }
  if (!args.is_array()) {
    fail(codes::kScheduleInvalidArgs, "args must be a list");
  }
  if (max_history < 0 || max_history > kCronMaxHistory) {
    fail(codes::kScheduleInvalidMaxHistory,
         "maxHistory must be between 0 and " + std::to_string(kCronMaxHistory));
  }
}

// Creates or updates `rec.job.name`; `rec` carries the new definition (kind, cadence, action,
// args, max_history) and its parsed expression.
CronJob upsert(ActorInstance& rt, CronJobRecord rec) {
  auto& table = table_of(rt);
  const std::string name = rec.job.name;  // a copy: rec is moved into the table below
  auto existing = table.jobs.find(name);
  if (existing == table.jobs.end() && table.jobs.size() >= kCronMaxJobs) {
    fail(codes::kScheduleTooManyJobs,
         "an actor has at most " + std::to_string(kCronMaxJobs) + " cron jobs",
         Value{{"limit", kCronMaxJobs}});
  }
  long total = rec.job.max_history;
  for (const auto& [other, job] : table.jobs) {
    total += other == name ? 0 : job.job.max_history;
  }
  if (total > kCronMaxHistoryPerActor) {
    fail(codes::kScheduleHistoryLimit,
         "maxHistory over all of an actor's jobs is at most " +
             std::to_string(kCronMaxHistoryPerActor),
         Value{{"limit", kCronMaxHistoryPerActor}});
  }
  const auto now = rt.clock().wall_ms();
  bool cadence_changed = true;
  rec.job.created_at = now;
  rec.job.updated_at = now;
  if (existing != table.jobs.end()) {
    const auto& old = existing->second;
    cadence_changed = old.job.kind != rec.job.kind || old.expr != rec.expr ||
                      old.job.timezone != rec.job.timezone ||
                      old.job.interval_ms != rec.job.interval_ms || !table.job_row.contains(name);
    rec.job.created_at = old.job.created_at;
    rec.job.last_run_at = old.job.last_run_at;
    rec.job.last_result = old.job.last_result;
    rec.history_next = old.history_next;
    if (rec.job.max_history < old.job.max_history) {
      trim_history(rt, rec, static_cast<std::uint64_t>(rec.job.max_history));
    }
  }
  std::optional<std::int64_t> first;
  if (cadence_changed) {
    first = rec.job.kind == "every" ? std::optional(now + rec.job.interval_ms)
                                    : cron_next(rec.expr, rec.zone, now);
    if (!first) {
      fail(codes::kScheduleInvalidCronExpression,
           "the expression matches no time in the next nine years");
    }
  }
  // Validated: from here on nothing throws, so a rejected call stores nothing.
  stage_job(rt, rec);
  if (cadence_changed) {
    drop_pending_run(rt, table, name);
    schedule_run(rt, table, name, *first, *first, 0);
  }
  table.jobs.insert_or_assign(name, std::move(rec));
  return public_job(table, table.jobs.at(name));
}

}  // namespace

Bytes encode_cron_job(const CronJobRecord& rec) {
  const auto& j = rec.job;
  Value v{{"kind", j.kind},
          {"expression", j.expression},
          {"timezone", j.timezone},
          {"interval", j.interval_ms},
          {"action", j.action},
          {"args", j.args},
          {"maxHistory", j.max_history},
          {"createdAt", j.created_at},
          {"updatedAt", j.updated_at},
          {"historyNext", rec.history_next},
          {"lastRunAt", j.last_run_at ? Value(*j.last_run_at) : Value()},
          {"lastResult", j.last_result ? Value(*j.last_result) : Value()}};
  return protocol::encode_compat_cbor(v);
}

Result<CronJobRecord> decode_cron_job(std::string name, const Bytes& value) {
  auto decoded = protocol::decode_compat_cbor(value);
  if (!decoded || !decoded->is_object()) {
    return make_error(codes::kScheduleCorrupt, "unreadable cron job");
  }
  CronJobRecord rec;
  try {
    const auto& v = *decoded;
    rec.job.name = std::move(name);
    rec.job.kind = v.at("kind").get<std::string>();
    rec.job.expression = v.value("expression", std::string());
    rec.job.timezone = v.value("timezone", std::string());
    rec.job.interval_ms = v.value("interval", std::int64_t{0});
    rec.job.action = v.at("action").get<std::string>();
    rec.job.args = v.value("args", Value::array());
    rec.job.max_history = v.value("maxHistory", kCronDefaultMaxHistory);
    rec.job.created_at = v.value("createdAt", std::int64_t{0});
    rec.job.updated_at = v.value("updatedAt", std::int64_t{0});
    rec.history_next = v.value("historyNext", std::uint64_t{0});
    if (v.contains("lastRunAt") && v.at("lastRunAt").is_number()) {
      rec.job.last_run_at = v.at("lastRunAt").get<std::int64_t>();
    }
    if (v.contains("lastResult") && v.at("lastResult").is_string()) {
      rec.job.last_result = v.at("lastResult").get<std::string>();
    }
  } catch (const std::exception&) {
    return make_error(codes::kScheduleCorrupt, "unreadable cron job");
  }
  if (rec.job.kind == "every") {
    if (rec.job.interval_ms <= 0) {
      return make_error(codes::kScheduleCorrupt, "cron job without an interval");
    }
    return rec;
  }
  auto expr = parse_cron(rec.job.expression);
  if (!expr) {
    return expr.error();
  }
  auto zone = find_time_zone(rec.job.timezone);
  if (!zone) {
    return zone.error();
  }
  rec.expr = *expr;
  rec.zone = *zone;
  return rec;
}

bool delete_cron_job(ActorInstance& rt, ScheduleTable& table, std::string_view name) {
  auto it = table.jobs.find(name);
  if (it == table.jobs.end()) {
    return false;
  }
  drop_pending_run(rt, table, name);
  trim_history(rt, it->second, 0);
  rt.stage_write(storage::WriteBatch::Delete{rt.record().actor_id, cron_job_key(name)});
  table.jobs.erase(it);
  return true;
}

void retire_cron_run(ActorInstance& rt, ScheduleTable& table, const ScheduleRun& run,
                     const Result<Value>& outcome) {
  auto it = table.jobs.find(run.cron);
  if (it == table.jobs.end()) {
    return;  // deleted while it ran
  }
  auto& rec = it->second;
  const auto now = rt.clock().wall_ms();
  const std::string result = outcome ? "ok" : "error";
  if (rec.job.max_history > 0) {
    Value entry{{"scheduledAt", run.slot}, {"startedAt", run.started_at}, {"finishedAt", now},
                {"result", result},        {"attempt", run.attempt},      {"error", nullptr}};
    if (!outcome) {
      entry["error"] = error_value(mask_for_client(outcome.error()));
    }
    rt.stage_write(storage::WriteBatch::Put{rt.record().actor_id,
                                            cron_history_key(run.cron, rec.history_next),
                                            protocol::encode_compat_cbor(entry)});
    rec.history_next += 1;
    trim_history(rt, rec, static_cast<std::uint64_t>(rec.job.max_history));
  }
  rec.job.last_run_at = run.started_at;
  rec.job.last_result = result;
  stage_job(rt, rec);

  auto pending = table.job_row.find(run.cron);
  if (pending == table.job_row.end() || pending->second != run.row_key) {
    return;  // re-set with a new cadence while it ran: that run stands
  }
  table.job_row.erase(pending);
  const auto regular = next_slot(rec, run.slot, now);
  if (!outcome) {
    const int attempt = run.attempt + 1;
    if (attempt <= kScheduleMaxAttempts) {
      const auto retry_at = now + schedule_retry_delay(attempt).count();
      // A retry that would come after the next regular run is folded into that run.
      if (!regular || retry_at < *regular) {
        schedule_run(rt, table, run.cron, retry_at, run.slot, attempt);
        return;
      }
    } else {
      rt.log_failure("cron job " + run.cron,
                  make_error(codes::kScheduleGaveUp,
                             "run dropped after " + std::to_string(kScheduleMaxAttempts) +
                                 " attempts; the job continues at its next run"));
    }
  }
  if (!regular) {
    rt.log_failure("cron job " + run.cron,
                make_error(codes::kScheduleNoNextRun, "the expression matches no later time"));
    return;
  }
  schedule_run(rt, table, run.cron, *regular, *regular, 0);
}

}  // namespace detail

namespace {

Value args_from(const nlohmann::json& j) {
  if (!j.contains("args") || j.at("args").is_null()) {
    return Value::array();
  }
  return encode_compat(j.at("args"));
}

}  // namespace

void from_json(const nlohmann::json& j, CronSpec& spec) {
  spec.name = j.at("name").get<std::string>();
  spec.expression = j.at("expression").get<std::string>();
  spec.action = j.at("action").get<std::string>();
  spec.args = args_from(j);
  if (j.contains("timezone") && !j.at("timezone").is_null()) {
    spec.timezone = j.at("timezone").get<std::string>();
  }
  if (j.contains("maxHistory") && !j.at("maxHistory").is_null()) {
    spec.max_history = j.at("maxHistory").get<int>();
  }
}

void from_json(const nlohmann::json& j, EverySpec& spec) {
  spec.name = j.at("name").get<std::string>();
  spec.interval = std::chrono::milliseconds(j.at("interval").get<std::int64_t>());
  spec.action = j.at("action").get<std::string>();
  spec.args = args_from(j);
  if (j.contains("maxHistory") && !j.at("maxHistory").is_null()) {
    spec.max_history = j.at("maxHistory").get<int>();
  }
}

void to_json(nlohmann::json& j, const CronJob& job) {
  j = nlohmann::json{{"name", job.name},
                     {"kind", job.kind},
                     {"action", job.action},
                     {"args", decode_compat(job.args).value_or(nlohmann::json::array())},
                     {"maxHistory", job.max_history},
                     {"nextRunAt", job.next_run_at},
                     {"createdAt", job.created_at},
                     {"updatedAt", job.updated_at},
                     {"lastRunAt", job.last_run_at},
                     {"lastResult", job.last_result}};
  if (job.kind == "every") {
    j["interval"] = job.interval_ms;
  } else {
    j["expression"] = job.expression;
    j["timezone"] = job.timezone;
  }
}

void to_json(nlohmann::json& j, const CronRun& run) {
  j = nlohmann::json{{"scheduledAt", run.scheduled_at}, {"startedAt", run.started_at},
                     {"finishedAt", run.finished_at},   {"result", run.result},
                     {"attempt", run.attempt},          {"error", nullptr}};
  if (run.error) {
    j["error"] = detail::error_value(*run.error);
  }
}

CronJob Cron::set(CronSpec spec) {
  detail::validate_common(*rt_, spec.name, spec.action, spec.args, spec.max_history);
  auto expr = detail::parse_cron(spec.expression);
  if (!expr) {
    throw ErrorException(expr.error());
  }
  auto zone = detail::find_time_zone(spec.timezone);
  if (!zone) {
    throw ErrorException(zone.error());
  }
  detail::CronJobRecord rec;
  rec.job.name = std::move(spec.name);
  rec.job.kind = "cron";
  rec.job.expression = std::move(spec.expression);
  rec.job.timezone = std::move(spec.timezone);
  rec.job.action = std::move(spec.action);
  rec.job.args = escape_list(std::move(spec.args));
  rec.job.max_history = spec.max_history;
  rec.expr = *expr;
  rec.zone = *zone;
  return detail::upsert(*rt_, std::move(rec));
}

CronJob Cron::every(EverySpec spec) {
  detail::validate_common(*rt_, spec.name, spec.action, spec.args, spec.max_history);
  if (spec.interval < kCronMinInterval) {
    detail::fail(codes::kScheduleIntervalTooShort,
                 "interval must be at least " + std::to_string(kCronMinInterval.count()) + " ms",
                 Value{{"minimum", kCronMinInterval.count()}});
  }
  if (spec.interval > kCronMaxInterval) {
    detail::fail(codes::kScheduleIntervalTooLong,
                 "interval must be at most " + std::to_string(kCronMaxInterval.count()) + " ms",
                 Value{{"maximum", kCronMaxInterval.count()}});
  }
  detail::CronJobRecord rec;
  rec.job.name = std::move(spec.name);
  rec.job.kind = "every";
  rec.job.interval_ms = spec.interval.count();
  rec.job.action = std::move(spec.action);
  rec.job.args = escape_list(std::move(spec.args));
  rec.job.max_history = spec.max_history;
  return detail::upsert(*rt_, std::move(rec));
}

std::optional<CronJob> Cron::get(std::string_view name) {
  auto& table = detail::table_of(*rt_);
  auto it = table.jobs.find(name);
  if (it == table.jobs.end()) {
    return std::nullopt;
  }
  return detail::public_job(table, it->second);
}

std::vector<CronJob> Cron::list() {
  auto& table = detail::table_of(*rt_);
  std::vector<CronJob> out;
  for (const auto& [name, rec] : table.jobs) {
    out.push_back(detail::public_job(table, rec));
  }
  return out;
}

bool Cron::del(std::string_view name) {
  return detail::delete_cron_job(*rt_, detail::table_of(*rt_), name);
}

std::vector<CronRun> Cron::history(std::string_view name, std::size_t limit) {
  auto& table = detail::table_of(*rt_);
  auto it = table.jobs.find(name);
  if (it == table.jobs.end()) {
    return {};
  }
  const auto& rec = it->second;
  const auto keep = static_cast<std::uint64_t>(rec.job.max_history);
  const auto oldest = rec.history_next > keep ? rec.history_next - keep : 0;
  auto rows = rt_->runtime().store().kv_range(rt_->record().actor_id,
                                             detail::cron_history_key(name, oldest),
                                             detail::cron_history_key(name, rec.history_next),
                                             static_cast<std::size_t>(-1));
  if (!rows) {
    throw ErrorException(rows.error());
  }
  std::vector<CronRun> out;
  for (auto row = rows->rbegin(); row != rows->rend() && out.size() < limit; ++row) {
    auto v = protocol::decode_compat_cbor(row->value);
    if (!v || !v->is_object()) {
      continue;
    }
    try {
      CronRun run;
      run.scheduled_at = v->value("scheduledAt", std::int64_t{0});
      run.started_at = v->value("startedAt", std::int64_t{0});
      run.finished_at = v->value("finishedAt", std::int64_t{0});
      run.result = v->value("result", std::string());
      run.attempt = v->value("attempt", 0);
      if (v->contains("error") && v->at("error").is_object()) {
        const auto& e = v->at("error");
        run.error = make_error(e.value("group", std::string()), e.value("code", std::string()),
                               e.value("message", std::string()));
      }
      out.push_back(std::move(run));
    } catch (const std::exception&) {
      continue;
    }
  }
  return out;
}

}  // namespace rivet

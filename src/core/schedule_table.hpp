#pragma once
// The actor's pending schedule rows and cron jobs, in memory.
//
// Loaded from the actor's rows on first use and authoritative from then on: every change goes
// through it and is staged for the next commit at the same time, so calls that interleave on the
// strand see each other's schedules before they are durable. Strand-affine, like the runtime.

#include <rivet/common/error.hpp>
#include <rivet/core/cron.hpp>
#include <rivet/core/schedule.hpp>

#include "core/cron_expression.hpp"

#include <map>
#include <optional>
#include <string>

namespace rivet::detail {

class ActorInstance;
struct ScheduleRun;

/// One row under the schedule prefix: a one-shot schedule, or the pending run of a cron job.
struct ScheduleRow {
  std::int64_t due = 0;
  std::uint64_t nonce = 0;  // stays the same across retries: the one-shot's id
  std::string action;       // one-shot only
  Value args;               // one-shot only (escaped list)
  int attempt = 0;
  std::string cron;  // the job's name for a cron run
  std::int64_t slot = 0;  // cron: the occurrence this run serves
};

struct CronJobRecord {
  CronJob job;  // next_run_at is taken from the pending row
  CronExpression expr;
  const date::time_zone* zone = nullptr;
  std::uint64_t history_next = 0;  // sequence number of the next history entry
};

struct ScheduleTable {
  std::map<Bytes, ScheduleRow> rows;  // key order = due order
  std::map<std::string, CronJobRecord, std::less<>> jobs;
  std::map<std::string, Bytes, std::less<>> job_row;  // a job's pending row
};

/// Reads the actor's schedule rows and jobs, repairing what does not fit together (see .cpp).
[[nodiscard]] Result<ScheduleTable> load_schedule_table(ActorInstance& rt);

/// Stages a row (and its alarm) and records it; returns its key.
Bytes put_schedule_row(ActorInstance& rt, ScheduleTable& table, ScheduleRow row);
/// Stages the row's deletion; false when the table had no such row.
bool delete_schedule_row(ActorInstance& rt, ScheduleTable& table, const Bytes& key);

/// After a cron run: history, last result, and the next run (or a retry). cron.cpp.
void retire_cron_run(ActorInstance& rt, ScheduleTable& table, const ScheduleRun& run,
                     const Result<Value>& outcome);
/// Deletes a job with its pending row and history. cron.cpp.
bool delete_cron_job(ActorInstance& rt, ScheduleTable& table, std::string_view name);

/// Row encodings (docs/storage-format.md).
[[nodiscard]] Bytes encode_cron_job(const CronJobRecord& rec);
[[nodiscard]] Result<CronJobRecord> decode_cron_job(std::string name, const Bytes& value);
[[nodiscard]] std::string schedule_id(std::uint64_t nonce);

}  // namespace rivet::detail

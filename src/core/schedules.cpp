// Durable schedules: rows under the schedule prefix, committed with the scheduling call's state,
// run by the runtime's alarm loop, retired in the same commit as the run's state change.

#include <rivet/core/schedule.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/ids.hpp"
#include "core/schedule_table.hpp"
#include "core/state_keys.hpp"
#include "core/actor/user_code.hpp"

#include <algorithm>
#include <charconv>
#include <random>

namespace rivet {

namespace {

detail::ScheduleTable& table_or_throw(detail::ActorInstance& rt) {
  auto table = rt.scheduler().table(rt);
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
  return at_values(rt_->clock().wall_ms() + delay.count(), std::move(action), std::move(args));
}

std::string Schedule::at_values(std::int64_t timestamp_ms, std::string action, Value args) {
  auto& table = table_or_throw(*rt_);
  return rt_->scheduler().add(*rt_, table, timestamp_ms, std::move(action),
                              escape_list(std::move(args)), 0);
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

Bytes put_schedule_row(ActorInstance& rt, ScheduleTable& table, ScheduleRow row) {
  if (row.nonce == 0) {
    row.nonce = nonce() | 1;  // never 0: 0 means "pick one"
  }
  Bytes key = schedule_key(row.due, row.nonce);
  rt.stage_write(storage::WriteBatch::Put{rt.record().actor_id, key, encode_row(row)});
  rt.stage_alarm(row.due);
  table.rows.insert_or_assign(key, std::move(row));
  return key;
}

bool delete_schedule_row(ActorInstance& rt, ScheduleTable& table, const Bytes& key) {
  rt.stage_write(storage::WriteBatch::Delete{rt.record().actor_id, key});
  return table.rows.erase(key) > 0;
}

Result<ScheduleTable> load_schedule_table(ActorInstance& rt) {
  auto& store = rt.runtime().store();
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
      rt.log_failure("loading cron job", rec.error());
      rt.stage_write(storage::WriteBatch::Delete{actor_id, entry.key});
      continue;
    }
    table.jobs.emplace(std::move(name), std::move(*rec));
  }
  for (auto& entry : *rows) {
    auto row = decode_row(entry.key, entry.value);
    if (!row) {
      rt.log_failure("loading a schedule", make_error(codes::kScheduleCorrupt, "unreadable row"));
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

}  // namespace detail
}  // namespace rivet

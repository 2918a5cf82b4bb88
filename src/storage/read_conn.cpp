#include "storage/read_conn.hpp"

#include "storage/schema.hpp"

#include <limits>

namespace rivet::storage::detail {

namespace {

// SQLite's LIMIT is a signed 64-bit value.
std::int64_t sql_limit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(limit > kMax ? kMax : limit);
}

Error bind_failed(sqlite3* db) {
  return sqlite_error(db, "cannot bind query parameter");
}

// The current row of a statement selecting kActorColumns.
ActorRecord read_actor_row(sqlite3_stmt* stmt) {
  ActorRecord r;
  r.actor_id = column_string(stmt, 0);
  r.name = column_string(stmt, 1);
  r.key = column_string(stmt, 2);
  r.create_ts = sqlite3_column_int64(stmt, 3);
  if (sqlite3_column_type(stmt, 4) != SQLITE_NULL) {
    r.destroy_ts = sqlite3_column_int64(stmt, 4);
  }
  r.crash_policy = column_string(stmt, 5);
  if (sqlite3_column_type(stmt, 6) != SQLITE_NULL) {
    r.input = column_bytes(stmt, 6);
  }
  r.generation = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 7));
  return r;
}

}  // namespace

Result<std::unique_ptr<ReadConn>> ReadConn::open(const OpenTarget& target) {
  auto db = open_db(target.name, SQLITE_OPEN_READONLY | target.flags, target.vfs);
  if (!db) {
    return db.error();
  }
  // Readers look up single rows (an actor's record, its state at wake): a smaller page cache
  // than the writer's default 2 MiB is enough, and each reader's cache is resident memory.
  if (auto r = exec(db->get(), "PRAGMA cache_size = -512"); !r) {
    return r.error();
  }
  std::unique_ptr<ReadConn> conn(new ReadConn());
  conn->owned_ = std::move(*db);
  conn->db_ = conn->owned_.get();
  if (auto r = conn->prepare_all(); !r) {
    return r.error();
  }
  return conn;
}

Result<std::unique_ptr<ReadConn>> ReadConn::borrow(sqlite3* db) {
  std::unique_ptr<ReadConn> conn(new ReadConn());
  conn->db_ = db;
  if (auto r = conn->prepare_all(); !r) {
    return r.error();
  }
  return conn;
}

std::string ReadConn::resumable_scan_sql() {
  return std::string("SELECT actor_id, key, value FROM kv WHERE ") + kResumableKeys +
         " AND key >= ?1 AND key < ?2 AND EXISTS (SELECT 1 FROM actors WHERE "
         "actors.actor_id = kv.actor_id AND actors.destroy_ts IS NULL) ORDER BY actor_id, key";
}

Result<void> ReadConn::prepare_all() {
  const std::string actor_select = std::string("SELECT ") + kActorColumns + " FROM actors ";
  struct Item {
    StmtPtr* slot;
    std::string sql;
  };
  const Item items[] = {
      {&find_actor_, actor_select + "WHERE actor_id = ?1"},
      {&find_by_key_, actor_select + "WHERE name = ?1 AND key = ?2 AND destroy_ts IS NULL"},
      {&list_all_, actor_select + "WHERE destroy_ts IS NULL AND create_ts >= ?1 "
                                  "ORDER BY create_ts, actor_id LIMIT ?2"},
      {&list_by_name_, actor_select + "WHERE destroy_ts IS NULL AND name = ?1 AND create_ts >= ?2 "
                                      "ORDER BY create_ts, actor_id LIMIT ?3"},
      // Both counts read the per-name totals the schema's triggers keep (schema v2), not the
      // actors themselves: a scrape of GET /metrics is then one row, however many are stored.
      {&count_all_, "SELECT COALESCE(SUM(live), 0) FROM actor_counts"},
      {&count_by_name_, "SELECT COALESCE((SELECT live FROM actor_counts WHERE name = ?1), 0)"},
      {&kv_get_, "SELECT value FROM kv WHERE actor_id = ?1 AND key = ?2"},
      {&kv_range_,
       "SELECT key, value FROM kv WHERE actor_id = ?1 AND key >= ?2 AND key < ?3 "
       "ORDER BY key LIMIT ?4"},
      {&kv_range_open_,
       "SELECT key, value FROM kv WHERE actor_id = ?1 AND key >= ?2 ORDER BY key LIMIT ?3"},
      // Outer loop over live actors (partial index), inner seek in each actor's clustered rows.
      {&kv_all_range_,
       "SELECT kv.actor_id, kv.key, kv.value FROM actors CROSS JOIN kv "
       "ON kv.actor_id = actors.actor_id WHERE actors.destroy_ts IS NULL "
       "AND kv.key >= ?1 AND kv.key < ?2 ORDER BY kv.actor_id, kv.key"},
      {&kv_all_range_open_,
       "SELECT kv.actor_id, kv.key, kv.value FROM actors CROSS JOIN kv "
       "ON kv.actor_id = actors.actor_id WHERE actors.destroy_ts IS NULL "
       "AND kv.key >= ?1 ORDER BY kv.actor_id, kv.key"},
      // The same for the ranges under the partial index kv_resumable: only the matching rows
      // are read, each actor checked by its primary key.
      {&kv_resumable_range_, resumable_scan_sql()},
  };
  for (const auto& item : items) {
    auto stmt = prepare(db_, item.sql);
    if (!stmt) {
      return stmt.error();
    }
    *item.slot = std::move(*stmt);
  }
  return {};
}

Result<std::optional<ActorRecord>> ReadConn::one_actor(sqlite3_stmt* stmt) {
  StmtScope scope(stmt);
  switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
      return std::optional<ActorRecord>(read_actor_row(stmt));
    case SQLITE_DONE:
      return std::optional<ActorRecord>();
    default:
      return sqlite_error(db_, "actor lookup failed");
  }
}

Result<std::optional<ActorRecord>> ReadConn::find_actor(std::string_view actor_id) {
  sqlite3_stmt* stmt = find_actor_.get();
  if (!bind_text(stmt, 1, actor_id)) {
    return bind_failed(db_);
  }
  return one_actor(stmt);
}

Result<std::optional<ActorRecord>> ReadConn::find_actor_by_key(std::string_view name,
                                                               std::string_view key) {
  sqlite3_stmt* stmt = find_by_key_.get();
  if (!bind_text(stmt, 1, name) || !bind_blob(stmt, 2, key)) {
    return bind_failed(db_);
  }
  return one_actor(stmt);
}

Result<std::vector<ActorRecord>> ReadConn::list_actors(const std::optional<std::string>& name,
                                                       std::size_t limit,
                                                       std::optional<std::int64_t> after) {
  std::vector<ActorRecord> out;
  // "After" is strict; expressed as an inclusive lower bound so one statement serves both the
  // first page and the next ones.
  std::int64_t min_ts = std::numeric_limits<std::int64_t>::min();
  if (after) {
    if (*after == std::numeric_limits<std::int64_t>::max()) {
      return out;
    }
    min_ts = *after + 1;
  }
  sqlite3_stmt* stmt = name ? list_by_name_.get() : list_all_.get();
  bool bound = name ? bind_text(stmt, 1, *name) && bind_int(stmt, 2, min_ts) &&
                          bind_int(stmt, 3, sql_limit(limit))
                    : bind_int(stmt, 1, min_ts) && bind_int(stmt, 2, sql_limit(limit));
  if (!bound) {
    return bind_failed(db_);
  }
  StmtScope scope(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    out.push_back(read_actor_row(stmt));
  }
  if (rc != SQLITE_DONE) {
    return sqlite_error(db_, "listing actors failed");
  }
  return out;
}

Result<std::uint64_t> ReadConn::count_actors(const std::optional<std::string>& name) {
  sqlite3_stmt* stmt = name ? count_by_name_.get() : count_all_.get();
  if (name && !bind_text(stmt, 1, *name)) {
    return bind_failed(db_);
  }
  StmtScope scope(stmt);
  if (sqlite3_step(stmt) != SQLITE_ROW) {
    return sqlite_error(db_, "counting actors failed");
  }
  return static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 0));
}

Result<std::optional<Bytes>> ReadConn::kv_get(std::string_view actor_id, const Bytes& key) {
  sqlite3_stmt* stmt = kv_get_.get();
  if (!bind_text(stmt, 1, actor_id) || !bind_blob(stmt, 2, key)) {
    return bind_failed(db_);
  }
  StmtScope scope(stmt);
  switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
      return std::optional<Bytes>(column_bytes(stmt, 0));
    case SQLITE_DONE:
      return std::optional<Bytes>();
    default:
      return sqlite_error(db_, "kv get failed");
  }
}

Result<std::vector<KvEntry>> ReadConn::kv_range(std::string_view actor_id, const Bytes& start,
                                                const Bytes& end, std::size_t limit) {
  std::vector<KvEntry> out;
  sqlite3_stmt* stmt = end.empty() ? kv_range_open_.get() : kv_range_.get();
  bool bound = bind_text(stmt, 1, actor_id) && bind_blob(stmt, 2, start);
  bound = bound && (end.empty() ? bind_int(stmt, 3, sql_limit(limit))
                                : bind_blob(stmt, 3, end) && bind_int(stmt, 4, sql_limit(limit)));
  if (!bound) {
    return bind_failed(db_);
  }
  StmtScope scope(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    out.push_back(KvEntry{column_bytes(stmt, 0), column_bytes(stmt, 1)});
  }
  if (rc != SQLITE_DONE) {
    return sqlite_error(db_, "kv range failed");
  }
  return out;
}

Result<std::vector<Store::ActorKvEntry>> ReadConn::kv_range_all_actors(const Bytes& start,
                                                                       const Bytes& end) {
  std::vector<Store::ActorKvEntry> out;
  sqlite3_stmt* stmt = resumable_range(start, end) ? kv_resumable_range_.get()
                       : end.empty()                ? kv_all_range_open_.get()
                                                    : kv_all_range_.get();
  if (!bind_blob(stmt, 1, start) || (!end.empty() && !bind_blob(stmt, 2, end))) {
    return bind_failed(db_);
  }
  StmtScope scope(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    out.push_back(Store::ActorKvEntry{column_string(stmt, 0),
                                      KvEntry{column_bytes(stmt, 1), column_bytes(stmt, 2)}});
  }
  if (rc != SQLITE_DONE) {
    return sqlite_error(db_, "kv scan across actors failed");
  }
  return out;
}

}  // namespace rivet::storage::detail

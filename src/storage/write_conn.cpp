#include "storage/write_conn.hpp"

#include "storage/read_conn.hpp"
#include "storage/schema.hpp"

#include <string>

namespace rivet::storage::detail {

namespace {

constexpr const char* kMemoryPath = ":memory:";

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

Result<std::unique_ptr<WriteConn>> WriteConn::open(const StoreOptions& options,
                                                    const VfsRegistration* registration) {
  std::unique_ptr<WriteConn> conn(new WriteConn());
  auto target = open_target(options.path, registration);
  if (!target) {
    return target.error();
  }
  auto db = open_db(target->name, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | target->flags,
                    target->vfs);
  if (!db) {
    return db.error();
  }
  conn->db_ = std::move(*db);
  sqlite3* h = conn->db_.get();

  // journal_mode is persistent in the file; an in-memory database stays in "memory" mode, which
  // is fine because nothing there needs to survive.
  if (options.path != kMemoryPath) {
    // Small pages for a new database (an existing one keeps its size): a commit rewrites every
    // page it touches into the WAL and back, and a state row is tens of bytes, so 1 KiB pages
    // write (and checksum) a quarter of what the 4 KiB default does for actors spread over the
    // table.
    if (auto r = exec(h, "PRAGMA page_size = 1024"); !r) {
      return r.error();
    }
    auto mode = prepare(h, "PRAGMA journal_mode = WAL");
    if (!mode) {
      return mode.error();
    }
    StmtScope scope(mode->get());
    if (sqlite3_step(mode->get()) != SQLITE_ROW || column_string(mode->get(), 0) != "wal") {
      return sqlite_error(h, "cannot switch database to WAL mode");
    }
  }
  if (auto r = exec(h, options.sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      !r) {
    return r.error();
  }
  if (auto r = migrate(h); !r) {
    return r.error();
  }
  if (auto r = conn->prepare_all(); !r) {
    return r.error();
  }
  return conn;
}

Result<void> WriteConn::prepare_all() {
  struct Item {
    StmtPtr* slot;
    std::string sql;
  };
  const Item items[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&savepoint_, "SAVEPOINT batch"},
      {&release_, "RELEASE batch"},
      {&rollback_to_, "ROLLBACK TO batch"},
      {&put_,
       "INSERT INTO kv (actor_id, key, value) VALUES (?1, ?2, ?3) "
       "ON CONFLICT (actor_id, key) DO UPDATE SET value = excluded.value"},
      {&delete_, "DELETE FROM kv WHERE actor_id = ?1 AND key = ?2"},
      {&delete_range_, "DELETE FROM kv WHERE actor_id = ?1 AND key >= ?2 AND key < ?3"},
      {&delete_range_open_, "DELETE FROM kv WHERE actor_id = ?1 AND key >= ?2"},
      {&delete_all_kv_, "DELETE FROM kv WHERE actor_id = ?1"},
      {&insert_actor_, std::string("INSERT INTO actors (") + kActorColumns +
                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&find_live_by_key_,
       "SELECT actor_id FROM actors WHERE name = ?1 AND key = ?2 AND destroy_ts IS NULL"},
      // An actor destroyed twice keeps its first destroy_ts.
      {&mark_destroyed_,
       "UPDATE actors SET destroy_ts = ?2 WHERE actor_id = ?1 AND destroy_ts IS NULL"},
      {&actor_exists_, "SELECT 1 FROM actors WHERE actor_id = ?1"},
  };
  for (const auto& item : items) {
    auto stmt = prepare(db_.get(), item.sql);
    if (!stmt) {
      return stmt.error();
    }
    *item.slot = std::move(*stmt);
  }
  return {};
}

Result<void> WriteConn::run(sqlite3_stmt* stmt, const char* what) {
  if (step_done(stmt) != SQLITE_DONE) {
    return sqlite_error(db_.get(), what);
  }
  return {};
}

Result<void> WriteConn::begin() {
  return run(begin_.get(), "cannot begin transaction");
}
Result<void> WriteConn::commit() {
  return run(commit_.get(), "commit failed");
}
void WriteConn::rollback() noexcept {
  if (in_transaction()) {
    (void)step_done(rollback_.get());
  }
}
Result<void> WriteConn::savepoint() {
  return run(savepoint_.get(), "cannot open savepoint");
}
Result<void> WriteConn::release_savepoint() {
  return run(release_.get(), "cannot release savepoint");
}
Result<void> WriteConn::rollback_to_savepoint() {
  return run(rollback_to_.get(), "cannot roll back to savepoint");
}
bool WriteConn::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_.get()) == 0;
}

Result<void> WriteConn::apply(const WriteBatch::Op& op) {
  return std::visit(Overloaded{
                        [this](const WriteBatch::Put& o) { return put(o); },
                        [this](const WriteBatch::Delete& o) { return del(o); },
                        [this](const WriteBatch::DeleteRange& o) { return delete_range(o); },
                        [this](const WriteBatch::InsertActor& o) { return insert_actor(o); },
                        [this](const WriteBatch::DestroyActor& o) { return destroy_actor(o); },
                    },
                    op);
}

Result<void> WriteConn::put(const WriteBatch::Put& op) {
  sqlite3_stmt* stmt = put_.get();
  if (!bind_text(stmt, 1, op.actor_id) || !bind_blob(stmt, 2, op.key) ||
      !bind_blob(stmt, 3, op.value)) {
    return sqlite_error(db_.get(), "kv put: cannot bind");
  }
  return run(stmt, "kv put failed");
}

Result<void> WriteConn::del(const WriteBatch::Delete& op) {
  sqlite3_stmt* stmt = delete_.get();
  if (!bind_text(stmt, 1, op.actor_id) || !bind_blob(stmt, 2, op.key)) {
    return sqlite_error(db_.get(), "kv delete: cannot bind");
  }
  return run(stmt, "kv delete failed");
}

Result<void> WriteConn::delete_range(const WriteBatch::DeleteRange& op) {
  sqlite3_stmt* stmt = op.end.empty() ? delete_range_open_.get() : delete_range_.get();
  bool bound = bind_text(stmt, 1, op.actor_id) && bind_blob(stmt, 2, op.start);
  bound = bound && (op.end.empty() || bind_blob(stmt, 3, op.end));
  if (!bound) {
    return sqlite_error(db_.get(), "kv delete range: cannot bind");
  }
  return run(stmt, "kv delete range failed");
}

Result<void> WriteConn::insert_actor(const WriteBatch::InsertActor& op) {
  const ActorRecord& r = op.record;
  sqlite3_stmt* stmt = insert_actor_.get();
  bool bound =
      bind_text(stmt, 1, r.actor_id) && bind_text(stmt, 2, r.name) && bind_blob(stmt, 3, r.key) &&
      bind_int(stmt, 4, r.create_ts) &&
      (r.destroy_ts ? bind_int(stmt, 5, *r.destroy_ts) : sqlite3_bind_null(stmt, 5) == SQLITE_OK) &&
      bind_text(stmt, 6, r.crash_policy) &&
      (r.input ? bind_blob(stmt, 7, *r.input) : sqlite3_bind_null(stmt, 7) == SQLITE_OK) &&
      bind_int(stmt, 8, static_cast<std::int64_t>(r.generation));
  if (!bound) {
    return sqlite_error(db_.get(), "insert actor: cannot bind");
  }
  const int rc = step_done(stmt);
  if (rc == SQLITE_DONE) {
    return {};
  }
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return insert_conflict(r);
  }
  return sqlite_error(db_.get(), "insert actor failed");
}

Error WriteConn::insert_conflict(const ActorRecord& record) {
  // Either the live (name, key) index or the actor_id primary key refused the row; the error
  // code alone is not precise enough to tell which, so look the holder of the key up.
  sqlite3_stmt* stmt = find_live_by_key_.get();
  if (bind_text(stmt, 1, record.name) && bind_blob(stmt, 2, record.key)) {
    StmtScope scope(stmt);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      return errors::duplicate_key(record.key, column_string(stmt, 0));
    }
  }
  return errors::storage("actor id '" + record.actor_id + "' already exists");
}

Result<void> WriteConn::destroy_actor(const WriteBatch::DestroyActor& op) {
  sqlite3_stmt* stmt = mark_destroyed_.get();
  if (!bind_text(stmt, 1, op.actor_id) || !bind_int(stmt, 2, op.destroy_ts)) {
    return sqlite_error(db_.get(), "destroy actor: cannot bind");
  }
  if (auto r = run(stmt, "destroy actor failed"); !r) {
    return r;
  }
  if (sqlite3_changes(db_.get()) == 0) {
    // Nothing updated: either already destroyed (fine, idempotent) or never existed.
    sqlite3_stmt* exists = actor_exists_.get();
    if (!bind_text(exists, 1, op.actor_id)) {
      return sqlite_error(db_.get(), "destroy actor: cannot bind");
    }
    StmtScope scope(exists);
    const int rc = sqlite3_step(exists);
    if (rc == SQLITE_DONE) {
      return errors::actor_not_found();
    }
    if (rc != SQLITE_ROW) {
      return sqlite_error(db_.get(), "destroy actor lookup failed");
    }
  }
  sqlite3_stmt* kv = delete_all_kv_.get();
  if (!bind_text(kv, 1, op.actor_id)) {
    return sqlite_error(db_.get(), "destroy actor: cannot bind");
  }
  return run(kv, "destroy actor: deleting kv failed");
}

}  // namespace rivet::storage::detail

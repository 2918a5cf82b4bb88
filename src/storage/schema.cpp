#include "storage/schema.hpp"

#include "storage/sqlite_handle.hpp"

#include <array>
#include <string>

namespace rivet::storage::detail {

namespace {

// Step i takes the database from version i to version i + 1. Steps are never edited once
// released; a layout change is a new step.
constexpr std::array<const char*, kSchemaVersion> kMigrations = {
    // v0 -> v1: the actor index and the KV rows.
    // `key` is a BLOB because a serialized actor key may contain NUL bytes.
    // The partial unique index is what makes (name, key) unique among live actors only, so a
    // destroyed actor's key can be reused. The two ordering indexes serve list_actors.
    R"sql(
CREATE TABLE actors (
  actor_id     TEXT    NOT NULL PRIMARY KEY,
  name         TEXT    NOT NULL,
  key          BLOB    NOT NULL,
  create_ts    INTEGER NOT NULL,
  destroy_ts   INTEGER,
  crash_policy TEXT    NOT NULL,
  input        BLOB,
  generation   INTEGER NOT NULL
);
CREATE UNIQUE INDEX actors_live_name_key ON actors (name, key) WHERE destroy_ts IS NULL;
CREATE INDEX actors_live_by_create ON actors (create_ts, actor_id) WHERE destroy_ts IS NULL;
CREATE INDEX actors_live_by_name_create ON actors (name, create_ts, actor_id)
  WHERE destroy_ts IS NULL;
CREATE TABLE kv (
  actor_id TEXT NOT NULL,
  key      BLOB NOT NULL,
  value    BLOB NOT NULL,
  PRIMARY KEY (actor_id, key)
) WITHOUT ROWID;
)sql",
    // v1 -> v2: what used to cost one visit per stored actor (docs/benchmarks.md, "Cost as the
    // work grows"). kv_resumable: start-up finds the actors with schedules, queue messages or
    // workflow history in time proportional to those rows; its WHERE is kResumableKeys.
    // actor_counts: live actors per name, kept by triggers in the transaction that creates or
    // destroys one, so counting them (GET /metrics) reads one row instead of walking an index.
    R"sql(
CREATE INDEX kv_resumable ON kv (key, actor_id)
  WHERE (key >= x'02' AND key < x'03' OR key >= x'05' AND key < x'07');
CREATE TABLE actor_counts (
  name TEXT    NOT NULL PRIMARY KEY,
  live INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO actor_counts (name, live)
  SELECT name, COUNT(*) FROM actors WHERE destroy_ts IS NULL GROUP BY name;
CREATE TRIGGER actor_counts_insert AFTER INSERT ON actors WHEN NEW.destroy_ts IS NULL BEGIN
  INSERT INTO actor_counts (name, live) VALUES (NEW.name, 1)
    ON CONFLICT (name) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER actor_counts_destroy AFTER UPDATE OF destroy_ts ON actors
  WHEN OLD.destroy_ts IS NULL AND NEW.destroy_ts IS NOT NULL BEGIN
  UPDATE actor_counts SET live = live - 1 WHERE name = OLD.name;
END;
CREATE TRIGGER actor_counts_delete AFTER DELETE ON actors WHEN OLD.destroy_ts IS NULL BEGIN
  UPDATE actor_counts SET live = live - 1 WHERE name = OLD.name;
END;
)sql",
};

Result<int> read_user_version(sqlite3* db) {
  auto stmt = prepare(db, "PRAGMA user_version");
  if (!stmt) {
    return stmt.error();
  }
  StmtScope scope(stmt->get());
  if (sqlite3_step(stmt->get()) != SQLITE_ROW) {
    return sqlite_error(db, "cannot read schema version");
  }
  return sqlite3_column_int(stmt->get(), 0);
}

}  // namespace

Result<void> migrate(sqlite3* db) {
  // IMMEDIATE so two processes opening a fresh file cannot both run step 0.
  if (auto r = exec(db, "BEGIN IMMEDIATE"); !r) {
    return r;
  }
  auto version = read_user_version(db);
  if (!version) {
    (void)exec(db, "ROLLBACK");
    return version.error();
  }
  if (*version > kSchemaVersion) {
    (void)exec(db, "ROLLBACK");
    return errors::storage("database schema version " + std::to_string(*version) +
                           " is newer than this build supports (" + std::to_string(kSchemaVersion) +
                           ")");
  }
  for (int v = *version; v < kSchemaVersion; ++v) {
    if (auto r = exec(db, kMigrations[static_cast<std::size_t>(v)]); !r) {
      (void)exec(db, "ROLLBACK");
      return r;
    }
  }
  if (*version != kSchemaVersion) {
    // PRAGMA takes no bound parameters; the value is our own constant.
    const std::string set = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
    if (auto r = exec(db, set.c_str()); !r) {
      (void)exec(db, "ROLLBACK");
      return r;
    }
  }
  return exec(db, "COMMIT");
}

}  // namespace rivet::storage::detail

#include "storage/read_conn.hpp"
#include "storage/schema.hpp"
#include "storage/test_util.hpp"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rivet::storage::testing {
namespace {

using DurabilityTest = SqliteStoreTest;

TEST_F(DurabilityTest, DataSurvivesReopen) {
  {
    auto store = open();
    ASSERT_TRUE(store->commit_sync(batch({
        WriteBatch::InsertActor{actor("a1", "room", "k", 7)},
        put("a1", bytes({0x01}), bytes("state")),
    })));
  }
  auto store = open();
  EXPECT_EQ((*store->find_actor("a1"))->create_ts, 7);
  EXPECT_EQ(*store->kv_get("a1", bytes({0x01})), bytes("state"));
  // The unique index survives too.
  auto dup = store->commit_sync(batch({WriteBatch::InsertActor{actor("a2", "room", "k", 8)}}));
  ASSERT_FALSE(dup);
  EXPECT_TRUE(dup.error().is("actor", "duplicate_key"));
}

TEST_F(DurabilityTest, NormalSyncModeAlsoPersistsAcrossCleanClose) {
  StoreOptions o = options();
  o.sync = false;
  {
    auto store = open(o);
    ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v"))})));
  }
  auto store = open(o);
  EXPECT_EQ(*store->kv_get("a", bytes("k")), bytes("v"));
}

// The writer's callback is the durability promise: a process killed right after it ran must not
// lose the data. The child commits, and SIGKILLs itself from inside the last callback, before
// any close or checkpoint could run; the parent then opens the database and looks.
TEST_F(DurabilityTest, AcknowledgedCommitsSurviveKill) {
  constexpr int kBatches = 64;
  const StoreOptions o = options();
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    auto store = Store::open(o);
    if (!store) {
      _exit(2);
    }
    for (int i = 0; i < kBatches; ++i) {
      const bool last = i == kBatches - 1;
      (*store)->commit(batch({put("a", bytes({i}), bytes("acked"))}), [last](Result<void> r) {
        if (!r) {
          _exit(3);
        }
        if (last) {
          kill(getpid(), SIGKILL);
        }
      });
    }
    pause();
    _exit(4);  // unreachable: SIGKILL arrives first
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);

  auto store = open();
  ASSERT_TRUE(store);
  auto rows = store->kv_prefix("a", {}, 1000);
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->size(), std::size_t{kBatches});
}

TEST_F(DurabilityTest, SchemaVersionIsRecordedAndNewerIsRefused) {
  { auto store = open(); }
  const std::string path = options().path;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), detail::kSchemaVersion);
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto refused = Store::open(options());
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is("storage", "failure"));
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos);
}

// Start-up reads schedules, queue messages and workflow history across all actors: through the
// partial index, not by visiting every live actor (which grew start-up linearly with the store).
// Counting actors reads the per-name totals the triggers keep. A v1 file gains both on open.
TEST_F(DurabilityTest, SchemaV2IndexAndCountsAndV1Upgrades) {
  {
    auto store = open();
    ASSERT_TRUE(store->commit_sync(batch({
        WriteBatch::InsertActor{actor("a1", "room", "k1", 7)},
        WriteBatch::InsertActor{actor("a2", "room", "k2", 8)},
        WriteBatch::InsertActor{actor("a3", "room", "k3", 9)},
        WriteBatch::InsertActor{actor("c1", "counter", "k1", 9)},
        put("a1", bytes({0x01}), bytes("state")),
        put("a2", bytes({0x05, 0x00}), bytes("message")),
    })));
    ASSERT_TRUE(store->commit_sync(batch({WriteBatch::DestroyActor{"a3", 10}})));
  }
  const std::string path = options().path;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // A v1 file: the same tables without the index.
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP INDEX kv_resumable; DROP TRIGGER actor_counts_insert; "
                         "DROP TRIGGER actor_counts_destroy; DROP TRIGGER actor_counts_delete; "
                         "DROP TABLE actor_counts; PRAGMA user_version = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  {
    auto store = open();
    auto rows = store->kv_prefix_all_actors(bytes({0x05}));
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1U);
    EXPECT_EQ((*rows)[0].actor_id, "a2");
    // Filled from the actors already stored, then kept by every create and destroy.
    EXPECT_EQ(*store->count_actors("room"), 2U);
    EXPECT_EQ(*store->count_actors(std::nullopt), 3U);
    ASSERT_TRUE(store->commit_sync(batch({WriteBatch::InsertActor{actor("a4", "room", "k4", 11)}})));
    ASSERT_TRUE(store->commit_sync(batch({WriteBatch::DestroyActor{"a1", 12}})));
    // Already destroyed: no change.
    ASSERT_TRUE(store->commit_sync(batch({WriteBatch::DestroyActor{"a1", 13}})));
    EXPECT_EQ(*store->count_actors("room"), 2U);
    EXPECT_EQ(*store->count_actors("counter"), 1U);
    EXPECT_EQ(*store->count_actors("nobody"), 0U);
  }
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const auto plan = "EXPLAIN QUERY PLAN " + detail::ReadConn::resumable_scan_sql();
  ASSERT_EQ(sqlite3_prepare_v2(db, plan.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  std::string text;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    text += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    text += "\n";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_NE(text.find("SEARCH kv USING INDEX kv_resumable"), std::string::npos) << text;
  EXPECT_EQ(text.find("SCAN actors"), std::string::npos) << text;
}

TEST_F(DurabilityTest, OpenFailsCleanlyOnBadPath) {
  StoreOptions o;
  o.path = (dir_ / "missing-dir" / "node.db").string();
  auto r = Store::open(o);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("storage", "failure"));
  o.path = "";
  EXPECT_FALSE(Store::open(o));
}

}  // namespace
}  // namespace rivet::storage::testing

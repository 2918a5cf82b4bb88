// The store under injected faults (rivet/storage/fault_plan.hpp): failed fsyncs, a full disk,
// I/O errors on reads and writes, and writes torn by a crash, each on a real SQLite file in a
// temp dir. What every test checks is the durability contract: a failed commit leaves nothing
// behind that a read could see, acknowledged commits survive, and the store works again once
// the fault clears. docs/faults.md lists the faults and what a client sees.
#include <rivet/storage/fault_plan.hpp>
#include <rivet/storage/sql_database.hpp>

#include "storage/test_util.hpp"

#include <sqlite3.h>

#include <future>
#include <latch>
#include <string>

namespace rivet::storage::testing {
namespace {

constexpr std::size_t kValueSize = 300;  // a row spread over pages: a torn one would show

Bytes value_of(char tag, int i) {
  Bytes v(kValueSize, static_cast<std::uint8_t>(tag));
  v[0] = static_cast<std::uint8_t>(i);
  return v;
}

Bytes key_of(int i) {
  return bytes({0x04, i >> 8, i & 0xff});
}

// `count` rows of one actor, every value marked with `tag`: a batch whose rows must come back
// all or none.
WriteBatch rows(const std::string& actor, char tag, int count) {
  WriteBatch b;
  for (int i = 0; i < count; ++i) {
    b.ops.emplace_back(WriteBatch::Put{actor, key_of(i), value_of(tag, i)});
  }
  return b;
}

// How many of the batch's rows are there, and whether each one that is has exactly its value.
int rows_present(Store& store, const std::string& actor, char tag, int count) {
  int present = 0;
  for (int i = 0; i < count; ++i) {
    auto v = store.kv_get(actor, key_of(i));
    EXPECT_TRUE(v) << v.error().message;
    if (v && *v) {
      EXPECT_EQ(**v, value_of(tag, i)) << actor << " row " << i << " is not what was written";
      ++present;
    }
  }
  return present;
}

std::string integrity(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  sqlite3_stmt* stmt = nullptr;
  std::string out = "no answer";
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

class FaultsTest : public SqliteStoreTest {
 protected:
  [[nodiscard]] StoreOptions faulty() const {
    StoreOptions o = options();
    o.faults = plan_;
    return o;
  }

  std::shared_ptr<FaultPlan> plan_ = std::make_shared<FaultPlan>();
};

// -- what a commit writes -----------------------------------------------------------------------

// The plan counts the bytes that reach the WAL (tests of write paths compare them): a 64 KiB
// value costs at least its own size there, a small change of a small row a few pages.
TEST_F(FaultsTest, ThePlanCountsTheBytesACommitWritesToTheWal) {
  auto store = open(faulty());
  ASSERT_TRUE(store->commit_sync(rows("a", 'A', 1)));
  const auto before = plan_->counts().wal_bytes;
  WriteBatch big;
  big.ops.emplace_back(WriteBatch::Put{"a", key_of(1), Bytes(64 * 1024, 0x42)});
  ASSERT_TRUE(store->commit_sync(std::move(big)));
  const auto after_big = plan_->counts().wal_bytes;
  EXPECT_GE(after_big - before, 64U * 1024U);
  ASSERT_TRUE(store->commit_sync(rows("a", 'B', 1)));
  EXPECT_LT(plan_->counts().wal_bytes - after_big, 8U * 1024U);
}

// -- fsync --------------------------------------------------------------------------------------

TEST_F(FaultsTest, FailedFsyncFailsTheCommitAndNothingOfItIsRead) {
  auto store = open(faulty());
  ASSERT_TRUE(store->commit_sync(rows("a", 'A', 10)));

  plan_->fail_sync(1, FaultFile::Wal);
  auto failed = store->commit_sync(rows("b", 'B', 10));
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is(codes::kStorageFailure)) << failed.error().qualified();
  EXPECT_EQ(plan_->counts().fired, 1U);
  EXPECT_EQ(rows_present(*store, "b", 'B', 10), 0);
  EXPECT_EQ(rows_present(*store, "a", 'A', 10), 10);

  // The fault fired once: the next commit goes through, and the store keeps both sides apart.
  ASSERT_TRUE(store->commit_sync(rows("c", 'C', 10)));
  store.reset();
  auto reopened = open();
  EXPECT_EQ(rows_present(*reopened, "a", 'A', 10), 10);
  EXPECT_EQ(rows_present(*reopened, "b", 'B', 10), 0);
  EXPECT_EQ(rows_present(*reopened, "c", 'C', 10), 10);
  EXPECT_EQ(integrity(options().path), "ok");
}

// A failed fsync leaves the outcome unknown (storage.failure retries only if idempotent): the
// frames reached the WAL, and a crash before any later commit may bring the transaction back
// after a restart. Never half of it.
TEST_F(FaultsTest, FailedFsyncThenCrashBringsTheCommitBackWholeOrNotAtAll) {
  auto store = open(faulty());
  ASSERT_TRUE(store->commit_sync(rows("a", 'A', 10)));
  plan_->fail_sync(1, FaultFile::Wal);
  ASSERT_FALSE(store->commit_sync(rows("b", 'B', 40)));
  // The machine stops here: nothing written from now on reaches the disk.
  plan_->arm(Fault{.op = FaultOp::Write, .times = kUntilCleared, .crash = true});
  store.reset();
  plan_->clear();

  auto reopened = open();
  EXPECT_EQ(rows_present(*reopened, "a", 'A', 10), 10);
  const int b = rows_present(*reopened, "b", 'B', 40);
  EXPECT_TRUE(b == 0 || b == 40) << b << " of 40 rows came back";
  EXPECT_EQ(integrity(options().path), "ok");
}

// -- a full disk --------------------------------------------------------------------------------

TEST_F(FaultsTest, FullDiskRefusesWritesWithDiskFullAndKeepsServingReads) {
  auto store = open(faulty());
  ASSERT_TRUE(store->commit_sync(batch({WriteBatch::InsertActor{actor("a", "room", "k", 1)}})));
  ASSERT_TRUE(store->commit_sync(rows("a", 'A', 10)));

  plan_->disk_full();
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto refused = store->commit_sync(rows("a", 'X', 20));
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().is(codes::kStorageDiskFull)) << refused.error().qualified();
  }
  auto dup = store->commit_sync(batch({WriteBatch::InsertActor{actor("b", "room", "other", 2)}}));
  ASSERT_FALSE(dup);
  EXPECT_TRUE(dup.error().is(codes::kStorageDiskFull));

  // Reads see the last commit, whole; a batch with nothing to write still completes.
  EXPECT_EQ(rows_present(*store, "a", 'A', 10), 10);
  EXPECT_EQ(store->kv_prefix("a", {}, 100)->size(), 10U);
  EXPECT_TRUE((*store->find_actor("a")).has_value());
  EXPECT_FALSE((*store->find_actor("b")).has_value());
  EXPECT_EQ(*store->count_actors(std::nullopt), 1U);
  EXPECT_TRUE(store->commit_sync(WriteBatch{}));

  // Space is back: writes work again, on the same store.
  plan_->clear();
  ASSERT_TRUE(store->commit_sync(rows("a", 'Y', 20)));
  EXPECT_EQ(rows_present(*store, "a", 'Y', 20), 20);
  store.reset();
  EXPECT_EQ(integrity(options().path), "ok");
}

// Space runs out in the middle of a group: every batch of the group fails, none is half there.
TEST_F(FaultsTest, DiskFullInTheMiddleOfAGroupFailsTheWholeGroup) {
  auto store = open(faulty());
  ASSERT_TRUE(store->commit_sync(rows("seed", 'S', 5)));
  // A few pages go out before the disk fills.
  plan_->arm(Fault{.op = FaultOp::Write,
                   .file = FaultFile::Wal,
                   .error = FaultError::DiskFull,
                   .skip = 6,
                   .times = kUntilCleared});
  constexpr int kBatches = 8;
  std::latch all(kBatches);
  std::vector<Result<void>> results(kBatches);
  for (int i = 0; i < kBatches; ++i) {
    store->commit(rows("g" + std::to_string(i), 'G', 10), [&, i](Result<void> r) {
      results[i] = std::move(r);
      all.count_down();
    });
  }
  all.wait();
  plan_->clear();
  for (int i = 0; i < kBatches; ++i) {
    const int present = rows_present(*store, "g" + std::to_string(i), 'G', 10);
    if (results[i]) {
      EXPECT_EQ(present, 10);
    } else {
      EXPECT_TRUE(results[i].error().is(codes::kStorageDiskFull))
          << results[i].error().qualified();
      EXPECT_EQ(present, 0);
    }
  }
  EXPECT_FALSE(results[kBatches - 1]) << "the last batch should have met the full disk";
}

// -- I/O errors -----------------------------------------------------------------------------------

TEST_F(FaultsTest, ReadErrorsFailReadsUntilTheyClear) {
  auto store = open(faulty());
  ASSERT_TRUE(store->commit_sync(rows("a", 'A', 10)));
  plan_->io_errors(FaultOp::Read);
  auto read = store->kv_get("a", key_of(3));
  ASSERT_FALSE(read);
  EXPECT_TRUE(read.error().is(codes::kStorageFailure)) << read.error().qualified();
  EXPECT_FALSE(store->kv_prefix("a", {}, 100));
  plan_->clear();
  // The same pooled connections read again.
  EXPECT_EQ(rows_present(*store, "a", 'A', 10), 10);
  ASSERT_TRUE(store->commit_sync(rows("b", 'B', 10)));
  EXPECT_EQ(rows_present(*store, "b", 'B', 10), 10);
}

TEST_F(FaultsTest, WriteErrorsFailCommitsAndLeaveNothing) {
  auto store = open(faulty());
  ASSERT_TRUE(store->commit_sync(rows("a", 'A', 10)));
  plan_->io_errors(FaultOp::Write, FaultFile::Wal);
  auto failed = store->commit_sync(rows("b", 'B', 10));
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().is(codes::kStorageFailure)) << failed.error().qualified();
  EXPECT_EQ(rows_present(*store, "b", 'B', 10), 0);
  EXPECT_EQ(rows_present(*store, "a", 'A', 10), 10);
  plan_->clear();
  ASSERT_TRUE(store->commit_sync(rows("b", 'B', 10)));
  EXPECT_EQ(rows_present(*store, "b", 'B', 10), 10);
}

// -- torn writes ---------------------------------------------------------------------------------

// The crash lands in the middle of a commit: its nth WAL write puts only `keep` bytes on disk
// and nothing after it does. Whatever the point, a restart finds every acknowledged batch whole
// and nothing of the torn one (WAL recovery checks each frame's checksum and keeps only whole
// transactions).
TEST_F(FaultsTest, TornWalWriteAtAnyPointLeavesOnlyWholeAcknowledgedCommits) {
  const std::size_t keeps[] = {1, 23, 24, 100, 1000};
  int case_no = 0;
  for (std::uint64_t nth = 1; nth <= 16; nth += 3) {
    for (const std::size_t keep : keeps) {
      SCOPED_TRACE("write " + std::to_string(nth) + ", keep " + std::to_string(keep));
      const auto dir = dir_ / ("case" + std::to_string(case_no++));
      std::filesystem::create_directories(dir);
      StoreOptions o;
      o.path = (dir / "node.db").string();
      o.faults = std::make_shared<FaultPlan>();
      {
        auto store = open(o);
        ASSERT_TRUE(store);
        for (char tag : {'A', 'B', 'C'}) {
          ASSERT_TRUE(store->commit_sync(rows(std::string(1, tag), tag, 8)));
        }
        o.faults->tear_write(nth, keep, FaultFile::Wal);
        auto torn = store->commit_sync(rows("T", 'T', 40));
        EXPECT_FALSE(torn);
        EXPECT_TRUE(o.faults->crashed());
        // The crashed store refuses to write; closing it writes nothing either.
        EXPECT_FALSE(store->commit_sync(rows("U", 'U', 1)));
      }
      StoreOptions plain;
      plain.path = o.path;
      auto store = open(plain);
      ASSERT_TRUE(store);
      for (char tag : {'A', 'B', 'C'}) {
        EXPECT_EQ(rows_present(*store, std::string(1, tag), tag, 8), 8);
      }
      EXPECT_EQ(rows_present(*store, "T", 'T', 40), 0);
      EXPECT_EQ(rows_present(*store, "U", 'U', 1), 0);
      store.reset();
      EXPECT_EQ(integrity(o.path), "ok");
    }
  }
}

// A checkpoint copies WAL pages into the database file; a crash that tears one of those writes
// loses nothing, because the WAL is reset only after the copy is complete and synced.
TEST_F(FaultsTest, TornCheckpointWriteLosesNoAcknowledgedCommit) {
  StoreOptions o = faulty();
  auto store = open(o);
  int acked = 0;
  // Arm the tear, then commit until a checkpoint writes the database file (every ~1000 WAL
  // pages) and meets it.
  plan_->tear_write(3, 200, FaultFile::Database);
  for (int i = 0; i < 400 && !plan_->crashed(); ++i) {
    if (store->commit_sync(rows("w" + std::to_string(i), 'W', 8))) {
      acked = i + 1;
    }
  }
  ASSERT_TRUE(plan_->crashed()) << "no checkpoint reached the database file";
  store.reset();
  plan_->clear();

  auto reopened = open();
  for (int i = 0; i < acked; ++i) {
    ASSERT_EQ(rows_present(*reopened, "w" + std::to_string(i), 'W', 8), 8) << "batch " << i;
  }
  reopened.reset();
  EXPECT_EQ(integrity(options().path), "ok");
}

// -- fences: one caller's batches behind its failed one -------------------------------------------

WriteBatch fenced(WriteBatch b, std::uint64_t fence, bool release = false) {
  b.fence = fence;
  b.release_fence = release;
  return b;
}

TEST_F(FaultsTest, BatchesBehindAFailedOneOfTheirFenceFailUntilReleased) {
  auto store = open(faulty());
  plan_->disk_full();
  auto first = store->commit_sync(fenced(rows("a", 'A', 3), 7));
  ASSERT_FALSE(first);
  EXPECT_TRUE(first.error().is(codes::kStorageDiskFull));
  plan_->clear();

  // The disk has space again, but fence 7's later batches depended on the failed one.
  auto later = store->commit_sync(fenced(rows("a", 'B', 3), 7));
  ASSERT_FALSE(later);
  EXPECT_TRUE(later.error().is(codes::kStorageDiskFull));
  EXPECT_FALSE(store->commit_sync(fenced(WriteBatch{}, 7)));
  // Other fences, and batches without one, are not affected.
  EXPECT_TRUE(store->commit_sync(fenced(rows("b", 'B', 3), 8)));
  EXPECT_TRUE(store->commit_sync(rows("c", 'C', 3)));
  EXPECT_EQ(rows_present(*store, "a", 'B', 3), 0);

  EXPECT_TRUE(store->commit_sync(fenced(WriteBatch{}, 7, true)));
  EXPECT_TRUE(store->commit_sync(fenced(rows("a", 'D', 3), 7)));
  EXPECT_EQ(rows_present(*store, "a", 'D', 3), 3);
}

// In one group: an empty batch queued before the failing one completes, one queued after it
// fails (what it waited for never became durable).
TEST_F(FaultsTest, FenceOrderWithinOneGroup) {
  auto store = open(faulty());
  std::promise<void> holding;
  std::promise<void> queued;
  auto queued_future = queued.get_future();
  std::latch done(4);
  std::vector<Result<void>> results(4);
  // The first batch's callback holds the writer until the next three are queued, so they form
  // one group; the disk fills before that group runs.
  store->commit(rows("x", 'X', 1), [&](Result<void> r) {
    results[0] = std::move(r);
    holding.set_value();
    queued_future.wait();
    done.count_down();
  });
  holding.get_future().wait();
  plan_->disk_full();
  store->commit(fenced(WriteBatch{}, 9), [&](Result<void> r) {
    results[1] = std::move(r);
    done.count_down();
  });
  store->commit(fenced(rows("y", 'Y', 2), 9), [&](Result<void> r) {
    results[2] = std::move(r);
    done.count_down();
  });
  store->commit(fenced(WriteBatch{}, 9), [&](Result<void> r) {
    results[3] = std::move(r);
    done.count_down();
  });
  queued.set_value();
  done.wait();
  EXPECT_TRUE(results[0]);
  EXPECT_TRUE(results[1]);
  ASSERT_FALSE(results[2]);
  EXPECT_TRUE(results[2].error().is(codes::kStorageDiskFull));
  ASSERT_FALSE(results[3]);
  EXPECT_TRUE(results[3].error().is(codes::kStorageDiskFull));
}

// -- an actor's own database (c.db()) ------------------------------------------------------------

TEST_F(FaultsTest, ActorDatabaseRefusesWritesOnAFullDiskAndKeepsReading) {
  const auto path = (dir_ / "actor.sqlite").string();
  auto db = SqlDatabase::open(path, plan_);
  ASSERT_TRUE(db) << db.error().message;
  ASSERT_TRUE((*db)->execute("CREATE TABLE t (v TEXT)"));
  ASSERT_TRUE((*db)->execute("INSERT INTO t VALUES ('one')"));

  plan_->disk_full();
  auto refused = (*db)->execute("INSERT INTO t VALUES ('two')");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(codes::kStorageDiskFull)) << refused.error().qualified();
  auto read = (*db)->execute("SELECT v FROM t");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->rows.size(), 1U);

  plan_->clear();
  ASSERT_TRUE((*db)->execute("INSERT INTO t VALUES ('three')"));
  EXPECT_EQ((*db)->execute("SELECT v FROM t")->rows.size(), 2U);
  plan_->io_errors(FaultOp::Sync);
  auto unsynced = (*db)->execute("INSERT INTO t VALUES ('four')");
  ASSERT_FALSE(unsynced);
  EXPECT_TRUE(unsynced.error().is(codes::kSqlError));
  plan_->clear();
  EXPECT_EQ((*db)->execute("SELECT v FROM t")->rows.size(), 2U);
}

}  // namespace
}  // namespace rivet::storage::testing

// The store's metrics: group commits (both stores) and fsyncs through the timed VFS (SQLite).

#include "storage/test_util.hpp"

#include <rivet/common/metrics.hpp>

#include <testing/prometheus_text.hpp>

namespace rivet::storage::testing {
namespace {

using rivet::testing::prom_value;

class StoreMetricsTest : public StoreTest {
 protected:
  [[nodiscard]] StoreOptions counted() const {
    StoreOptions o = options();
    o.metrics = metrics_;
    return o;
  }

  [[nodiscard]] double value(std::string_view name) const {
    return prom_value(metrics_->serialize(), name).value_or(-1);
  }

  std::shared_ptr<Metrics> metrics_ = std::make_shared<Metrics>();
};
INSTANTIATE_STORE_TESTS(StoreMetricsTest);

TEST_P(StoreMetricsTest, CountsEveryGroupCommit) {
  auto store = open(counted());
  constexpr int kCommits = 5;
  for (int i = 0; i < kCommits; ++i) {
    // One commit_sync after the other: each is a group of its own.
    ASSERT_TRUE(store->commit_sync(batch({put("a", bytes({i}), bytes("v")),
                                          put("b", bytes({i}), bytes("w"))})));
  }
  ASSERT_TRUE(store->commit_sync(WriteBatch{}));  // empty: no transaction, not counted

  EXPECT_EQ(value("rivet_storage_commits_total"), kCommits);
  EXPECT_EQ(value("rivet_storage_commit_duration_seconds_count"), kCommits);
  EXPECT_GT(value("rivet_storage_commit_duration_seconds_sum"), 0.0);
  EXPECT_EQ(value("rivet_storage_commit_batches_sum"), kCommits);
  EXPECT_EQ(value("rivet_storage_commit_rows_sum"), 2 * kCommits);
}

TEST_P(StoreMetricsTest, FsyncsAreTimedOnDiskOnly) {
  auto store = open(counted());
  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v"))})));
  const double fsyncs = value("rivet_storage_fsync_duration_seconds_count");
  if (persistent()) {
    EXPECT_GT(fsyncs, 0.0);  // synchronous=FULL: at least the WAL's fsync of the commit
  } else {
    EXPECT_EQ(fsyncs, 0.0);
  }
}

TEST_P(StoreMetricsTest, WithoutMetricsNothingIsCounted) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v"))})));
  EXPECT_EQ(value("rivet_storage_commits_total"), 0.0);
  EXPECT_EQ(value("rivet_storage_fsync_duration_seconds_count"), 0.0);
}

using TimedVfsTest = SqliteStoreTest;

TEST_F(TimedVfsTest, EachStoreReportsToItsOwnMetrics) {
  auto first = std::make_shared<Metrics>();
  auto second = std::make_shared<Metrics>();
  StoreOptions a = options();
  a.metrics = first;
  StoreOptions b = options();
  b.path = (dir_ / "other.db").string();
  b.metrics = second;

  auto store_a = open(a);
  auto store_b = open(b);
  ASSERT_TRUE(store_a->commit_sync(batch({put("a", bytes("k"), bytes("v"))})));
  const double b_before =
      *prom_value(second->serialize(), "rivet_storage_fsync_duration_seconds_count");
  ASSERT_TRUE(store_a->commit_sync(batch({put("a", bytes("k"), bytes("w"))})));

  EXPECT_GT(*prom_value(first->serialize(), "rivet_storage_fsync_duration_seconds_count"), 0.0);
  EXPECT_EQ(*prom_value(second->serialize(), "rivet_storage_fsync_duration_seconds_count"),
            b_before);
  EXPECT_EQ(*prom_value(second->serialize(), "rivet_storage_commits_total"), 0.0);
}

TEST_F(TimedVfsTest, ReopenedStoreKeepsItsDataAndReportsAgain) {
  StoreOptions o = options();
  o.metrics = std::make_shared<Metrics>();
  {
    auto store = open(o);
    ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v"))})));
  }
  o.metrics = std::make_shared<Metrics>();
  auto store = open(o);
  EXPECT_EQ(*store->kv_get("a", bytes("k")), bytes("v"));
  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("w"))})));
  EXPECT_GT(*prom_value(o.metrics->serialize(), "rivet_storage_fsync_duration_seconds_count"), 0.0);
}

TEST_F(TimedVfsTest, PathsThatNeedEscapingInAUriOpenTheSameFile) {
  const auto odd_dir = dir_ / "a dir?with#odd%chars";
  std::filesystem::create_directories(odd_dir);
  StoreOptions o = options();
  o.path = (odd_dir / "node.db").string();
  o.metrics = std::make_shared<Metrics>();
  {
    auto store = open(o);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v"))})));
  }
  EXPECT_TRUE(std::filesystem::exists(odd_dir / "node.db"));
  // Opened without the VFS (plain path), the data is there: both named one file.
  StoreOptions plain = o;
  plain.metrics = nullptr;
  auto store = open(plain);
  EXPECT_EQ(*store->kv_get("a", bytes("k")), bytes("v"));
}

TEST_F(TimedVfsTest, RelativePathsWork) {
  struct Cwd {
    std::filesystem::path previous = std::filesystem::current_path();
    ~Cwd() { std::filesystem::current_path(previous); }
  } restore;
  std::filesystem::current_path(dir_);
  StoreOptions o;
  o.path = "relative.db";
  o.metrics = std::make_shared<Metrics>();
  {
    auto store = open(o);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v"))})));
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "relative.db"));
}

}  // namespace
}  // namespace rivet::storage::testing

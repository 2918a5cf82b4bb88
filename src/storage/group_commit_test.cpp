#include "storage/test_util.hpp"

#include <atomic>
#include <mutex>
#include <thread>

namespace rivet::storage::testing {
namespace {

using GroupCommitTest = StoreTest;
INSTANTIATE_STORE_TESTS(GroupCommitTest);

Bytes be32(std::uint32_t v) {
  return bytes({static_cast<int>(v >> 24), static_cast<int>((v >> 16) & 0xff),
                static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)});
}

TEST_P(GroupCommitTest, EightThreadsAllCompleteAndShareTransactions) {
  auto store = open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread keeps several commits in flight, as many actors would.
      std::vector<std::future<void>> waits;
      for (int i = 0; i < kPerThread; ++i) {
        auto done = std::make_shared<std::promise<void>>();
        waits.push_back(done->get_future());
        store->commit(batch({put("actor-" + std::to_string(t), be32(i), be32(i * 3))}),
                      [&, done](Result<void> r) {
                        (r ? ok : failed).fetch_add(1);
                        done->set_value();
                      });
      }
      for (auto& w : waits) {
        w.get();
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(failed.load(), 0);
  const StoreStats stats = store->stats();
  EXPECT_EQ(stats.batches, std::uint64_t{kThreads * kPerThread});
  EXPECT_EQ(stats.rows, std::uint64_t{kThreads * kPerThread});
  EXPECT_LT(stats.transactions, stats.batches);
  for (int t = 0; t < kThreads; ++t) {
    auto rows = *store->kv_prefix("actor-" + std::to_string(t), {}, 10000);
    ASSERT_EQ(rows.size(), std::size_t{kPerThread});
    EXPECT_EQ(rows[7].value, be32(21));
  }
}

TEST_P(GroupCommitTest, ReadersRunWhileWriting) {
  // SQLite: a file database, and ":memory:" whose readers share the writer's connection.
  const std::vector<bool> variants =
      GetParam() == StoreKind::Sqlite ? std::vector<bool>{false, true} : std::vector<bool>{false};
  for (const bool memory : variants) {
    StoreOptions o = options();
    if (memory) {
      o.path = ":memory:";
    }
    auto store = open(o);
    ASSERT_TRUE(store);
    std::atomic<bool> stop{false};
    std::atomic<int> read_errors{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
      readers.emplace_back([&] {
        while (!stop.load()) {
          // A batch is atomic, so a reader sees both keys or neither.
          auto a = store->kv_get("r", bytes("a"));
          auto range = store->kv_prefix("r", {}, 10);
          if (!a || !range) {
            read_errors.fetch_add(1);
            continue;
          }
          if (range->size() != 0 && range->size() != 2) {
            read_errors.fetch_add(1);
          }
        }
      });
    }
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(store->commit_sync(
          batch({put("r", bytes("a"), be32(i)), put("r", bytes("b"), be32(i))})));
    }
    stop = true;
    for (auto& th : readers) {
      th.join();
    }
    EXPECT_EQ(read_errors.load(), 0) << (memory ? "memory" : "file");
  }
}

TEST_P(GroupCommitTest, CallbacksRunInQueueOrderIncludingEmptyBatches) {
  auto store = open();
  std::mutex mutex;
  std::vector<int> order;
  std::promise<void> all_done;
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) {
    WriteBatch b;
    if (i % 3 != 0) {
      b.ops.push_back(put("a", be32(i), bytes("v")));
    }
    store->commit(std::move(b), [&, i](Result<void> r) {
      EXPECT_TRUE(r);
      std::lock_guard lock(mutex);
      order.push_back(i);
      if (order.size() == kCount) {
        all_done.set_value();
      }
    });
  }
  all_done.get_future().get();
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(order[static_cast<std::size_t>(i)], i);
  }
}

TEST_P(GroupCommitTest, CallbacksRunOnTheWriterNotTheCaller) {
  auto store = open();
  for (bool empty : {false, true}) {
    std::promise<std::thread::id> ran_on;
    store->commit(empty ? WriteBatch{} : batch({put("a", bytes("k"), bytes("v"))}),
                  [&](Result<void>) { ran_on.set_value(std::this_thread::get_id()); });
    EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id()) << "empty: " << empty;
  }
}

TEST_P(GroupCommitTest, EmptyBatchCompletesAfterEarlierWritesAreVisible) {
  auto store = open();
  store->commit(batch({put("a", bytes("k"), bytes("v"))}), {});  // no callback is allowed
  ASSERT_TRUE(store->commit_sync(WriteBatch{}));
  EXPECT_EQ(*store->kv_get("a", bytes("k")), bytes("v"));
}

TEST_P(GroupCommitTest, MaxBatchesPerCommitCapsGroups) {
  StoreOptions o = options();
  o.max_batches_per_commit = 1;
  auto store = open(o);
  std::vector<std::future<Result<void>>> waits;
  for (int i = 0; i < 50; ++i) {
    auto done = std::make_shared<std::promise<Result<void>>>();
    waits.push_back(done->get_future());
    store->commit(batch({put("a", be32(i), bytes("v"))}),
                  [done](Result<void> r) { done->set_value(std::move(r)); });
  }
  for (auto& w : waits) {
    EXPECT_TRUE(w.get());
  }
  EXPECT_EQ(store->stats().transactions, 50u);
  EXPECT_EQ(store->stats().batches, 50u);
}

TEST_P(GroupCommitTest, CloseDrainsQueuedCommits) {
  constexpr int kCount = 2000;
  std::atomic<int> ok{0};
  {
    auto store = open();
    for (int i = 0; i < kCount; ++i) {
      store->commit(batch({put("a", be32(i), be32(i))}), [&](Result<void> r) {
        if (r) {
          ok.fetch_add(1);
        }
      });
    }
    store->close();
    // No callback may run after close returns; all of them ran before.
    EXPECT_EQ(ok.load(), kCount);

    // Commits after close fail at once instead of hanging.
    auto late = store->commit_sync(batch({put("a", bytes("late"), bytes("v"))}));
    ASSERT_FALSE(late);
    EXPECT_TRUE(late.error().is("storage", "failure"));
  }
  if (persistent()) {
    auto store = open();
    EXPECT_EQ(store->kv_prefix("a", {}, kCount + 10)->size(), std::size_t{kCount});
  }
}

TEST_P(GroupCommitTest, DestructorDrainsToo) {
  std::atomic<int> ok{0};
  {
    auto store = open();
    for (int i = 0; i < 100; ++i) {
      store->commit(batch({put("a", be32(i), be32(i))}),
                    [&](Result<void> r) { ok.fetch_add(r ? 1 : 0); });
    }
  }
  EXPECT_EQ(ok.load(), 100);
}

TEST_P(GroupCommitTest, ThrowingCallbackDoesNotStopTheWriter) {
  auto store = open();
  store->commit(batch({put("a", bytes("1"), bytes("v"))}),
                [](Result<void>) { throw std::runtime_error("careless caller"); });
  EXPECT_TRUE(store->commit_sync(batch({put("a", bytes("2"), bytes("v"))})));
  EXPECT_EQ(store->kv_prefix("a", {}, 10)->size(), 2u);
}

}  // namespace
}  // namespace rivet::storage::testing

#pragma once
// The writer thread: takes every queued batch (up to a cap), applies them in one transaction,
// each inside its own savepoint so one caller's failure does not sink the others, commits once
// (one fsync), then runs the callbacks in queue order. Thread-safe.

#include <rivet/storage/store.hpp>

#include "storage/read_pool.hpp"
#include "storage/write_conn.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace rivet::storage::detail {

class GroupWriter {
 public:
  /// `shared` is the pool to lease the connection from around each transaction when readers
  /// share the write connection (":memory:"); null otherwise. It must outlive this object.
  GroupWriter(std::unique_ptr<WriteConn> conn, ReadPool* shared, std::size_t max_batches);
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;
  ~GroupWriter() { stop(); }

  /// Queues a batch; after stop() the callback runs at once, on this thread, with an error.
  void enqueue(WriteBatch batch, Store::Callback done);
  /// Commits everything queued so far, then ends the thread. Idempotent. Must not be called from
  /// a callback (the writer thread cannot wait for itself); there it only requests the stop.
  void stop();
  [[nodiscard]] StoreStats stats() const noexcept;

 private:
  struct Pending {
    WriteBatch batch;
    Store::Callback done;
  };

  void run();
  void process(std::vector<Pending>& group);
  /// Applies the group's non-empty batches inside one transaction; fills results_.
  void commit_group(std::vector<Pending>& group);
  [[nodiscard]] Result<void> apply_batch(const WriteBatch& batch);
  void fail_all(const std::vector<Pending>& group, const Error& error);

  std::unique_ptr<WriteConn> conn_;
  ReadPool* shared_;
  const std::size_t max_batches_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;  // guarded by mutex_
  bool stopping_ = false;       // guarded by mutex_

  std::vector<Result<void>> results_;  // writer thread only; reused across groups
  bool savepoint_broken_ = false;      // writer thread only

  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> rows_{0};

  std::thread thread_;  // last: starts after every member above is ready
};

}  // namespace rivet::storage::detail

#pragma once
// The writer thread both stores use: takes every queued batch (up to a cap), hands them to a
// GroupApplier as one group (one transaction), then runs the callbacks in queue order.
// Thread-safe.

#include <rivet/storage/store.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>

namespace rivet::storage::detail {

/// One caller's batch waiting for the writer.
struct QueuedBatch {
  WriteBatch batch;
  Store::Callback done;
};

/// A storage engine's side of group commit. Called only on the writer thread.
class GroupApplier {
 public:
  virtual ~GroupApplier() = default;
  /// Applies the group's non-empty batches as one transaction, each all or nothing: a failing
  /// batch leaves no trace and does not affect the others. `results[i]` is batch i's outcome: ok
  /// on entry, except for batches the writer refused (a poisoned fence), which are skipped;
  /// empty batches stay as they are. Returns true when the transaction committed; false when it
  /// failed as a whole, every non-empty batch's result then holding the error. Only called for
  /// groups with at least one batch to apply.
  [[nodiscard]] virtual bool apply_group(std::span<const QueuedBatch> group,
                                         std::span<Result<void>> results) = 0;
};

/// Sets the result of every non-empty batch of `group` to `error`.
void fail_group(std::span<const QueuedBatch> group, std::span<Result<void>> results,
                const Error& error);

class GroupWriter {
 public:
  /// `metrics` (may be null) receives each committed group's duration, batches and rows.
  GroupWriter(std::unique_ptr<GroupApplier> applier, std::size_t max_batches,
              std::shared_ptr<Metrics> metrics = nullptr);
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;
  ~GroupWriter() { stop(); }

  /// Hands a batch to the writer thread for the next group; after stop() the callback runs at
  /// once, on this thread, with an error.
  void submit(WriteBatch batch, Store::Callback done);
  /// submit() and wait for the outcome. Must not be called from a callback.
  [[nodiscard]] Result<void> submit_and_wait(WriteBatch batch);
  /// Commits everything queued so far, then ends the thread. Idempotent. Must not be called from
  /// a callback (the writer thread cannot wait for itself); there it only requests the stop.
  void stop();
  [[nodiscard]] StoreStats stats() const noexcept;

 private:
  void run();
  void process(std::vector<QueuedBatch>& group);
  /// Fails the batches whose fence an earlier failure poisoned (before the group is applied).
  /// Returns whether any batch is left to apply.
  [[nodiscard]] bool refuse_fenced(const std::vector<QueuedBatch>& group);
  /// After the group: failures of a failed group poison their fences, empty batches behind a
  /// poisoned fence fail, releases clear it.
  void update_fences(const std::vector<QueuedBatch>& group, bool group_failed);
  void count_committed(const std::vector<QueuedBatch>& group, double seconds);

  std::unique_ptr<GroupApplier> applier_;
  const std::size_t max_batches_;
  const std::shared_ptr<Metrics> metrics_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<QueuedBatch> queue_;  // guarded by mutex_
  bool stopping_ = false;           // guarded by mutex_

  std::vector<Result<void>> results_;  // writer thread only; reused across groups
  // Fences whose batches fail until released, with the error that poisoned them. Writer thread
  // only; an entry lives from an instance's failure until the release it then sends.
  std::unordered_map<std::uint64_t, Error> poisoned_;

  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> rows_{0};

  std::thread thread_;  // last: starts after every member above is ready
};

}  // namespace rivet::storage::detail

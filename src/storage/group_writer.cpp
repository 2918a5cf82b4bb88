#include "storage/group_writer.hpp"

#include <chrono>
#include <future>

namespace rivet::storage::detail {

namespace {

void invoke(Store::Callback& done, Result<void> result) {
  if (!done) {
    return;
  }
  // A throwing callback must not take the writer thread (and every later commit) down with it.
  try {
    done(std::move(result));
  } catch (...) {  // NOLINT(bugprone-empty-catch): nowhere to report it; the commit stands
  }
}

}  // namespace

void fail_group(std::span<const QueuedBatch> group, std::span<Result<void>> results,
                const Error& error) {
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!group[i].batch.empty()) {
      results[i] = error;
    }
  }
}

GroupWriter::GroupWriter(std::unique_ptr<GroupApplier> applier, std::size_t max_batches,
                         std::shared_ptr<Metrics> metrics)
    : applier_(std::move(applier)),
      max_batches_(max_batches == 0 ? 1 : max_batches),
      metrics_(std::move(metrics)),
      thread_([this] { run(); }) {}

void GroupWriter::submit(WriteBatch batch, Store::Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(QueuedBatch{std::move(batch), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  invoke(done, errors::storage("store is closed"));
}

Result<void> GroupWriter::submit_and_wait(WriteBatch batch) {
  std::promise<Result<void>> promise;
  auto future = promise.get_future();
  submit(std::move(batch),
         [&promise](Result<void> result) { promise.set_value(std::move(result)); });
  return future.get();
}

void GroupWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
    thread_.join();
  }
}

StoreStats GroupWriter::stats() const noexcept {
  return StoreStats{transactions_.load(std::memory_order_relaxed),
                    batches_.load(std::memory_order_relaxed),
                    rows_.load(std::memory_order_relaxed)};
}

void GroupWriter::run() {
  std::vector<QueuedBatch> group;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) {
        return;  // stopping and drained
      }
      if (queue_.size() <= max_batches_) {
        // Swapping hands the queue's buffer to the group and takes the group's old (empty) one
        // back, so steady state allocates nothing here.
        group.swap(queue_);
      } else {
        auto cut = queue_.begin() + static_cast<std::ptrdiff_t>(max_batches_);
        group.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(cut));
        queue_.erase(queue_.begin(), cut);
      }
    }
    process(group);
    group.clear();
  }
}

void GroupWriter::process(std::vector<QueuedBatch>& group) {
  results_.assign(group.size(), Result<void>());
  // A group of only empty (or refused) batches needs no transaction: ordering alone completes
  // them.
  const bool work = refuse_fenced(group);
  bool failed = false;
  if (work) {
    const auto start = std::chrono::steady_clock::now();
    if (applier_->apply_group(group, results_)) {
      count_committed(group, std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                           start).count());
    } else {
      failed = true;
    }
  }
  update_fences(group, failed);
  // Callbacks run after apply_group has returned, so whatever it held (locks, a lease of the
  // shared connection) is released and readers are not held up by them.
  for (std::size_t i = 0; i < group.size(); ++i) {
    invoke(group[i].done, std::move(results_[i]));
  }
}

bool GroupWriter::refuse_fenced(const std::vector<QueuedBatch>& group) {
  bool work = false;
  for (std::size_t i = 0; i < group.size(); ++i) {
    const WriteBatch& batch = group[i].batch;
    if (batch.fence != 0 && !batch.release_fence && !poisoned_.empty()) {
      if (auto it = poisoned_.find(batch.fence); it != poisoned_.end()) {
        results_[i] = it->second;
        continue;
      }
    }
    work = work || !batch.empty();
  }
  return work;
}

void GroupWriter::update_fences(const std::vector<QueuedBatch>& group, bool group_failed) {
  if (!group_failed && poisoned_.empty()) {
    return;  // the common case: nothing failed, nothing is poisoned
  }
  // In queue order: a batch is failed by a failure of its fence queued before it, never after.
  for (std::size_t i = 0; i < group.size(); ++i) {
    const WriteBatch& batch = group[i].batch;
    if (batch.fence == 0) {
      continue;
    }
    if (auto it = poisoned_.find(batch.fence); it != poisoned_.end()) {
      if (batch.release_fence) {
        poisoned_.erase(it);  // the release itself completes
      } else if (results_[i]) {
        results_[i] = it->second;  // an empty batch behind the failure
      }
      continue;
    }
    if (group_failed && !results_[i] && !batch.release_fence) {
      poisoned_.emplace(batch.fence, results_[i].error());
    }
  }
}

void GroupWriter::count_committed(const std::vector<QueuedBatch>& group, double seconds) {
  std::uint64_t batches = 0;
  std::uint64_t rows = 0;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!group[i].batch.empty() && results_[i]) {
      ++batches;
      rows += group[i].batch.ops.size();
    }
  }
  transactions_.fetch_add(1, std::memory_order_relaxed);
  batches_.fetch_add(batches, std::memory_order_relaxed);
  rows_.fetch_add(rows, std::memory_order_relaxed);
  if (metrics_) {
    metrics_->storage_commit(seconds, batches, rows);
  }
}

}  // namespace rivet::storage::detail

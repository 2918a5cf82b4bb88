#include "storage/group_writer.hpp"

namespace rivet::storage::detail {

namespace {

// A lone op needs no savepoint: SQLite already undoes a failed statement on its own. Destroy is
// two statements, so it does.
bool needs_savepoint(const WriteBatch& batch) {
  return batch.ops.size() > 1 || std::holds_alternative<WriteBatch::DestroyActor>(batch.ops[0]);
}

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

GroupWriter::GroupWriter(std::unique_ptr<WriteConn> conn, ReadPool* shared, std::size_t max_batches)
    : conn_(std::move(conn)),
      shared_(shared),
      max_batches_(max_batches == 0 ? 1 : max_batches),
      thread_([this] { run(); }) {}

void GroupWriter::enqueue(WriteBatch batch, Store::Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(batch), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  invoke(done, errors::storage("store is closed"));
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
  std::vector<Pending> group;
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

void GroupWriter::process(std::vector<Pending>& group) {
  results_.assign(group.size(), Result<void>());
  commit_group(group);
  // Callbacks run after the lease (if any) is back, so readers are not held up by them.
  for (std::size_t i = 0; i < group.size(); ++i) {
    invoke(group[i].done, std::move(results_[i]));
  }
}

void GroupWriter::commit_group(std::vector<Pending>& group) {
  std::uint64_t work = 0;
  for (const auto& p : group) {
    work += p.batch.empty() ? 0 : 1;
  }
  if (work == 0) {
    return;  // only empty batches: ordering alone completes them
  }
  std::optional<ReadPool::Lease> lease;
  if (shared_ != nullptr) {
    auto l = shared_->acquire();
    if (!l) {
      fail_all(group, l.error());
      return;
    }
    lease.emplace(std::move(*l));
  }
  if (auto r = conn_->begin(); !r) {
    fail_all(group, r.error());
    return;
  }
  std::uint64_t rows = 0;
  std::uint64_t committed = 0;
  for (std::size_t i = 0; i < group.size(); ++i) {
    const WriteBatch& batch = group[i].batch;
    if (batch.empty()) {
      continue;
    }
    results_[i] = apply_batch(batch);
    if (!conn_->in_transaction() || savepoint_broken_) {
      // SQLite abandoned the whole transaction (I/O error, disk full), or a savepoint could not
      // be closed and the group's boundaries are no longer trustworthy: fail everyone.
      savepoint_broken_ = false;
      conn_->rollback();
      fail_all(group, errors::storage("transaction aborted by the database"));
      return;
    }
    if (results_[i]) {
      ++committed;
      rows += batch.ops.size();
    }
  }
  if (auto r = conn_->commit(); !r) {
    conn_->rollback();
    fail_all(group, r.error());
    return;
  }
  transactions_.fetch_add(1, std::memory_order_relaxed);
  batches_.fetch_add(committed, std::memory_order_relaxed);
  rows_.fetch_add(rows, std::memory_order_relaxed);
}

Result<void> GroupWriter::apply_batch(const WriteBatch& batch) {
  const bool savepoint = needs_savepoint(batch);
  if (savepoint) {
    if (auto r = conn_->savepoint(); !r) {
      return r;
    }
  }
  for (const auto& op : batch.ops) {
    auto r = conn_->apply(op);
    if (!r) {
      if (savepoint && conn_->in_transaction()) {
        savepoint_broken_ = !conn_->rollback_to_savepoint() || !conn_->release_savepoint();
      }
      return r;
    }
  }
  if (savepoint) {
    auto r = conn_->release_savepoint();
    savepoint_broken_ = !r;
    return r;
  }
  return {};
}

void GroupWriter::fail_all(const std::vector<Pending>& group, const Error& error) {
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!group[i].batch.empty()) {
      results_[i] = error;
    }
  }
}

}  // namespace rivet::storage::detail

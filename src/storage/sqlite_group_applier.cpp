#include "storage/sqlite_group_applier.hpp"

namespace rivet::storage::detail {

namespace {

// A lone op needs no savepoint: SQLite already undoes a failed statement on its own. Destroy is
// two statements, so it does.
bool needs_savepoint(const WriteBatch& batch) {
  return batch.ops.size() > 1 || std::holds_alternative<WriteBatch::DestroyActor>(batch.ops[0]);
}

}  // namespace

bool SqliteGroupApplier::apply_group(std::span<const QueuedBatch> group,
                                     std::span<Result<void>> results) {
  std::optional<ReadPool::Lease> lease;
  if (shared_ != nullptr) {
    auto l = shared_->acquire();
    if (!l) {
      fail_group(group, results, l.error());
      return false;
    }
    lease.emplace(std::move(*l));
  }
  if (auto r = conn_->begin(); !r) {
    fail_group(group, results, r.error());
    return false;
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    const WriteBatch& batch = group[i].batch;
    if (batch.empty() || !results[i]) {
      continue;  // nothing to do, or refused by the writer before the group began
    }
    results[i] = apply_batch(batch);
    if (!conn_->in_transaction() || savepoint_broken_) {
      // SQLite abandoned the whole transaction (I/O error, disk full), or a savepoint could not
      // be closed and the group's boundaries are no longer trustworthy: fail everyone, with the
      // cause when this batch met it (a full disk stays storage.disk_full).
      savepoint_broken_ = false;
      conn_->rollback();
      const bool storage_cause = !results[i] && results[i].error().group == codes::kStorageGroup;
      const Error cause = storage_cause ? results[i].error()
                                        : errors::storage("transaction aborted by the database");
      fail_group(group, results, cause);
      return false;
    }
  }
  if (auto r = conn_->commit(); !r) {
    conn_->rollback();
    fail_group(group, results, r.error());
    return false;
  }
  return true;
}

Result<void> SqliteGroupApplier::apply_batch(const WriteBatch& batch) {
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

}  // namespace rivet::storage::detail

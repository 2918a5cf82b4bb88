#pragma once
/// A Store that keeps everything in memory, for tests and harnesses that want the store's
/// semantics without a file: batches are all or nothing and a failing one does not affect the
/// others, commits complete in order on a writer thread of their own (grouped like the SQLite
/// store's), close() drains them, list and scan orders are the same. Nothing survives the object.

#include <rivet/storage/store.hpp>

namespace rivet::storage {

/// An empty in-memory store. Of `options`, only max_batches_per_commit and metrics apply (commits
/// are counted; there is no fsync to time).
[[nodiscard]] std::unique_ptr<Store> open_memory_store(const StoreOptions& options = {});

}  // namespace rivet::storage

#pragma once
// Awaitable bridge to the store's group commit.

#include <rivet/core/task.hpp>
#include <rivet/storage/store.hpp>

namespace rivet::detail {

/// Queues `batch` and resumes the caller on its own executor once the batch is durable.
[[nodiscard]] Task<Result<void>> commit_durably(storage::Store& store, storage::WriteBatch batch);

}  // namespace rivet::detail

#pragma once
// The in-memory implementation of Store: MemoryTables behind a reader-writer lock, written by a
// GroupWriter whose applier takes the write lock for a whole group, so readers see every batch of
// a group at once or none of them, as with the SQLite store's transactions.

#include <rivet/storage/memory_store.hpp>

#include "storage/group_writer.hpp"
#include "storage/memory_tables.hpp"

#include <shared_mutex>

namespace rivet::storage::detail {

class MemoryStore final : public Store {
 public:
  MemoryStore(std::size_t max_batches_per_commit, std::shared_ptr<Metrics> metrics);
  ~MemoryStore() override { close(); }

  // -- actor index ---------------------------------------------------------------------------
  [[nodiscard]] Result<std::optional<ActorRecord>> find_actor(std::string_view actor_id) override;
  [[nodiscard]] Result<std::optional<ActorRecord>> find_actor_by_key(std::string_view name,
                                                                     std::string_view key) override;
  [[nodiscard]] Result<std::vector<ActorRecord>> list_actors(
      std::optional<std::string> name, std::size_t limit,
      std::optional<std::int64_t> after_create_ts) override;
  [[nodiscard]] Result<std::uint64_t> count_actors(std::optional<std::string> name) override;

  // -- KV ------------------------------------------------------------------------------------
  [[nodiscard]] Result<std::optional<Bytes>> kv_get(std::string_view actor_id,
                                                    const Bytes& key) override;
  [[nodiscard]] Result<std::vector<KvEntry>> kv_range(std::string_view actor_id, const Bytes& start,
                                                      const Bytes& end, std::size_t limit) override;
  [[nodiscard]] Result<std::vector<KvEntry>> kv_prefix(std::string_view actor_id,
                                                       const Bytes& prefix,
                                                       std::size_t limit) override;
  [[nodiscard]] Result<std::vector<ActorKvEntry>> kv_prefix_all_actors(
      const Bytes& prefix) override;

  // -- writes --------------------------------------------------------------------------------
  void commit(WriteBatch batch, Callback done) override;
  [[nodiscard]] Result<void> commit_sync(WriteBatch batch) override;
  [[nodiscard]] StoreStats stats() const override;
  void close() override;

 private:
  class Applier;

  /// Runs `read` on the tables under the shared lock; storage.failure once closed.
  template <class F>
  auto read(F fn) -> Result<decltype(fn(std::declval<const MemoryTables&>()))>;

  std::shared_mutex mutex_;
  MemoryTables tables_;  // guarded by mutex_
  bool closed_ = false;  // guarded by mutex_
  std::once_flag close_once_;
  std::unique_ptr<GroupWriter> writer_;  // last: its thread writes the members above
};

}  // namespace rivet::storage::detail

#pragma once
// The SQLite implementation of Store: a ReadPool for reads, a GroupWriter for writes.

#include <rivet/storage/store.hpp>

#include "storage/group_writer.hpp"
#include "storage/read_pool.hpp"
#include "storage/vfs.hpp"

namespace rivet::storage::detail {

class SqliteStore final : public Store {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~SqliteStore() override { close(); }

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
  /// Every key on one pooled connection (one lease instead of one per key).
  [[nodiscard]] Result<std::vector<std::optional<Bytes>>> kv_get_many(
      std::string_view actor_id, const std::vector<Bytes>& keys) override;
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
  SqliteStore() = default;

  // Members die in reverse order: the writer (joining its thread) before the pool it may lease
  // from, both before the VFS registration their files hold. A ":memory:" pool's statements
  // outlive the writer's handle; sqlite3_close_v2 defers the real close until they are
  // finalized.
  std::unique_ptr<VfsRegistration> vfs_;  // null: neither metrics nor faults
  std::unique_ptr<ReadPool> readers_;
  std::unique_ptr<GroupWriter> writer_;
  std::once_flag closed_;
};

}  // namespace rivet::storage::detail

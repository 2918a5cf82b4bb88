#include "storage/memory_store.hpp"

#include "storage/key_range.hpp"

namespace rivet::storage {

std::unique_ptr<Store> open_memory_store(const StoreOptions& options) {
  return std::make_unique<detail::MemoryStore>(options.max_batches_per_commit, options.metrics);
}

namespace detail {

// The memory store's side of group commit: the whole group under the write lock, each batch
// undone on its own when it fails. Nothing can fail the group as a whole.
class MemoryStore::Applier final : public GroupApplier {
 public:
  explicit Applier(MemoryStore& store) : store_(store) {}

  [[nodiscard]] bool apply_group(std::span<const QueuedBatch> group,
                                 std::span<Result<void>> results) override {
    std::unique_lock lock(store_.mutex_);
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (!group[i].batch.empty() && results[i]) {
        results[i] = store_.tables_.apply(group[i].batch);
      }
    }
    return true;
  }

 private:
  MemoryStore& store_;
};

MemoryStore::MemoryStore(std::size_t max_batches_per_commit, std::shared_ptr<Metrics> metrics)
    : writer_(std::make_unique<GroupWriter>(std::make_unique<Applier>(*this),
                                            max_batches_per_commit, std::move(metrics))) {}

template <class F>
auto MemoryStore::read(F fn) -> Result<decltype(fn(std::declval<const MemoryTables&>()))> {
  std::shared_lock lock(mutex_);
  if (closed_) {
    return errors::storage("store is closed");
  }
  return fn(static_cast<const MemoryTables&>(tables_));
}

Result<std::optional<ActorRecord>> MemoryStore::find_actor(std::string_view actor_id) {
  return read([&](const MemoryTables& t) { return t.find_actor(actor_id); });
}

Result<std::optional<ActorRecord>> MemoryStore::find_actor_by_key(std::string_view name,
                                                                  std::string_view key) {
  return read([&](const MemoryTables& t) { return t.find_actor_by_key(name, key); });
}

Result<std::vector<ActorRecord>> MemoryStore::list_actors(
    std::optional<std::string> name, std::size_t limit,
    std::optional<std::int64_t> after_create_ts) {
  return read([&](const MemoryTables& t) { return t.list_actors(name, limit, after_create_ts); });
}

Result<std::uint64_t> MemoryStore::count_actors(std::optional<std::string> name) {
  return read([&](const MemoryTables& t) { return t.count_actors(name); });
}

Result<std::optional<Bytes>> MemoryStore::kv_get(std::string_view actor_id, const Bytes& key) {
  return read([&](const MemoryTables& t) { return t.kv_get(actor_id, key); });
}

Result<std::vector<KvEntry>> MemoryStore::kv_range(std::string_view actor_id, const Bytes& start,
                                                   const Bytes& end, std::size_t limit) {
  return read([&](const MemoryTables& t) { return t.kv_range(actor_id, start, end, limit); });
}

Result<std::vector<KvEntry>> MemoryStore::kv_prefix(std::string_view actor_id, const Bytes& prefix,
                                                    std::size_t limit) {
  const Bytes end = prefix_end(prefix);
  return read([&](const MemoryTables& t) { return t.kv_range(actor_id, prefix, end, limit); });
}

Result<std::vector<Store::ActorKvEntry>> MemoryStore::kv_prefix_all_actors(const Bytes& prefix) {
  const Bytes end = prefix_end(prefix);
  return read([&](const MemoryTables& t) { return t.kv_range_all_actors(prefix, end); });
}

void MemoryStore::commit(WriteBatch batch, Callback done) {
  writer_->submit(std::move(batch), std::move(done));
}

Result<void> MemoryStore::commit_sync(WriteBatch batch) {
  return writer_->submit_and_wait(std::move(batch));
}

StoreStats MemoryStore::stats() const {
  return writer_->stats();
}

void MemoryStore::close() {
  std::call_once(close_once_, [this] {
    writer_->stop();
    std::unique_lock lock(mutex_);
    closed_ = true;
    tables_ = MemoryTables();
  });
}

}  // namespace detail
}  // namespace rivet::storage

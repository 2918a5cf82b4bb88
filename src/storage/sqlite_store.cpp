#include "storage/sqlite_store.hpp"

#include "storage/key_range.hpp"
#include "storage/sqlite_group_applier.hpp"

#include <algorithm>
#include <thread>

namespace rivet::storage {

namespace detail {

namespace {

constexpr const char* kMemoryPath = ":memory:";
// Enough read connections for every core to read at once without idling most of them.
constexpr std::size_t kMaxReadConnections = 8;

std::size_t read_pool_size() {
  const std::size_t cores = std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(cores, 2, kMaxReadConnections);
}

}  // namespace

Result<std::unique_ptr<Store>> SqliteStore::open(const StoreOptions& options) {
  if (options.path.empty()) {
    return errors::storage("store path is empty");
  }
  std::unique_ptr<VfsRegistration> vfs;
  if ((options.metrics || options.faults) && options.path != kMemoryPath) {
    vfs = std::make_unique<VfsRegistration>(options.metrics, options.faults);
  }
  auto conn = WriteConn::open(options, vfs.get());
  if (!conn) {
    return conn.error();
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->vfs_ = std::move(vfs);
  if (options.path == kMemoryPath) {
    // Another connection to ":memory:" would be another, empty database: readers share the
    // writer's connection and the pool serializes them against the writer's transactions.
    auto shared = ReadConn::borrow((*conn)->handle());
    if (!shared) {
      return shared.error();
    }
    store->readers_ = std::make_unique<ReadPool>(std::move(*shared));
    store->writer_ = std::make_unique<GroupWriter>(
        std::make_unique<SqliteGroupApplier>(std::move(*conn), store->readers_.get()),
        options.max_batches_per_commit, options.metrics);
  } else {
    // Readers only need the VFS to meet their faults: they never sync.
    const bool faulty = store->vfs_ && store->vfs_->has_faults();
    auto target = open_target(options.path, faulty ? store->vfs_.get() : nullptr);
    if (!target) {
      return target.error();
    }
    store->readers_ = std::make_unique<ReadPool>(std::move(*target), read_pool_size());
    store->writer_ = std::make_unique<GroupWriter>(
        std::make_unique<SqliteGroupApplier>(std::move(*conn), nullptr),
        options.max_batches_per_commit, options.metrics);
  }
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::optional<ActorRecord>> SqliteStore::find_actor(std::string_view actor_id) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  return (*conn)->find_actor(actor_id);
}

Result<std::optional<ActorRecord>> SqliteStore::find_actor_by_key(std::string_view name,
                                                                  std::string_view key) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  return (*conn)->find_actor_by_key(name, key);
}

Result<std::vector<ActorRecord>> SqliteStore::list_actors(
    std::optional<std::string> name, std::size_t limit,
    std::optional<std::int64_t> after_create_ts) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  return (*conn)->list_actors(name, limit, after_create_ts);
}

Result<std::uint64_t> SqliteStore::count_actors(std::optional<std::string> name) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  return (*conn)->count_actors(name);
}

Result<std::optional<Bytes>> SqliteStore::kv_get(std::string_view actor_id, const Bytes& key) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  return (*conn)->kv_get(actor_id, key);
}

Result<std::vector<std::optional<Bytes>>> SqliteStore::kv_get_many(std::string_view actor_id,
                                                                   const std::vector<Bytes>& keys) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  std::vector<std::optional<Bytes>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    auto value = (*conn)->kv_get(actor_id, key);
    if (!value) {
      return value.error();
    }
    out.push_back(std::move(*value));
  }
  return out;
}

Result<std::vector<KvEntry>> SqliteStore::kv_range(std::string_view actor_id, const Bytes& start,
                                                   const Bytes& end, std::size_t limit) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  return (*conn)->kv_range(actor_id, start, end, limit);
}

Result<std::vector<KvEntry>> SqliteStore::kv_prefix(std::string_view actor_id, const Bytes& prefix,
                                                    std::size_t limit) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  return (*conn)->kv_range(actor_id, prefix, prefix_end(prefix), limit);
}

Result<std::vector<Store::ActorKvEntry>> SqliteStore::kv_prefix_all_actors(const Bytes& prefix) {
  auto conn = readers_->acquire();
  if (!conn) {
    return conn.error();
  }
  return (*conn)->kv_range_all_actors(prefix, prefix_end(prefix));
}

void SqliteStore::commit(WriteBatch batch, Callback done) {
  writer_->submit(std::move(batch), std::move(done));
}

Result<void> SqliteStore::commit_sync(WriteBatch batch) {
  return writer_->submit_and_wait(std::move(batch));
}

StoreStats SqliteStore::stats() const {
  return writer_->stats();
}

void SqliteStore::close() {
  std::call_once(closed_, [this] {
    writer_->stop();
    readers_->close();
  });
}

}  // namespace detail
}  // namespace rivet::storage

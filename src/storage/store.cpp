// The Store interface's own members: open() (the SQLite store on disk) and the defaults of
// optional operations, written against the rest of the API.

#include <rivet/storage/store.hpp>

#include "storage/sqlite_store.hpp"

#include <limits>

namespace rivet::storage {

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  return detail::SqliteStore::open(options);
}

Result<std::uint64_t> Store::count_actors(std::optional<std::string> name) {
  auto all = list_actors(std::move(name), std::numeric_limits<std::size_t>::max(), std::nullopt);
  if (!all) {
    return all.error();
  }
  return static_cast<std::uint64_t>(all->size());
}

Result<std::vector<std::optional<Bytes>>> Store::kv_get_many(std::string_view actor_id,
                                                             const std::vector<Bytes>& keys) {
  std::vector<std::optional<Bytes>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    auto value = kv_get(actor_id, key);
    if (!value) {
      return value.error();
    }
    out.push_back(std::move(*value));
  }
  return out;
}

}  // namespace rivet::storage

// Default implementations of optional Store operations, written against the rest of the API.

#include <rivet/storage/store.hpp>

namespace rivet::storage {

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

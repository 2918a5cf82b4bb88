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

Result<std::vector<Store::ActorKvEntry>> Store::kv_prefix_all_actors(const Bytes& prefix) {
  constexpr std::size_t kPage = 1000;
  constexpr std::size_t kNoLimit = static_cast<std::size_t>(-1);
  std::vector<ActorKvEntry> out;
  std::optional<std::int64_t> cursor;
  std::string last_id;
  for (;;) {
    auto page = list_actors(std::nullopt, kPage, cursor);
    if (!page) {
      return page.error();
    }
    for (const auto& actor : *page) {
      auto rows = kv_prefix(actor.actor_id, prefix, kNoLimit);
      if (!rows) {
        return rows.error();
      }
      for (auto& row : *rows) {
        out.push_back(ActorKvEntry{actor.actor_id, std::move(row)});
      }
    }
    if (page->size() < kPage) {
      break;
    }
    cursor = page->back().create_ts;
  }
  return out;
}

}  // namespace rivet::storage

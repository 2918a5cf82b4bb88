#include "core/runtime/key_cache.hpp"

#include <functional>

namespace rivet::detail {

KeyCache::KeyCache(std::size_t slots) : slots_(slots == 0 ? 1 : slots) {}

std::size_t KeyCache::slot_of(std::string_view name, std::string_view key) const noexcept {
  const std::size_t h = std::hash<std::string_view>{}(key);
  // Mixing the name in keeps two definitions sharing a key from evicting each other every time.
  const std::size_t n = std::hash<std::string_view>{}(name);
  return (h ^ (n + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2))) % slots_.size();
}

std::optional<std::string> KeyCache::find(std::string_view name,
                                          std::string_view serialized_key) const {
  const auto i = slot_of(name, serialized_key);
  std::lock_guard lock(mutex_);
  const Slot& slot = slots_[i];
  if (slot.actor_id.empty() || slot.name != name || slot.key != serialized_key) {
    return std::nullopt;
  }
  return slot.actor_id;
}

void KeyCache::remember(std::string_view name, std::string_view serialized_key,
                        std::string actor_id) {
  const auto i = slot_of(name, serialized_key);
  std::lock_guard lock(mutex_);
  Slot& slot = slots_[i];
  slot.name.assign(name);
  slot.key.assign(serialized_key);
  slot.actor_id = std::move(actor_id);
}

void KeyCache::forget(std::string_view name, std::string_view serialized_key,
                      std::string_view actor_id) {
  const auto i = slot_of(name, serialized_key);
  std::lock_guard lock(mutex_);
  Slot& slot = slots_[i];
  if (slot.actor_id == actor_id && slot.name == name && slot.key == serialized_key) {
    slot = Slot{};
  }
}

}  // namespace rivet::detail

#pragma once
// Which actor id a live (name, key) resolved to last, so that a request addressed by key (the
// query gateway: every call of a getOrCreate handle) finds its actor without reading the store.
//
// A fixed number of slots, each holding one entry chosen by a hash of (name, key): the memory is
// the same for ten actors or a million (an awake actor must stay under a kilobyte), and an entry
// is only ever a hint. A hit is checked by its user: an id whose actor turns out destroyed is
// forgotten and the store is asked again, so a key reused after a destroy still finds the new
// actor.
//
// Thread-safety: every method may be called from any thread.

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::detail {

class KeyCache {
 public:
  explicit KeyCache(std::size_t slots = 4096);

  [[nodiscard]] std::optional<std::string> find(std::string_view name,
                                                std::string_view serialized_key) const;
  void remember(std::string_view name, std::string_view serialized_key, std::string actor_id);
  /// Drops the entry for this key if it still points at `actor_id`.
  void forget(std::string_view name, std::string_view serialized_key, std::string_view actor_id);

 private:
  struct Slot {
    std::string name;
    std::string key;
    std::string actor_id;
  };
  [[nodiscard]] std::size_t slot_of(std::string_view name, std::string_view key) const noexcept;

  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
};

}  // namespace rivet::detail

#pragma once
/// The actor's own key-value store (c.kv()). Keys and values are bytes; std::string converts.
///
/// Every write is durable when its Task completes, and later reads see it. Limits: key <= 2 KiB,
/// value <= 128 KiB, <= 128 keys per batch, batch put payload <= 976 KiB; beyond them the call
/// throws ErrorException with group "kv" (kv.key_too_large, kv.value_too_large,
/// kv.batch_too_large, kv.payload_too_large), which reaches the client intact.
/// Strand-affine: use only inside the action or hook that got it.

#include <rivet/common/value.hpp>
#include <rivet/core/task.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace rivet {

namespace detail {
class ActorInstance;
}

inline constexpr std::size_t kKvMaxKeySize = 2048;
inline constexpr std::size_t kKvMaxValueSize = 128 * 1024;
inline constexpr std::size_t kKvMaxBatchKeys = 128;
inline constexpr std::size_t kKvMaxBatchPayload = 976 * 1024;
inline constexpr std::size_t kKvDefaultListLimit = 16'384;

using KvPair = std::pair<Bytes, Bytes>;

class Kv {
 public:
  explicit Kv(detail::ActorInstance& rt) noexcept : rt_(&rt) {}

  [[nodiscard]] static Bytes bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
  }
  [[nodiscard]] static std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

  [[nodiscard]] Task<std::optional<Bytes>> get(Bytes key);
  [[nodiscard]] Task<std::vector<std::optional<Bytes>>> get_batch(std::vector<Bytes> keys);
  Task<void> put(Bytes key, Bytes value);
  Task<void> put_batch(std::vector<KvPair> entries);
  Task<void> del(Bytes key);
  Task<void> delete_batch(std::vector<Bytes> keys);
  /// Deletes keys in [start, end); an empty end means "to the end".
  Task<void> delete_range(Bytes start, Bytes end);
  /// Entries whose key starts with `prefix`, in byte order, full keys.
  [[nodiscard]] Task<std::vector<KvPair>> list_prefix(Bytes prefix,
                                                      std::size_t limit = kKvDefaultListLimit);
  /// Entries with start <= key < end (empty end = unbounded), in byte order.
  [[nodiscard]] Task<std::vector<KvPair>> list_range(Bytes start, Bytes end,
                                                     std::size_t limit = kKvDefaultListLimit);

 private:
  detail::ActorInstance* rt_;
};

}  // namespace rivet

// c.kv(): the actor's own key space, stored under the user-KV prefix of its rows.

#include <rivet/core/kv.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/state_keys.hpp"

namespace rivet {

namespace {

[[noreturn]] void fail(const codes::Code& code, std::string message) {
  throw ErrorException(make_error(code, std::move(message)));
}

void check_key(const Bytes& key) {
  if (key.size() > kKvMaxKeySize) {
    fail(codes::kKvKeyTooLarge, "KV key is " + std::to_string(key.size()) +
                                    " bytes; the limit is " + std::to_string(kKvMaxKeySize) + ".");
  }
}

void check_value(const Bytes& value) {
  if (value.size() > kKvMaxValueSize) {
    fail(codes::kKvValueTooLarge, "KV value is " + std::to_string(value.size()) +
                                      " bytes; the limit is " + std::to_string(kKvMaxValueSize) +
                                      ".");
  }
}

void check_batch(std::size_t count) {
  if (count > kKvMaxBatchKeys) {
    fail(codes::kKvBatchTooLarge, "A KV batch has " + std::to_string(count) +
                                      " keys; the limit is " + std::to_string(kKvMaxBatchKeys) +
                                      ".");
  }
}

Bytes user_key(const Bytes& key) {
  return detail::prefixed(detail::kUserKvPrefix, key);
}

Bytes strip(Bytes key) {
  key.erase(key.begin());
  return key;
}

Task<void> write(detail::ActorInstance& rt, storage::WriteBatch batch) {
  auto done = co_await rt.commit_own(std::move(batch));
  if (!done) {
    throw ErrorException(done.error());
  }
}

std::vector<KvPair> to_pairs(std::vector<storage::KvEntry> rows) {
  std::vector<KvPair> out;
  out.reserve(rows.size());
  for (auto& row : rows) {
    out.emplace_back(strip(std::move(row.key)), std::move(row.value));
  }
  return out;
}

}  // namespace

Task<std::optional<Bytes>> Kv::get(Bytes key) {
  check_key(key);
  auto row = rt_->runtime().store().kv_get(rt_->record().actor_id, user_key(key));
  if (!row) {
    throw ErrorException(row.error());
  }
  co_return std::move(*row);
}

Task<std::vector<std::optional<Bytes>>> Kv::get_batch(std::vector<Bytes> keys) {
  check_batch(keys.size());
  std::vector<std::optional<Bytes>> out;
  out.reserve(keys.size());
  for (auto& key : keys) {
    out.push_back(co_await get(std::move(key)));
  }
  co_return out;
}

Task<void> Kv::put(Bytes key, Bytes value) {
  std::vector<KvPair> one;
  one.emplace_back(std::move(key), std::move(value));
  co_await put_batch(std::move(one));
}

Task<void> Kv::put_batch(std::vector<KvPair> entries) {
  check_batch(entries.size());
  std::size_t payload = 0;
  storage::WriteBatch batch;
  for (auto& [key, value] : entries) {
    check_key(key);
    check_value(value);
    payload += key.size() + value.size();
    batch.ops.emplace_back(
        storage::WriteBatch::Put{rt_->record().actor_id, user_key(key), std::move(value)});
  }
  if (payload > kKvMaxBatchPayload) {
    fail(codes::kKvPayloadTooLarge, "A KV batch put carries " + std::to_string(payload) +
                                        " bytes; the limit is " +
                                        std::to_string(kKvMaxBatchPayload) + ".");
  }
  co_await write(*rt_, std::move(batch));
}

Task<void> Kv::del(Bytes key) {
  std::vector<Bytes> one{std::move(key)};
  co_await delete_batch(std::move(one));
}

Task<void> Kv::delete_batch(std::vector<Bytes> keys) {
  check_batch(keys.size());
  storage::WriteBatch batch;
  for (auto& key : keys) {
    check_key(key);
    batch.ops.emplace_back(storage::WriteBatch::Delete{rt_->record().actor_id, user_key(key)});
  }
  co_await write(*rt_, std::move(batch));
}

Task<void> Kv::delete_range(Bytes start, Bytes end) {
  storage::WriteBatch batch;
  Bytes stop =
      end.empty() ? Bytes{static_cast<std::uint8_t>(detail::kUserKvPrefix + 1)} : user_key(end);
  batch.ops.emplace_back(
      storage::WriteBatch::DeleteRange{rt_->record().actor_id, user_key(start), std::move(stop)});
  co_await write(*rt_, std::move(batch));
}

Task<std::vector<KvPair>> Kv::list_prefix(Bytes prefix, std::size_t limit) {
  check_key(prefix);
  auto rows = rt_->runtime().store().kv_prefix(rt_->record().actor_id, user_key(prefix), limit);
  if (!rows) {
    throw ErrorException(rows.error());
  }
  co_return to_pairs(std::move(*rows));
}

Task<std::vector<KvPair>> Kv::list_range(Bytes start, Bytes end, std::size_t limit) {
  Bytes stop =
      end.empty() ? Bytes{static_cast<std::uint8_t>(detail::kUserKvPrefix + 1)} : user_key(end);
  auto rows = rt_->runtime().store().kv_range(rt_->record().actor_id, user_key(start), stop, limit);
  if (!rows) {
    throw ErrorException(rows.error());
  }
  co_return to_pairs(std::move(*rows));
}

}  // namespace rivet

#pragma once
// The actor runtime's reserved KV keys (docs/storage-format.md, "Reserved keys").

#include <rivet/common/value.hpp>

#include <cstdint>
#include <string_view>

namespace rivet::detail {

/// Persisted state: compat-CBOR of the state value.
inline const Bytes kStateKey{0x01};
/// The inspector token (UTF-8), written in the actor's first commit; where upstream keeps it,
/// so the management API's KV route hands it to the dashboard.
inline const Bytes kInspectorTokenKey{0x03};
/// Schedules: 0x02 + due time (u64 big-endian ms since epoch) + 8 random bytes.
inline constexpr std::uint8_t kSchedulePrefix = 0x02;
/// Queue messages: 0x05 + message id (u64 big-endian), value compat-CBOR {name, body, createdAt}.
inline constexpr std::uint8_t kQueuePrefix = 0x05;
/// Workflow history: 0x06 + entry location (UTF-8), value compat-CBOR of the entry.
inline constexpr std::uint8_t kWorkflowPrefix = 0x06;
/// User KV (c.kv()): 0x04 + the user's key.
inline constexpr std::uint8_t kUserKvPrefix = 0x04;
/// Chunks of a large state (core/actor/state_chunks.hpp): 0x09 + chunk id (u64 big-endian);
/// the state row then holds their manifest.
inline constexpr std::uint8_t kStateChunkPrefix = 0x09;

[[nodiscard]] inline Bytes prefixed(std::uint8_t prefix, const Bytes& key) {
  Bytes out;
  out.reserve(key.size() + 1);
  out.push_back(prefix);
  out.insert(out.end(), key.begin(), key.end());
  return out;
}

[[nodiscard]] inline Bytes schedule_key(std::int64_t due_ms, std::uint64_t nonce) {
  Bytes out{kSchedulePrefix};
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(due_ms) >> shift));
  }
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(nonce >> shift));
  }
  return out;
}

[[nodiscard]] inline Bytes queue_key(std::uint64_t id) {
  Bytes out{kQueuePrefix};
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(id >> shift));
  }
  return out;
}

[[nodiscard]] inline std::int64_t schedule_due(const Bytes& key) {
  std::uint64_t v = 0;
  for (std::size_t i = 1; i < 9 && i < key.size(); ++i) {
    v = (v << 8) | key[i];
  }
  return static_cast<std::int64_t>(v);
}

}  // namespace rivet::detail

namespace rivet::detail {

/// Cron jobs: 0x07 + job name (UTF-8, no NUL), value compat-CBOR of the job.
inline constexpr std::uint8_t kCronJobPrefix = 0x07;
/// Cron run history: 0x08 + job name + 0x00 + sequence number (u64 BE), value compat-CBOR.
inline constexpr std::uint8_t kCronHistoryPrefix = 0x08;

[[nodiscard]] inline Bytes cron_job_key(std::string_view name) {
  Bytes out{kCronJobPrefix};
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

[[nodiscard]] inline Bytes cron_history_prefix(std::string_view name) {
  Bytes out{kCronHistoryPrefix};
  out.insert(out.end(), name.begin(), name.end());
  out.push_back(0x00);
  return out;
}

[[nodiscard]] inline Bytes cron_history_key(std::string_view name, std::uint64_t seq) {
  Bytes out = cron_history_prefix(name);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(seq >> shift));
  }
  return out;
}

[[nodiscard]] inline std::uint64_t schedule_nonce(const Bytes& key) {
  std::uint64_t v = 0;
  for (std::size_t i = 9; i < 17 && i < key.size(); ++i) {
    v = (v << 8) | key[i];
  }
  return v;
}

}  // namespace rivet::detail

#pragma once
// Identifiers minted by the runtime.

#include <cstdint>
#include <string>

namespace rivet::detail {

/// 30 lowercase base-36 characters from 128 random bits; URL-safe, free of '@', '/', ','.
[[nodiscard]] std::string new_actor_id();
/// A secret: 32 bytes from the operating system's CSPRNG (getrandom), base64url without padding.
[[nodiscard]] std::string new_secret_token();
/// A random UUIDv4 string for connection ids.
[[nodiscard]] std::string new_uuid();
/// A random non-zero store fence (storage::WriteBatch::fence), one per actor instance: unique
/// across runtimes that share a store without any of them keeping a counter.
[[nodiscard]] std::uint64_t new_fence();

}  // namespace rivet::detail

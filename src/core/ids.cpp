#include "core/ids.hpp"

#include <rivet/common/value.hpp>

#include <sys/random.h>


#include <array>
#include <chrono>
#include <cstdio>
#include <random>

namespace rivet::detail {
namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  return gen;
}

}  // namespace

std::uint64_t new_fence() {
  std::uint64_t fence = 0;
  while (fence == 0) {
    fence = rng()();
  }
  return fence;
}

std::string new_actor_id() {
  constexpr std::size_t kLength = 30;
  constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  unsigned __int128 v = (static_cast<unsigned __int128>(rng()()) << 64) | rng()();
  std::string out(kLength, '0');
  for (std::size_t i = 0; i < kLength; ++i) {
    out[kLength - 1 - i] = kAlphabet[static_cast<int>(v % 36)];
    v /= 36;
  }
  return out;
}

std::string new_secret_token() {
  std::array<std::uint8_t, 32> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const auto got = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got > 0) {
      filled += static_cast<std::size_t>(got);
    }
    // EINTR: try again. getrandom blocks only until the pool is seeded at boot.
  }
  return base64url_encode(bytes.data(), bytes.size());
}

std::string new_uuid() {
  std::uint64_t hi = rng()();
  std::uint64_t lo = rng()();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  std::array<char, 37> buf{};
  std::snprintf(buf.data(), buf.size(), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0xffff), static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return std::string(buf.data(), 36);
}


}  // namespace rivet::detail

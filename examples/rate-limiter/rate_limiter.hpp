// A rate limiter: one actor per caller (its key is the caller's id), a token bucket in its state.
// Because each caller's bucket is one actor, calls for the same caller are serialized and the
// bucket needs no lock; different callers never contend.
#pragma once

#include <rivet/rivet.hpp>

#include <algorithm>
#include <cstdint>

namespace rate_limiter {

struct Bucket {
  double tokens = 10;
  std::int64_t refilled_at_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Bucket, tokens, refilled_at_ms)

struct Decision {
  bool allowed = false;
  double remaining = 0;
  /// When the request would be allowed, if it was refused (ms from now).
  std::int64_t retry_after_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Decision, allowed, remaining, retry_after_ms)

/// The limiter's actions, declared for typed callers (a C++ client, another actor, a test):
/// calling one with the wrong argument types does not compile.
inline constexpr rivet::Action<Decision(double)> consume{"consume"};
inline constexpr rivet::Action<double()> remaining{"remaining"};

inline constexpr double kCapacity = 10;
inline constexpr double kTokensPerSecond = 2;

/// Tops the bucket up for the time that passed since the last refill.
inline void refill(Bucket& b, std::int64_t now_ms) {
  if (b.refilled_at_ms != 0) {
    const double elapsed_s = static_cast<double>(now_ms - b.refilled_at_ms) / 1000.0;
    b.tokens = std::min(kCapacity, b.tokens + elapsed_s * kTokensPerSecond);
  }
  b.refilled_at_ms = now_ms;
}

inline rivet::Registry make_registry() {
  auto limiter =
      rivet::actor<Bucket>("rateLimiter")
          .action(consume,
                  [](auto& c, double cost) {
                    if (cost <= 0 || cost > kCapacity) {
                      throw rivet::UserError("cost must be in (0, 10]", "invalid_cost");
                    }
                    auto& b = c.state();
                    refill(b, c.now_ms());
                    Decision d;
                    if (b.tokens >= cost) {
                      b.tokens -= cost;
                      d.allowed = true;
                    } else {
                      d.retry_after_ms = static_cast<std::int64_t>(
                          (cost - b.tokens) / kTokensPerSecond * 1000.0 + 0.5);
                    }
                    d.remaining = b.tokens;
                    return d;
                  })
          .action(remaining, [](auto& c) {
            auto b = c.state();  // a copy: reading does not refill the stored bucket
            refill(b, c.now_ms());
            return b.tokens;
          });
  rivet::Registry registry;
  registry.use(limiter);
  return registry;
}

}  // namespace rate_limiter

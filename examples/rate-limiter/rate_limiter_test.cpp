// The rate limiter under the test harness. The manual clock runs like the real one plus what the
// test advances, so figures are exact to within the few milliseconds the test itself takes.
#include "rate_limiter.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;

TEST(RateLimiterExample, RefusesWhenEmptyAndRefillsOverTime) {
  const auto registry = rate_limiter::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto alice = t.create("rateLimiter", {"alice"});
  auto bob = t.create("rateLimiter", {"bob"});

  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(t.call<rate_limiter::Decision>(alice, "consume", 1.0).allowed) << i;
  }
  auto refused = t.call<rate_limiter::Decision>(alice, "consume", 1.0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_NEAR(refused.retry_after_ms, 500, 50);
  EXPECT_TRUE(t.call<rate_limiter::Decision>(bob, "consume", 1.0).allowed) << "buckets are per key";

  t.advance(1s);  // two tokens back
  EXPECT_NEAR(t.call<double>(alice, "remaining"), 2.0, 0.3);
  EXPECT_TRUE(t.call<rate_limiter::Decision>(alice, "consume", 2.0).allowed);

  t.restart();  // the bucket is durable state
  EXPECT_NEAR(t.call<double>(alice, "remaining"), 0.0, 0.3);
  EXPECT_THROW(t.call(alice, "consume", 11.0), rivet::ErrorException);
}

}  // namespace

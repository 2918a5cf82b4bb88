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
    EXPECT_TRUE(t.call(alice, rate_limiter::consume, 1.0).allowed) << i;
  }
  auto refused = t.call(alice, rate_limiter::consume, 1.0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_NEAR(refused.retry_after_ms, 500, 50);
  EXPECT_TRUE(t.call(bob, rate_limiter::consume, 1.0).allowed) << "buckets are per key";

  t.advance(1s);  // two tokens back
  EXPECT_NEAR(t.call(alice, rate_limiter::remaining), 2.0, 0.3);
  EXPECT_TRUE(t.call(alice, rate_limiter::consume, 2.0).allowed);

  t.restart();  // the bucket is durable state
  EXPECT_NEAR(t.call(alice, rate_limiter::remaining), 0.0, 0.3);
  EXPECT_THROW(t.call(alice, rate_limiter::consume, 11.0), rivet::ErrorException);
}

}  // namespace

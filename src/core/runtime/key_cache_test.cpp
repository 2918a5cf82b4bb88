#include "core/runtime/key_cache.hpp"

#include <gtest/gtest.h>

namespace {

using rivet::detail::KeyCache;

TEST(KeyCacheTest, RemembersAndForgetsOnlyTheIdItWasGiven) {
  KeyCache cache(64);
  EXPECT_FALSE(cache.find("counter", "k"));
  cache.remember("counter", "k", "id-1");
  EXPECT_EQ(cache.find("counter", "k"), "id-1");
  EXPECT_FALSE(cache.find("other", "k"));
  EXPECT_FALSE(cache.find("counter", "k2"));
  cache.forget("counter", "k", "id-0");  // an older id: the newer entry stays
  EXPECT_EQ(cache.find("counter", "k"), "id-1");
  cache.forget("counter", "k", "id-1");
  EXPECT_FALSE(cache.find("counter", "k"));
}

TEST(KeyCacheTest, HoldsAtMostItsSlotsAndNeverAnswersForAnotherKey) {
  KeyCache cache(8);
  for (int i = 0; i < 1000; ++i) {
    cache.remember("counter", "k" + std::to_string(i), "id-" + std::to_string(i));
  }
  int hits = 0;
  for (int i = 0; i < 1000; ++i) {
    if (auto id = cache.find("counter", "k" + std::to_string(i))) {
      EXPECT_EQ(*id, "id-" + std::to_string(i));
      ++hits;
    }
  }
  EXPECT_GT(hits, 0);
  EXPECT_LE(hits, 8);
}

}  // namespace

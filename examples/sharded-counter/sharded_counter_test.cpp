// The sharded counter under the test harness: writes spread over the shards, the total adds
// them up, and every shard is its own durable actor.
#include "sharded_counter.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

namespace {

TEST(ShardedCounterExample, WritesSpreadOverShardsAndTheTotalAddsThemUp) {
  const auto registry = sharded_counter::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto home = t.create("hits", {"/home"});
  for (int i = 0; i < 10; ++i) {
    t.call(home, "hit", 1);
  }
  EXPECT_EQ(t.call<std::int64_t>(home, "total"), 10);

  // Round robin over four shards: 3, 3, 2, 2.
  for (std::int64_t i = 0; i < sharded_counter::kShards; ++i) {
    auto shard = t.create("hitShard", sharded_counter::shard_key({"/home"}, i));
    EXPECT_EQ(t.call<std::int64_t>(shard, "count"), i < 2 ? 3 : 2) << "shard " << i;
  }
  // Another page has its own shards.
  auto about = t.create("hits", {"/about"});
  t.call(about, "hit", 5);
  EXPECT_EQ(t.call<std::int64_t>(about, "total"), 5);

  t.restart();
  EXPECT_EQ(t.call<std::int64_t>(home, "total"), 10);
}

}  // namespace

#include "storage/key_range.hpp"
#include "storage/test_util.hpp"

namespace rivet::storage::testing {
namespace {

using KvTest = StoreTest;
using SqliteKvTest = SqliteStoreTest;
INSTANTIATE_STORE_TESTS(KvTest);

std::vector<Bytes> keys_of(const std::vector<KvEntry>& entries) {
  std::vector<Bytes> out;
  for (const auto& e : entries) {
    out.push_back(e.key);
  }
  return out;
}

TEST_P(KvTest, PutGetOverwriteDelete) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->kv_get("a", bytes("k")), std::nullopt);

  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v1"))})));
  EXPECT_EQ(*store->kv_get("a", bytes("k")), bytes("v1"));

  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v2"))})));
  EXPECT_EQ(*store->kv_get("a", bytes("k")), bytes("v2"));

  ASSERT_TRUE(store->commit_sync(batch({del("a", bytes("k"))})));
  EXPECT_EQ(*store->kv_get("a", bytes("k")), std::nullopt);
  // Deleting a missing key is not an error.
  EXPECT_TRUE(store->commit_sync(batch({del("a", bytes("k"))})));
}

TEST_P(KvTest, GetManyAnswersInKeyOrder) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k1"), bytes("v1")),
                                        put("a", bytes("k3"), Bytes{}),
                                        put("b", bytes("k2"), bytes("other actor"))})));
  auto got = store->kv_get_many("a", {bytes("k3"), bytes("k2"), bytes("k1"), bytes("k3")});
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, (std::vector<std::optional<Bytes>>{Bytes{}, std::nullopt, bytes("v1"), Bytes{}}));
  EXPECT_TRUE(store->kv_get_many("a", {})->empty());
  store->close();
  auto closed = store->kv_get_many("a", {bytes("k1")});
  ASSERT_FALSE(closed);
  EXPECT_TRUE(closed.error().is("storage", "failure"));
}

TEST_P(KvTest, EmptyValueIsStoredNotMissing) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), Bytes{})})));
  auto got = store->kv_get("a", bytes("k"));
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_TRUE((*got)->empty());
}

TEST_P(KvTest, ActorsHaveSeparateKeySpaces) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(
      batch({put("a", bytes("k"), bytes("1")), put("b", bytes("k"), bytes("2"))})));
  EXPECT_EQ(*store->kv_get("a", bytes("k")), bytes("1"));
  EXPECT_EQ(*store->kv_get("b", bytes("k")), bytes("2"));
  EXPECT_EQ(store->kv_prefix("a", {}, 100)->size(), 1u);
}

TEST_P(KvTest, RangeIsOrderedByBytes) {
  auto store = open();
  // Inserted out of order; includes 0x00, 0xff, a prefix of another key, and a byte above 0x7f
  // (which a signed-char comparison would put first).
  const std::vector<Bytes> sorted = {
      bytes({0x00}), bytes({0x00, 0x00}), bytes({0x01}), bytes({0x01, 0xff}), bytes({0x02}),
      bytes({0x7f}), bytes({0x80}),       bytes({0xff}), bytes({0xff, 0x00}), bytes({0xff, 0xff})};
  WriteBatch b;
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) {
    b.ops.push_back(put("a", *it, bytes("v")));
  }
  ASSERT_TRUE(store->commit_sync(std::move(b)));

  EXPECT_EQ(keys_of(*store->kv_range("a", {}, {}, 100)), sorted);
  // [0x01, 0xff): half-open.
  EXPECT_EQ(keys_of(*store->kv_range("a", bytes({0x01}), bytes({0xff}), 100)),
            std::vector<Bytes>(sorted.begin() + 2, sorted.begin() + 7));
  // limit
  EXPECT_EQ(keys_of(*store->kv_range("a", bytes({0x01}), {}, 3)),
            std::vector<Bytes>(sorted.begin() + 2, sorted.begin() + 5));
  EXPECT_TRUE(store->kv_range("a", bytes({0x01}), {}, 0)->empty());
  // start after end: nothing
  EXPECT_TRUE(store->kv_range("a", bytes({0x05}), bytes({0x01}), 100)->empty());
}

TEST_P(KvTest, PrefixScan) {
  auto store = open();
  ASSERT_TRUE(store->commit_sync(batch({
      put("a", bytes({0x01}), bytes("p")),
      put("a", bytes({0x01, 0x00}), bytes("a")),
      put("a", bytes({0x01, 0xff, 0xff}), bytes("b")),
      put("a", bytes({0x02}), bytes("c")),
      put("a", bytes({0xff}), bytes("d")),
      put("a", bytes({0xff, 0xff, 0x01}), bytes("e")),
  })));
  EXPECT_EQ(keys_of(*store->kv_prefix("a", bytes({0x01}), 100)),
            (std::vector<Bytes>{bytes({0x01}), bytes({0x01, 0x00}), bytes({0x01, 0xff, 0xff})}));
  EXPECT_EQ(keys_of(*store->kv_prefix("a", bytes({0x01, 0xff}), 100)),
            (std::vector<Bytes>{bytes({0x01, 0xff, 0xff})}));
  // An all-0xff prefix has no finite upper bound.
  EXPECT_EQ(keys_of(*store->kv_prefix("a", bytes({0xff}), 100)),
            (std::vector<Bytes>{bytes({0xff}), bytes({0xff, 0xff, 0x01})}));
  EXPECT_EQ(keys_of(*store->kv_prefix("a", bytes({0xff, 0xff}), 100)),
            (std::vector<Bytes>{bytes({0xff, 0xff, 0x01})}));
  EXPECT_EQ(store->kv_prefix("a", {}, 100)->size(), 6u);
  EXPECT_EQ(store->kv_prefix("a", bytes({0x01}), 2)->size(), 2u);
}

TEST(PrefixEnd, IncrementsLastNonFfByte) {
  using detail::prefix_end;
  EXPECT_EQ(prefix_end({}), Bytes{});
  EXPECT_EQ(prefix_end(bytes({0x01})), bytes({0x02}));
  EXPECT_EQ(prefix_end(bytes({0x01, 0xff})), bytes({0x02}));
  EXPECT_EQ(prefix_end(bytes({0xff, 0xff})), Bytes{});
  EXPECT_EQ(prefix_end(bytes({0x00})), bytes({0x01}));
}

TEST_P(KvTest, DeleteRange) {
  auto store = open();
  WriteBatch b;
  for (int i = 0; i < 10; ++i) {
    b.ops.push_back(put("a", bytes({i}), bytes("v")));
  }
  b.ops.push_back(put("b", bytes({5}), bytes("other actor")));
  ASSERT_TRUE(store->commit_sync(std::move(b)));

  ASSERT_TRUE(store->commit_sync(batch({WriteBatch::DeleteRange{"a", bytes({2}), bytes({5})}})));
  EXPECT_EQ(keys_of(*store->kv_range("a", {}, {}, 100)),
            (std::vector<Bytes>{bytes({0}), bytes({1}), bytes({5}), bytes({6}), bytes({7}),
                                bytes({8}), bytes({9})}));
  // Empty end: to the end of the actor's key space, and no further.
  ASSERT_TRUE(store->commit_sync(batch({WriteBatch::DeleteRange{"a", bytes({7}), {}}})));
  EXPECT_EQ(keys_of(*store->kv_range("a", {}, {}, 100)),
            (std::vector<Bytes>{bytes({0}), bytes({1}), bytes({5}), bytes({6})}));
  EXPECT_EQ(*store->kv_get("b", bytes({5})), bytes("other actor"));
}

TEST_P(KvTest, LargeValueRoundTrips) {
  auto store = open();
  Bytes big(1 << 20);
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<std::uint8_t>(i * 7);
  }
  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes({0x00}), big)})));
  EXPECT_EQ(*store->kv_get("a", bytes({0x00})), big);
}

TEST_F(SqliteKvTest, MemoryPathWorks) {
  StoreOptions o;
  o.path = ":memory:";
  auto store = open(o);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit_sync(batch({put("a", bytes("k"), bytes("v"))})));
  EXPECT_EQ(*store->kv_get("a", bytes("k")), bytes("v"));
  ASSERT_TRUE(
      store->commit_sync(batch({WriteBatch::InsertActor{actor("id1", "counter", "/x", 1)}})));
  EXPECT_EQ((*store->find_actor("id1"))->name, "counter");
}

TEST_P(KvTest, ReadsAfterCloseFail) {
  auto store = open();
  store->close();
  store->close();  // idempotent
  auto got = store->kv_get("a", bytes("k"));
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is("storage", "failure"));
}

}  // namespace
}  // namespace rivet::storage::testing

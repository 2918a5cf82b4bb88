#include "server/envoy/kv_requests.hpp"

#include <gtest/gtest.h>

namespace rivet::server::envoy {
namespace {

using storage::WriteBatch;

Bytes bytes(std::size_t n, std::uint8_t fill = 'x') {
  return Bytes(n, fill);
}

TEST(EnvoyKvRequests, GroupsRunsOfPutsAndDeletesInOrder) {
  WriteBatch batch;
  batch.ops.emplace_back(WriteBatch::Put{"a", {1}, {10}});
  batch.ops.emplace_back(WriteBatch::Put{"a", {2}, {20}});
  batch.ops.emplace_back(WriteBatch::Delete{"a", {3}});
  batch.ops.emplace_back(WriteBatch::Put{"b", {1}, {30}});
  batch.ops.emplace_back(WriteBatch::DeleteRange{"a", {5}, {}});
  batch.ops.emplace_back(WriteBatch::DestroyActor{"c", 7});
  auto calls = plan_writes(batch);
  ASSERT_TRUE(calls);
  ASSERT_EQ(calls->size(), 5U);
  const auto& put = std::get<wire::KvPutRequest>((*calls)[0].data);
  EXPECT_EQ(put.keys, (std::vector<Bytes>{{1}, {2}}));
  EXPECT_EQ(put.values, (std::vector<Bytes>{{10}, {20}}));
  EXPECT_EQ(std::get<wire::KvDeleteRequest>((*calls)[1].data).keys, std::vector<Bytes>{{3}});
  EXPECT_EQ((*calls)[2].actor_id, "b");
  const auto& range = std::get<wire::KvDeleteRangeRequest>((*calls)[3].data);
  EXPECT_EQ(range.start, Bytes{5});
  EXPECT_EQ(range.end, unbounded_end());  // "to the end"
  EXPECT_TRUE(std::holds_alternative<wire::KvDropRequest>((*calls)[4].data));
  EXPECT_EQ((*calls)[4].actor_id, "c");
}

TEST(EnvoyKvRequests, SplitsAtTheKeyCountAndPayloadLimits) {
  WriteBatch many;
  for (std::uint8_t i = 0; i < 200; ++i) {
    many.ops.emplace_back(WriteBatch::Put{"a", {i}, {i}});
  }
  auto calls = plan_writes(many);
  ASSERT_TRUE(calls);
  ASSERT_EQ(calls->size(), 2U);
  EXPECT_EQ(std::get<wire::KvPutRequest>((*calls)[0].data).keys.size(), 128U);
  EXPECT_EQ(std::get<wire::KvPutRequest>((*calls)[1].data).keys.size(), 72U);

  WriteBatch big;  // 10 values of 120 KiB: 976 KiB holds 8 of them
  for (std::uint8_t i = 0; i < 10; ++i) {
    big.ops.emplace_back(WriteBatch::Put{"a", {i}, bytes(120 * 1024)});
  }
  calls = plan_writes(big);
  ASSERT_TRUE(calls);
  ASSERT_EQ(calls->size(), 2U);
  EXPECT_EQ(std::get<wire::KvPutRequest>((*calls)[0].data).keys.size(), 8U);
}

// How the core commits a large actor state (core/actor/state_chunks.hpp): new chunks (at most
// 32 KiB each), then the state row's manifest, then deletes. The engine gets them in that order
// however many requests they take, so a commit cut short between requests leaves the old
// manifest with all of its chunks. An edit that overwrites chunks in place sends at most four
// chunks and the manifest: one request, applied whole.
Bytes chunk_key(std::uint64_t id) {
  Bytes key{0x09};
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<std::uint8_t>(id >> static_cast<unsigned>(shift)));
  }
  return key;
}

TEST(EnvoyKvRequests, AChunkedStateGoesOutChunksFirstThenItsManifestThenDeletes) {
  WriteBatch first;  // a 4 MiB state written whole: 128 chunks of 32 KiB
  for (std::uint64_t id = 0; id < 128; ++id) {
    first.ops.emplace_back(WriteBatch::Put{"a", chunk_key(id), bytes(32 * 1024)});
  }
  first.ops.emplace_back(WriteBatch::Put{"a", {0x01}, bytes(128 * 20 + 37)});
  for (std::uint64_t id = 200; id < 210; ++id) {
    first.ops.emplace_back(WriteBatch::Delete{"a", chunk_key(id)});
  }
  auto calls = plan_writes(first);
  ASSERT_TRUE(calls);
  ASSERT_GE(calls->size(), 3U);
  std::vector<Bytes> put_keys;
  for (std::size_t i = 0; i + 1 < calls->size(); ++i) {
    const auto& put = std::get<wire::KvPutRequest>((*calls)[i].data);
    std::size_t payload = 0;
    for (std::size_t k = 0; k < put.keys.size(); ++k) {
      payload += put.keys[k].size() + put.values[k].size();
    }
    EXPECT_LE(payload, KvLimits{}.max_put_payload_bytes);
    put_keys.insert(put_keys.end(), put.keys.begin(), put.keys.end());
  }
  ASSERT_EQ(put_keys.size(), 129U);
  EXPECT_EQ(put_keys.back(), Bytes{0x01});  // the manifest after every chunk it names
  EXPECT_EQ(std::get<wire::KvDeleteRequest>(calls->back().data).keys.size(), 10U);

  WriteBatch in_place;  // four chunks overwritten and the manifest
  for (std::uint64_t id = 0; id < 4; ++id) {
    in_place.ops.emplace_back(WriteBatch::Put{"a", chunk_key(id), bytes(32 * 1024)});
  }
  in_place.ops.emplace_back(WriteBatch::Put{"a", {0x01}, bytes(128 * 1024 - 1)});
  calls = plan_writes(in_place);
  ASSERT_TRUE(calls);
  EXPECT_EQ(calls->size(), 1U);
}

TEST(EnvoyKvRequests, RefusesWhatTheEngineWouldRefuseBeforeSending) {
  WriteBatch key;
  key.ops.emplace_back(WriteBatch::Put{"a", bytes(2047), {1}});
  auto refused = plan_writes(key);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().qualified(), "kv.key_too_large");
  EXPECT_EQ(refused.error().metadata["limit"], 2046);

  WriteBatch value;
  value.ops.emplace_back(WriteBatch::Put{"a", {1}, bytes(128 * 1024 + 1)});
  refused = plan_writes(value);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().qualified(), "kv.value_too_large");

  WriteBatch insert;
  insert.ops.emplace_back(WriteBatch::InsertActor{});
  EXPECT_FALSE(plan_writes(insert));
}

TEST(EnvoyKvRequests, GetsAndPrefixBounds) {
  std::vector<Bytes> keys;
  for (std::uint8_t i = 0; i < 130; ++i) {
    keys.push_back({i});
  }
  auto gets = plan_gets(keys);
  ASSERT_EQ(gets.size(), 2U);
  EXPECT_EQ(gets[1].keys.size(), 2U);
  EXPECT_EQ(prefix_end(Bytes{4, 1}), (Bytes{4, 2}));
  EXPECT_EQ(prefix_end(Bytes{4, 0xff}), (Bytes{5}));
  EXPECT_TRUE(prefix_end(Bytes{0xff}).empty());
}

TEST(EnvoyKvRequests, LaterCallsJoinTheLastOneOfTheirKindAndActorWithinTheLimits) {
  std::vector<KvCall> into{KvCall{"a", wire::KvPutRequest{{{1}, {2}}, {{10}, {20}}}}};
  // A put of the same actor joins (key 1 keeps its later value); a delete opens a new request,
  // and a later delete joins it; another actor's put stays apart.
  append_calls(into, {KvCall{"a", wire::KvPutRequest{{{1}, {3}}, {{11}, {30}}}},
                      KvCall{"a", wire::KvDeleteRequest{{{2}}}}});
  append_calls(into, {KvCall{"a", wire::KvDeleteRequest{{{2}, {4}}}},
                      KvCall{"b", wire::KvPutRequest{{{1}}, {{1}}}}});
  ASSERT_EQ(into.size(), 3U);
  const auto& put = std::get<wire::KvPutRequest>(into[0].data);
  EXPECT_EQ(put.keys, (std::vector<Bytes>{{1}, {2}, {3}}));
  EXPECT_EQ(put.values, (std::vector<Bytes>{{11}, {20}, {30}}));
  EXPECT_EQ(std::get<wire::KvDeleteRequest>(into[1].data).keys, (std::vector<Bytes>{{2}, {4}}));
  EXPECT_EQ(into[2].actor_id, "b");

  // Over the key count of one request, the later put goes on its own.
  KvLimits small;
  small.max_keys_per_request = 3;
  append_calls(into, {KvCall{"b", wire::KvPutRequest{{{2}, {3}, {4}}, {{2}, {3}, {4}}}}}, small);
  ASSERT_EQ(into.size(), 4U);
  EXPECT_EQ(std::get<wire::KvPutRequest>(into[2].data).keys.size(), 1U);
  EXPECT_EQ(std::get<wire::KvPutRequest>(into[3].data).keys.size(), 3U);
}

}  // namespace
}  // namespace rivet::server::envoy

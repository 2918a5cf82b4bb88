// The chunker, the plan of what a changed state writes, and the manifest, without a store.
#include "core/actor/state_chunks.hpp"

#include <rivet/protocol/encoding.hpp>

#include <gtest/gtest.h>

#include <random>

namespace rivet::detail {
namespace {

Bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  Bytes out(n);
  for (auto& b : out) {
    b = static_cast<std::uint8_t>(gen());
  }
  return out;
}

// The bytes `layout` describes, cut out of `data`, must be `data` whole and in order.
void expect_covers(const ChunkLayout& layout, const Bytes& data) {
  std::size_t at = 0;
  for (const auto& c : layout.chunks) {
    EXPECT_EQ(c.offset, at);
    EXPECT_EQ(c.hash, state_hash(std::span(data).subspan(c.offset, c.length)));
    at += c.length;
  }
  EXPECT_EQ(at, data.size());
}

constexpr std::size_t kMiB = 1024 * 1024;

TEST(StateChunksTest, AFirstPlanWritesEveryChunkWithinTheSizeBounds) {
  const auto data = random_bytes(kMiB, 1);
  const ChunkParams params;
  auto plan = plan_chunks(data, {}, {});
  expect_covers(plan.layout, data);
  EXPECT_EQ(plan.written.size(), plan.layout.chunks.size());
  EXPECT_TRUE(plan.deleted.empty());
  for (std::size_t i = 0; i + 1 < plan.layout.chunks.size(); ++i) {
    EXPECT_GE(plan.layout.chunks[i].length, params.min_size);
    EXPECT_LE(plan.layout.chunks[i].length, params.max_size);
  }
  // About one cut per 2^13 bytes past the minimum: 1 MiB makes some 100 chunks.
  EXPECT_GT(plan.layout.chunks.size(), 60U);
  EXPECT_LT(plan.layout.chunks.size(), 200U);
  EXPECT_EQ(plan.layout.next_id, plan.layout.chunks.size());
}

struct Edit {
  const char* name;
  std::size_t at;
  std::size_t erase;
  std::size_t insert;
};

// A small edit anywhere rewrites only the chunks around it and keeps every other chunk's id.
TEST(StateChunksTest, AnEditRewritesOnlyTheChunksNearIt) {
  const auto before = random_bytes(kMiB, 2);
  const auto first = plan_chunks(before, {}, {});
  const auto filler = random_bytes(4096, 3);
  for (const Edit& edit :
       {Edit{"overwrite 16 B in the middle", kMiB / 2, 16, 16},
        Edit{"insert 100 B in the middle", kMiB / 2, 0, 100},
        Edit{"erase 3000 B in the middle", kMiB / 2, 3000, 0},
        Edit{"overwrite the first byte", 0, 1, 1}, Edit{"append 4 KiB", kMiB, 0, 4096},
        Edit{"cut the last 10 B", kMiB - 10, 10, 0}}) {
    SCOPED_TRACE(edit.name);
    Bytes now(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(edit.at));
    now.insert(now.end(), filler.begin(),
               filler.begin() + static_cast<std::ptrdiff_t>(edit.insert));
    now.insert(now.end(), before.begin() + static_cast<std::ptrdiff_t>(edit.at + edit.erase),
               before.end());
    auto plan = plan_chunks(now, before, first.layout);
    expect_covers(plan.layout, now);
    EXPECT_GE(plan.written.size(), 1U);
    EXPECT_LE(plan.written.size(), 3U);
    EXPECT_LE(plan.deleted.size(), 3U);
    // Every chunk not written is an old one, under its old id.
    std::size_t kept = plan.layout.chunks.size() - plan.written.size();
    EXPECT_GE(kept + 3, first.layout.chunks.size());
    // The same plan, done without the shortcuts, finds the same cuts.
    auto fresh = plan_chunks(now, {}, {});
    ASSERT_EQ(fresh.layout.chunks.size(), plan.layout.chunks.size());
    for (std::size_t i = 0; i < fresh.layout.chunks.size(); ++i) {
      EXPECT_EQ(fresh.layout.chunks[i].offset, plan.layout.chunks[i].offset);
    }
  }
}

// An edit that moves no cut puts the changed chunk back under its id (SQLite then rewrites only
// the changed pages); one that moves a cut takes new ids, so no chunk the old manifest names is
// overwritten.
TEST(StateChunksTest, AnEditThatMovesNoCutOverwritesItsChunkInPlace) {
  const auto before = random_bytes(kMiB, 8);
  const auto first = plan_chunks(before, {}, {});
  auto same_length = before;
  same_length[kMiB / 2] ^= 0xff;
  auto plan = plan_chunks(same_length, before, first.layout);
  ASSERT_EQ(plan.written.size(), 1U);
  EXPECT_TRUE(plan.deleted.empty());
  EXPECT_EQ(plan.layout.next_id, first.layout.next_id);
  EXPECT_LT(plan.layout.chunks[plan.written[0]].id, first.layout.next_id);

  auto longer = before;
  longer.insert(longer.begin() + kMiB / 2, 16, 0x55);
  plan = plan_chunks(longer, before, first.layout);
  ASSERT_GE(plan.written.size(), 1U);
  EXPECT_EQ(plan.deleted.size(), plan.written.size() == 1 ? 1U : plan.deleted.size());
  for (auto index : plan.written) {
    EXPECT_GE(plan.layout.chunks[index].id, first.layout.next_id);
  }
}

TEST(StateChunksTest, AnUnchangedStateWritesNothingButKeepsItsIds) {
  const auto data = random_bytes(300 * 1024, 4);
  const auto first = plan_chunks(data, {}, {});
  auto again = plan_chunks(data, data, first.layout);
  EXPECT_TRUE(again.written.empty());
  EXPECT_TRUE(again.deleted.empty());
  ASSERT_EQ(again.layout.chunks.size(), first.layout.chunks.size());
  for (std::size_t i = 0; i < again.layout.chunks.size(); ++i) {
    EXPECT_EQ(again.layout.chunks[i].id, first.layout.chunks[i].id);
  }
}

// A state of one repeated byte never meets the rolling hash's condition, or always does: the
// size bounds still hold.
TEST(StateChunksTest, UniformBytesAreCutAtTheSizeBounds) {
  const Bytes data(200 * 1024, 'a');
  auto plan = plan_chunks(data, {}, {});
  expect_covers(plan.layout, data);
  const ChunkParams params;
  for (const auto& c : plan.layout.chunks) {
    EXPECT_LE(c.length, params.max_size);
  }
}

TEST(StateChunksTest, TheManifestRoundTripsAndIsNeverCbor) {
  const auto data = random_bytes(100 * 1024, 5);
  auto plan = plan_chunks(data, {}, {});
  plan.layout.next_id = 77;
  const auto row = encode_manifest(plan.layout);
  ASSERT_TRUE(is_manifest(row));
  auto back = decode_manifest(row);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->next_id, 77U);
  ASSERT_EQ(back->chunks.size(), plan.layout.chunks.size());
  for (std::size_t i = 0; i < back->chunks.size(); ++i) {
    EXPECT_EQ(back->chunks[i].id, plan.layout.chunks[i].id);
    EXPECT_EQ(back->chunks[i].offset, plan.layout.chunks[i].offset);
    EXPECT_EQ(back->chunks[i].length, plan.layout.chunks[i].length);
    EXPECT_EQ(back->chunks[i].hash, plan.layout.chunks[i].hash);
  }
  // Whatever a state is, its compat-CBOR never looks like a manifest.
  for (const Value& state : {Value(), Value(0), Value(-1), Value("x"), Value::array(),
                             Value::object(), Value{{"data", std::string(70000, 'z')}}}) {
    auto cbor = protocol::encode_compat_cbor(state);
    EXPECT_FALSE(is_manifest(cbor)) << state.dump().substr(0, 40);
  }
}

TEST(StateChunksTest, ADamagedManifestIsAStructuredError) {
  const auto data = random_bytes(64 * 1024, 6);
  const auto row = encode_manifest(plan_chunks(data, {}, {}).layout);
  for (std::size_t at : {std::size_t{4}, std::size_t{10}, row.size() / 2, row.size() - 1}) {
    auto bad = row;
    bad[at] ^= 0x01;
    auto decoded = decode_manifest(bad);
    ASSERT_FALSE(decoded) << "byte " << at;
    EXPECT_TRUE(decoded.error().is(codes::kStorageCorrupt)) << decoded.error().qualified();
  }
  auto cut = row;
  cut.resize(row.size() - 20);
  auto decoded = decode_manifest(cut);
  ASSERT_FALSE(decoded);
  EXPECT_TRUE(decoded.error().is(codes::kStorageCorrupt));
}

TEST(StateChunksTest, TheHashSeesEveryByte) {
  const auto data = random_bytes(1000, 7);
  const auto h = state_hash(data);
  for (std::size_t at = 0; at < data.size(); at += 37) {
    auto flipped = data;
    flipped[at] ^= 0x80;
    EXPECT_NE(state_hash(flipped), h) << at;
  }
  auto longer = data;
  longer.push_back(0);
  EXPECT_NE(state_hash(longer), h);
  EXPECT_EQ(state_hash(data), h);
}

}  // namespace
}  // namespace rivet::detail

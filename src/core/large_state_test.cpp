// Large actor states on a real SQLite store on disk: stored as chunks plus a manifest above the
// threshold, one row below it, read back whole after a restart, refused whole when damaged, and
// what a small change costs the WAL either way.
#include <rivet/storage/fault_plan.hpp>

#include "core/actor/state_chunks.hpp"
#include "core/state_keys.hpp"
#include "core/test_runtime_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <set>

namespace {

using rivet::Bytes;
using rivet::Value;
namespace codes = rivet::codes;
namespace detail = rivet::detail;

struct Blob {
  std::string data;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Blob, data)

// Pseudo-random letters: content the chunker can cut (a run of one byte is cut only at the
// size bounds).
std::string payload(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(n, ' ');
  for (auto& ch : out) {
    ch = static_cast<char>('a' + gen() % 26);
  }
  return out;
}

rivet::Registry blob_registry(std::size_t threshold) {
  rivet::ActorOptions options;
  options.state_chunk_threshold = threshold;
  rivet::Registry r;
  r.use(rivet::actor<Blob>("blob")
            .options(options)
            .action("setSize",
                    [](auto& c, std::int64_t n) {
                      c.state().data = payload(static_cast<std::size_t>(n), 42);
                      return nullptr;
                    })
            .action("touch",
                    [](auto& c, std::int64_t at) {
                      auto& d = c.state().data;
                      for (std::size_t i = 0; i < 16 && static_cast<std::size_t>(at) + i < d.size();
                           ++i) {
                        auto& ch = d[static_cast<std::size_t>(at) + i];
                        ch = static_cast<char>(ch == 'Z' ? 'A' : (ch >= 'a' ? 'A' : ch + 1));
                      }
                      return nullptr;
                    })
            .action("insert",
                    [](auto& c, std::int64_t at, std::string text) {
                      c.state().data.insert(static_cast<std::size_t>(at), text);
                      return nullptr;
                    })
            .action("digest", [](auto& c) {
              const auto& d = c.state().data;
              return Value::array({static_cast<std::int64_t>(d.size()),
                                   static_cast<std::int64_t>(std::hash<std::string>{}(d) >> 1U)});
            }));
  return r;
}

constexpr std::size_t kThreshold = 32 * 1024;
constexpr std::int64_t kMiB = 1024 * 1024;

class LargeStateTest : public rivet::testing::RuntimeFixture {
 protected:
  LargeStateTest() { store_faults_ = std::make_shared<rivet::storage::FaultPlan>(); }
  rivet::Registry make_registry() override { return blob_registry(kThreshold); }

  void restart() {
    close();
    open();
  }
  Bytes state_row(const std::string& id) {
    auto row = store_->kv_get(id, detail::kStateKey);
    EXPECT_TRUE(row && *row);
    return row && *row ? **row : Bytes{};
  }
  std::size_t chunk_rows(const std::string& id) {
    auto rows = store_->kv_prefix(id, Bytes{detail::kStateChunkPrefix}, 100000);
    EXPECT_TRUE(rows);
    return rows ? rows->size() : 0;
  }
  std::uint64_t rows_written() { return store_->stats().rows; }
  // The manifest's chunks are exactly the chunk rows there are: none missing, none left over.
  void expect_consistent(const std::string& id) {
    const auto row = state_row(id);
    if (!detail::is_manifest(row)) {
      EXPECT_EQ(chunk_rows(id), 0U);
      return;
    }
    auto layout = detail::decode_manifest(row);
    ASSERT_TRUE(layout) << layout.error().message;
    std::set<std::uint64_t> ids;
    for (const auto& c : layout->chunks) {
      ids.insert(c.id);
    }
    EXPECT_EQ(chunk_rows(id), ids.size());
  }
};

TEST_F(LargeStateTest, SmallLargeAndEmptyStatesComeBackWholeAfterARestart) {
  for (std::int64_t size : {std::int64_t{0}, std::int64_t{100}, std::int64_t{10 * 1024},
                            std::int64_t{kThreshold}, kMiB}) {
    SCOPED_TRACE(size);
    const auto id = create("blob", {"s" + std::to_string(size)});
    call(id, "setSize", Value::array({size}));
    const auto digest = call(id, "digest");
    const bool chunked = size >= static_cast<std::int64_t>(kThreshold);
    EXPECT_EQ(detail::is_manifest(state_row(id)), chunked);
    EXPECT_EQ(chunk_rows(id) > 0, chunked);
    restart();
    EXPECT_EQ(call(id, "digest"), digest);
    expect_consistent(id);
  }
}

// 16 bytes changed in the middle of 1 MiB: the commit puts one or two chunks and the manifest
// (and deletes what they replace when a cut moved), instead of the whole megabyte.
TEST_F(LargeStateTest, AChangeInTheMiddleRewritesOnlyNearbyChunks) {
  const auto id = create("blob", {"a"});
  call(id, "setSize", Value::array({kMiB}));
  const auto chunks = chunk_rows(id);
  EXPECT_GT(chunks, 60U);
  for (std::int64_t at : {kMiB / 2, kMiB / 3, std::int64_t{5}, kMiB - 20}) {
    SCOPED_TRACE(at);
    const auto before = rows_written();
    call(id, "touch", Value::array({at}));
    const auto written = rows_written() - before;
    EXPECT_GE(written, 2U);  // a chunk and the manifest
    EXPECT_LE(written, 7U);  // at most three chunks when the edit moved a cut
    expect_consistent(id);
  }
  const auto before = rows_written();
  call(id, "insert", Value::array({kMiB / 4, std::string(300, '#')}));
  EXPECT_LE(rows_written() - before, 7U);
  const auto digest = call(id, "digest");
  restart();
  EXPECT_EQ(call(id, "digest"), digest);
  expect_consistent(id);
}

TEST_F(LargeStateTest, AStateShrinksAndGrowsAcrossTheThresholdBothWays) {
  const auto id = create("blob", {"a"});
  for (int round = 0; round < 2; ++round) {
    call(id, "setSize", Value::array({kMiB}));
    EXPECT_TRUE(detail::is_manifest(state_row(id)));
    call(id, "setSize", Value::array({std::int64_t{100}}));
    EXPECT_FALSE(detail::is_manifest(state_row(id)));
    EXPECT_EQ(chunk_rows(id), 0U);  // deleted in the batch that wrote the one row
    restart();
    EXPECT_EQ(call(id, "digest").at(0), 100);
    call(id, "setSize", Value::array({std::int64_t{200 * 1024}}));
    restart();
    EXPECT_EQ(call(id, "digest").at(0), 200 * 1024);
    expect_consistent(id);
  }
}

// A state written as one row by a build without chunking (or with it off) loads unchanged; the
// first change after that stores it chunked.
TEST_F(LargeStateTest, AnOldOneRowStateLoadsAndIsChunkedOnItsNextChange) {
  close();
  registry_ = blob_registry(0);
  open();
  const auto id = create("blob", {"a"});
  call(id, "setSize", Value::array({kMiB}));
  EXPECT_FALSE(detail::is_manifest(state_row(id)));
  const auto digest = call(id, "digest");

  close();
  registry_ = blob_registry(kThreshold);
  open();
  EXPECT_EQ(call(id, "digest"), digest);
  EXPECT_FALSE(detail::is_manifest(state_row(id)));  // reading writes nothing
  call(id, "touch", Value::array({kMiB / 2}));
  EXPECT_TRUE(detail::is_manifest(state_row(id)));
  const auto touched = call(id, "digest");
  restart();
  EXPECT_EQ(call(id, "digest"), touched);

  // And back: with chunking off the state is one row again and the chunks are gone.
  close();
  registry_ = blob_registry(0);
  open();
  EXPECT_EQ(call(id, "digest"), touched);
  call(id, "touch", Value::array({std::int64_t{10}}));
  EXPECT_FALSE(detail::is_manifest(state_row(id)));
  EXPECT_EQ(chunk_rows(id), 0U);
}

// A damaged or missing chunk: the actor refuses to start with storage.corrupt, never with a
// partial state.
TEST_F(LargeStateTest, ADamagedChunkIsAStructuredErrorNotAPartialState) {
  const auto damaged = create("blob", {"damaged"});
  const auto missing = create("blob", {"missing"});
  const auto manifest = create("blob", {"manifest"});
  for (const auto& id : {damaged, missing, manifest}) {
    call(id, "setSize", Value::array({std::int64_t{256 * 1024}}));
  }
  close();
  open();  // the store only: the actors are asleep
  auto chunk_of = [&](const std::string& id) {
    auto layout = detail::decode_manifest(state_row(id));
    EXPECT_TRUE(layout);
    return detail::chunk_key(layout->chunks.at(layout->chunks.size() / 2).id);
  };
  rivet::storage::WriteBatch batch;
  auto value = store_->kv_get(damaged, chunk_of(damaged));
  ASSERT_TRUE(value && *value);
  (**value)[10] ^= 0x01;
  batch.ops.emplace_back(rivet::storage::WriteBatch::Put{damaged, chunk_of(damaged), **value});
  batch.ops.emplace_back(rivet::storage::WriteBatch::Delete{missing, chunk_of(missing)});
  auto row = state_row(manifest);
  row[row.size() / 2] ^= 0x01;
  batch.ops.emplace_back(
      rivet::storage::WriteBatch::Put{manifest, detail::kStateKey, std::move(row)});
  ASSERT_TRUE(store_->commit_sync(std::move(batch)));

  for (const auto& id : {damaged, missing, manifest}) {
    auto r = run(runtime_->call_action(id, nullptr, "digest", Value::array()));
    ASSERT_FALSE(r) << id;
    EXPECT_TRUE(r.error().is(codes::kStorageCorrupt)) << r.error().qualified();
  }
}

// Chunk rows that no manifest names (an engine commit cut short between its requests leaves
// them) are deleted with the actor's next commit.
TEST_F(LargeStateTest, ChunkRowsNoManifestNamesAreDeletedOnLoad) {
  const auto id = create("blob", {"a"});
  call(id, "setSize", Value::array({std::int64_t{100 * 1024}}));
  close();
  open();
  rivet::storage::WriteBatch stray;
  stray.ops.emplace_back(
      rivet::storage::WriteBatch::Put{id, detail::chunk_key(999999), Bytes(100, 1)});
  ASSERT_TRUE(store_->commit_sync(std::move(stray)));
  call(id, "touch", Value::array({std::int64_t{50}}));
  expect_consistent(id);
  auto layout = detail::decode_manifest(state_row(id));
  ASSERT_TRUE(layout);
  EXPECT_GT(layout->next_id, 999999U);
}

// The orphan has the id the next new chunk would get (a commit that put its chunks and died
// before its manifest): the chunk written beside the orphan's delete must survive it.
TEST_F(LargeStateTest, AnOrphanWithTheNextIdDoesNotTakeTheNextChunkWithIt) {
  const auto id = create("blob", {"a"});
  call(id, "setSize", Value::array({std::int64_t{100 * 1024}}));
  close();
  open();
  auto layout = detail::decode_manifest(state_row(id));
  ASSERT_TRUE(layout);
  rivet::storage::WriteBatch stray;
  stray.ops.emplace_back(
      rivet::storage::WriteBatch::Put{id, detail::chunk_key(layout->next_id), Bytes(100, 1)});
  ASSERT_TRUE(store_->commit_sync(std::move(stray)));
  call(id, "insert", Value::array({std::int64_t{50 * 1024}, std::string(40, '#')}));
  const auto digest = call(id, "digest");
  expect_consistent(id);
  restart();
  EXPECT_EQ(call(id, "digest"), digest);
}

// What a 16-byte change of a 1 MiB state costs the WAL, one row against chunks. Printed for
// docs/benchmarks.md; the assertion is the order of magnitude.
TEST_F(LargeStateTest, ChunkingCutsTheWalBytesOfASmallChangeOfALargeState) {
  auto wal_per_edit = [&](std::size_t threshold, std::int64_t size, bool same_length) {
    close();
    registry_ = blob_registry(threshold);
    open();
    const auto id = create("blob", {"t" + std::to_string(threshold) + "-" + std::to_string(size)});
    call(id, "setSize", Value::array({size}));
    constexpr int kTouches = 20;
    std::mt19937 gen(7);
    const auto before = store_faults_->counts().wal_bytes;
    for (int i = 0; i < kTouches; ++i) {
      const auto at = static_cast<std::int64_t>(gen() % (size - 16));
      if (same_length) {
        call(id, "touch", Value::array({at}));
      } else {
        call(id, "insert", Value::array({at, std::string(16, '#')}));
      }
    }
    return (store_faults_->counts().wal_bytes - before) / kTouches;
  };
  for (std::int64_t size :
       {std::int64_t{8 * 1024}, std::int64_t{16 * 1024}, std::int64_t{32 * 1024},
        std::int64_t{48 * 1024}, std::int64_t{64 * 1024}, std::int64_t{128 * 1024}, kMiB}) {
    for (bool same_length : {true, false}) {
      const auto flat = wal_per_edit(0, size, same_length);
      const auto chunked = wal_per_edit(1, size, same_length);
      std::printf("state %7lld B, %-16s WAL bytes per commit: one row %8llu, chunked %8llu\n",
                  static_cast<long long>(size), same_length ? "16 B overwritten" : "16 B inserted",
                  static_cast<unsigned long long>(flat), static_cast<unsigned long long>(chunked));
      if (size == kMiB && !same_length) {
        EXPECT_GT(flat, 1000U * 1024U);  // the whole megabyte, every time
        EXPECT_LT(chunked * 10, flat);
      }
      if (size == kMiB && same_length) {
        // SQLite rewrites only the changed pages of a row that kept its size, one row or chunk.
        EXPECT_LT(chunked, 16U * 1024U);
      }
    }
  }
}

}  // namespace

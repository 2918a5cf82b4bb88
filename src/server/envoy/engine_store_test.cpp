#include "server/envoy/engine_store.hpp"

#include <rivet/common/error_codes.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <vector>

namespace rivet::server::envoy {
namespace {

using storage::WriteBatch;

// The engine's side of the link, answered by the test: it holds every KV request until the test
// answers it, so the test sees what EngineStore has in flight at each point.
class HeldLink final : public EngineLink {
 public:
  struct Held {
    std::string actor_id;
    wire::KvRequestData request;
    KvCallback done;
  };

  void start() override {}
  Task<Result<void>> wait_connected() override { co_return Result<void>{}; }
  void send_event(std::string, std::uint32_t, wire::Event) override {}
  void send_tunnel(wire::ToRivetTunnelMessage) override {}
  void send_stopping() override {}
  void kv(std::string actor_id, wire::KvRequestData request, KvCallback done) override {
    held.push_back(Held{std::move(actor_id), std::move(request), std::move(done)});
  }
  Task<void> stop() override { co_return; }

  // Answers the oldest held request of `actor_id` (success, or the engine's error).
  void answer(std::string_view actor_id, bool ok = true) {
    for (auto it = held.begin(); it != held.end(); ++it) {
      if (it->actor_id == actor_id) {
        auto done = std::move(it->done);
        held.erase(it);
        if (ok) {
          done(wire::KvResponseData{wire::KvPutResponse{}});
        } else {
          done(make_error(codes::kStorageFailure, "engine refused"));
        }
        return;
      }
    }
    FAIL() << "no request held for " << actor_id;
  }

  [[nodiscard]] std::size_t held_for(std::string_view actor_id) const {
    std::size_t n = 0;
    for (const auto& h : held) {
      n += h.actor_id == actor_id ? 1 : 0;
    }
    return n;
  }

  std::deque<Held> held;
};

WriteBatch put(const std::string& actor, std::uint8_t key, std::uint8_t value,
               std::uint64_t fence = 0) {
  WriteBatch batch;
  batch.ops.emplace_back(WriteBatch::Put{actor, {key}, {value}});
  batch.fence = fence;
  return batch;
}

struct Outcomes {
  std::vector<std::optional<bool>> ok;
  storage::Store::Callback next() {
    ok.emplace_back();
    return [this, i = ok.size() - 1](Result<void> r) { ok[i] = r.has_value(); };
  }
};

class EngineStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store.set_link(link); }
  std::shared_ptr<HeldLink> link = std::make_shared<HeldLink>();
  EngineStore store;
  Outcomes out;
};

TEST_F(EngineStoreTest, ActorsCommitSideBySideAndOneActorsWaitingBatchesLeaveAsOne) {
  store.commit(put("a", 1, 10, 7), out.next());
  store.commit(put("b", 1, 10, 8), out.next());
  // b does not wait for a: both are at the engine.
  EXPECT_EQ(link->held_for("a"), 1U);
  EXPECT_EQ(link->held_for("b"), 1U);
  // Three more of a wait behind its first, the same key twice among them.
  store.commit(put("a", 1, 11, 7), out.next());
  store.commit(put("a", 2, 20, 7), out.next());
  store.commit(put("a", 1, 12, 7), out.next());
  EXPECT_EQ(link->held_for("a"), 1U);
  link->answer("a");
  EXPECT_EQ(out.ok[0], true);
  EXPECT_FALSE(out.ok[2].has_value());
  // They left together: one put, each key once with its latest value.
  ASSERT_EQ(link->held_for("a"), 1U);
  const auto& joined = std::get<wire::KvPutRequest>(link->held.back().request);
  EXPECT_EQ(joined.keys, (std::vector<Bytes>{{1}, {2}}));
  EXPECT_EQ(joined.values, (std::vector<Bytes>{{12}, {20}}));
  link->answer("a");
  link->answer("b");
  for (const auto& ok : out.ok) {
    EXPECT_EQ(ok, true);
  }
  EXPECT_EQ(store.stats().batches, 5U);
  EXPECT_EQ(store.stats().transactions, 3U);
}

TEST_F(EngineStoreTest, AFailedBatchFailsTheLaterOnesOfItsFenceUnsentAndNoOtherActors) {
  store.commit(put("a", 1, 10, 7), out.next());
  store.commit(put("b", 1, 10, 8), out.next());
  store.commit(put("a", 1, 11, 7), out.next());
  link->answer("a", false);
  EXPECT_EQ(out.ok[0], false);
  EXPECT_EQ(out.ok[2], false);  // never sent
  EXPECT_EQ(link->held_for("a"), 0U);
  link->answer("b");
  EXPECT_EQ(out.ok[1], true);
  // Until a batch releases the fence.
  store.commit(put("a", 1, 12, 7), out.next());
  EXPECT_EQ(out.ok[3], false);
  auto release = put("a", 1, 13, 7);
  release.release_fence = true;
  store.commit(std::move(release), out.next());
  link->answer("a");
  EXPECT_EQ(out.ok[4], true);
}

TEST_F(EngineStoreTest, AnEmptyUnfencedBatchWaitsForEverythingBeforeIt) {
  store.commit(put("a", 1, 10), out.next());
  store.commit(put("b", 1, 10), out.next());
  store.commit(WriteBatch{}, out.next());
  EXPECT_FALSE(out.ok[2].has_value());
  link->answer("b");
  EXPECT_FALSE(out.ok[2].has_value());
  link->answer("a");
  EXPECT_EQ(out.ok[2], true);
}

TEST_F(EngineStoreTest, ABatchOfTwoActorsWaitsForBothAndIsNotJoined) {
  store.commit(put("a", 1, 10), out.next());
  WriteBatch both = put("a", 2, 20);
  both.ops.emplace_back(WriteBatch::Put{"b", {1}, {10}});
  store.commit(std::move(both), out.next());
  store.commit(put("b", 2, 20), out.next());
  EXPECT_EQ(link->held_for("b"), 0U);  // behind the two-actor batch, which waits for a
  link->answer("a");
  ASSERT_EQ(link->held_for("a"), 1U);  // the two-actor batch, its a part first
  link->answer("a");
  link->answer("b");
  EXPECT_EQ(out.ok[1], true);
  EXPECT_EQ(link->held_for("b"), 1U);
  link->answer("b");
  EXPECT_EQ(out.ok[2], true);
}

}  // namespace
}  // namespace rivet::server::envoy

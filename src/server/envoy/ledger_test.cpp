#include "server/envoy/ledger.hpp"

#include <gtest/gtest.h>

namespace rivet::server::envoy {
namespace {

wire::ActorCheckpoint cp(const char* actor, std::uint32_t gen, std::int64_t index) {
  return wire::ActorCheckpoint{actor, gen, index};
}

TEST(EnvoyCommandLedger, RunsEachCommandOnceAndAcksTheHighest) {
  CommandLedger ledger;
  EXPECT_TRUE(ledger.accept(cp("a", 1, 1)));
  EXPECT_TRUE(ledger.accept(cp("a", 1, 2)));
  EXPECT_TRUE(ledger.accept(cp("b", 3, 1)));
  auto acks = ledger.take_acks();
  ASSERT_EQ(acks.size(), 2U);
  EXPECT_EQ(acks[0], cp("a", 1, 2));
  EXPECT_EQ(acks[1], cp("b", 3, 1));
  EXPECT_TRUE(ledger.take_acks().empty());
  // The engine replays unacked commands after a reconnect: they do not run again.
  EXPECT_FALSE(ledger.accept(cp("a", 1, 1)));
  EXPECT_FALSE(ledger.accept(cp("a", 1, 2)));
  EXPECT_TRUE(ledger.take_acks().empty());
  // A new generation starts over.
  EXPECT_TRUE(ledger.accept(cp("a", 2, 1)));
  ledger.retire_before("a", 2);
  EXPECT_TRUE(ledger.accept(cp("a", 1, 1)));  // forgotten generations are not remembered
}

TEST(EnvoyEventLog, NumbersPerGenerationFromZeroAndKeepsUntilAcked) {
  EventLog log;
  auto running = wire::Event{wire::EventActorStateUpdate{wire::ActorStateRunning{}}};
  auto first = log.append("a", 1, running);
  auto second = log.append("a", 1, wire::Event{wire::EventActorSetAlarm{}});
  auto other = log.append("a", 2, running);
  EXPECT_EQ(first.checkpoint, cp("a", 1, 0));
  EXPECT_EQ(second.checkpoint, cp("a", 1, 1));
  EXPECT_EQ(other.checkpoint, cp("a", 2, 0));
  EXPECT_EQ(log.size(), 3U);

  log.ack({cp("a", 1, 0)});
  auto resend = log.unacked();  // what goes out again after a reconnect, in order
  ASSERT_EQ(resend.size(), 2U);
  EXPECT_EQ(resend[0], second);
  EXPECT_EQ(resend[1], other);

  log.ack({cp("a", 1, 5), cp("a", 2, 0)});
  EXPECT_EQ(log.size(), 0U);
  EXPECT_EQ(log.append("a", 1, running).checkpoint.index, 2);  // numbering goes on
}

}  // namespace
}  // namespace rivet::server::envoy

// Reminders under the test harness: time moves only when the test says so.
#include "reminders.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;

TEST(RemindersExample, OneShotRemindersAndARecurringDigestFireOnTime) {
  const auto registry = reminders::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto id = t.create("reminders", {"team"});
  auto watcher = t.connect(id);
  watcher->subscribe("reminder");

  t.call(id, "remindIn", "stand-up", 60);
  t.call(id, "remindIn", "retro", 3600);
  t.call(id, "startDigest", 30);
  EXPECT_TRUE(t.call<reminders::Board>(id, "board").due.empty());

  t.advance(2min);
  auto board = t.call<reminders::Board>(id, "board");
  EXPECT_EQ(board.due, std::vector<std::string>{"stand-up"});
  ASSERT_FALSE(watcher->events().empty());
  EXPECT_EQ(watcher->events().back().args, rivet::Value::array({"stand-up"}));

  // The rest survives a restart and still fires.
  t.restart();
  t.advance(1h);
  board = t.call<reminders::Board>(id, "board");
  EXPECT_EQ(board.due, (std::vector<std::string>{"stand-up", "retro"}));
  EXPECT_GE(board.digests, 2);
}

}  // namespace

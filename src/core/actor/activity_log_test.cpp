// The activity log's rings: bounded, oldest first after wrapping, sized by the first span
// whatever was recorded before it.
#include "core/actor/activity_log.hpp"

#include <gtest/gtest.h>

namespace {

using rivet::detail::ActivityLog;
using rivet::detail::Span;

Span named(std::string name) {
  Span s;
  s.name = std::move(name);
  return s;
}

std::vector<std::string> names(const ActivityLog& log) {
  std::vector<std::string> out;
  for (const auto* s : log.spans()) {
    out.push_back(s->name);
  }
  return out;
}

TEST(ActivityLogTest, KeepsTheLatestSpansOldestFirst) {
  ActivityLog log;
  EXPECT_TRUE(log.empty());
  for (int i = 0; i < 5; ++i) {
    log.record(named(std::to_string(i)), 3);
  }
  EXPECT_EQ(names(log), (std::vector<std::string>{"2", "3", "4"}));
  EXPECT_EQ(log.spans().front()->seq, 3U);
}

TEST(ActivityLogTest, AnEventFirstDoesNotSizeTheSpanRing) {
  ActivityLog log;
  log.record_event(std::make_shared<const rivet::SharedEvent>("e", rivet::Value::array()), 0, 1);
  for (int i = 0; i < 4; ++i) {
    log.record(named(std::to_string(i)), 256);
  }
  EXPECT_EQ(names(log).size(), 4U);
  EXPECT_EQ(log.events().size(), 1U);
}

TEST(ActivityLogTest, StepFailuresAreCountedPerLocation) {
  ActivityLog log;
  log.step_failed("a/b", rivet::make_error(rivet::codes::kActorAborted, "x"), 10);
  log.step_failed("a/b", rivet::make_error(rivet::codes::kActorAborted, "y"), 20);
  const auto& steps = log.step_attempts();
  ASSERT_EQ(steps.count("a/b"), 1U);
  EXPECT_EQ(steps.at("a/b").failures, 2U);
  EXPECT_EQ(steps.at("a/b").last_error->message, "y");
  EXPECT_EQ(steps.at("a/b").last_attempt_ms, 20);
}

}  // namespace

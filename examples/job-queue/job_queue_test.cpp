// The job queue under the test harness: sent jobs are processed in order by the run loop, and
// the results are durable.
#include "job_queue.hpp"

#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

namespace {

TEST(JobQueueExample, TheRunLoopProcessesJobsInOrder) {
  const auto registry = job_queue::make_registry();
  rivet::testing::TestRuntime t(registry);
  auto id = t.create("imageWorker", {"thumbs"});
  for (const auto* image : {"a.png", "b.png", "c.png"}) {
    auto sent = t.send(id, "resize", rivet::Value{{"image", image}, {"width", 128}});
    EXPECT_EQ(sent.status, "completed");
  }
  t.settle();
  auto done = t.call<std::vector<job_queue::Done>>(id, "done");
  ASSERT_EQ(done.size(), 3U);
  EXPECT_EQ(done[0].image, "a.png");
  EXPECT_EQ(done[2].image, "c.png");
  EXPECT_EQ(t.call<std::int64_t>(id, "waiting"), 0);

  t.restart();
  EXPECT_EQ(t.call<std::vector<job_queue::Done>>(id, "done").size(), 3U);
}

}  // namespace

// Notifier, Event, Gate, TaskGroup and the injected clock, on real io_contexts and threads.
#include <rivet/common/clock.hpp>
#include <rivet/common/event.hpp>
#include <rivet/common/gate.hpp>
#include <rivet/common/log.hpp>
#include <rivet/common/task_group.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <stdexcept>
#include <thread>

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

namespace rivet {
namespace {

// An io_context running on its own thread for the duration of a test.
struct Loop {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~Loop() {
    work.reset();
    io.stop();
    thread.join();
  }
  template <class T>
  T run(Task<T> task) {
    return asio::co_spawn(io, std::move(task), asio::use_future).get();
  }
};

TEST(EventTest, WaitersOnOtherThreadsResumeWhenSetAndLaterWaitsReturnAtOnce) {
  Loop a;
  Loop b;
  Event event;
  auto first = asio::co_spawn(a.io, event.wait(), asio::use_future);
  auto second = asio::co_spawn(b.io, event.wait(), asio::use_future);
  EXPECT_EQ(first.wait_for(20ms), std::future_status::timeout);
  event.set();
  first.get();
  second.get();
  a.run(event.wait());
  EXPECT_TRUE(event.is_set());
}

TEST(EventTest, ASetRacingWithManyWaitsIsNeverMissed) {
  Loop loop;
  for (int i = 0; i < 300; ++i) {
    Event event;
    auto waiting = asio::co_spawn(loop.io, event.wait(), asio::use_future);
    event.set();
    ASSERT_EQ(waiting.wait_for(2s), std::future_status::ready) << "iteration " << i;
  }
}

TEST(EventTest, TheLosingWaitOfARaceIsCancelledAndLeavesNoWaiter) {
  Loop loop;
  Event event;
  auto result = loop.run([](Event& ev) -> Task<int> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 5ms);
    auto winner = co_await (ev.wait() || timer.async_wait(asio::use_awaitable));
    co_return static_cast<int>(winner.index());
  }(event));
  EXPECT_EQ(result, 1);
  event.set();  // nothing left to resume
}

TEST(GateTest, WaitIdleReturnsWhenTheLastHoldLeaves) {
  asio::io_context io;
  Gate gate;
  bool idle = false;
  auto hold = std::make_unique<Gate::Hold>(gate);
  asio::co_spawn(io, [](Gate& g, bool& flag) -> Task<void> {
    co_await g.wait_idle();
    flag = true;
  }(gate, idle), [](std::exception_ptr) {});
  io.poll();
  EXPECT_FALSE(idle);
  EXPECT_EQ(gate.count(), 1u);
  hold.reset();
  io.poll();
  EXPECT_TRUE(idle);
}

TEST(TaskGroupTest, WaitIdleAwaitsEveryTaskAndCountsAndLogsFailures) {
  Loop loop;
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  TaskGroup group("test-group", Logger::to(sink, LogFormat::Logfmt));
  Event release;
  for (int i = 0; i < 4; ++i) {
    group.spawn(loop.io.get_executor(), [](Event& ev, int n) -> Task<void> {
      co_await ev.wait();
      if (n == 2) {
        throw std::runtime_error("task two broke");
      }
    }(release, i));
  }
  EXPECT_EQ(group.running(), 4u);
  auto idle = asio::co_spawn(loop.io, group.wait_idle(), asio::use_future);
  EXPECT_EQ(idle.wait_for(20ms), std::future_status::timeout);
  release.set();
  idle.get();
  EXPECT_EQ(group.running(), 0u);
  EXPECT_EQ(group.failures(), 1u);
  EXPECT_NE(out.str().find("group=test-group"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("task two broke"), std::string::npos) << out.str();
  group.close();
  EXPECT_FALSE(group.spawn(loop.io.get_executor(), []() -> Task<void> { co_return; }()));
  EXPECT_TRUE(group.wait_for(10ms));
}

TEST(ClockTest, AManualClockFiresTimersWhenAdvancedPastTheirDeadline) {
  Loop loop;
  ManualClock clock;
  auto strand = asio::make_strand(loop.io);
  auto fired = asio::co_spawn(strand, [](const Clock& c) -> Task<bool> {
    Timer timer(c, co_await asio::this_coro::executor, std::chrono::hours(1));
    co_return co_await timer.wait();
  }(clock), asio::use_future);
  EXPECT_EQ(fired.wait_for(20ms), std::future_status::timeout);
  clock.advance(std::chrono::minutes(59));
  EXPECT_EQ(fired.wait_for(20ms), std::future_status::timeout);
  const auto wall_before = clock.wall_ms();
  clock.advance(std::chrono::minutes(2));
  EXPECT_TRUE(fired.get());
  EXPECT_GE(clock.wall_ms() - wall_before, 120'000);
}

TEST(ClockTest, CancelEndsAWaitEarlyWithFalse) {
  Loop loop;
  auto strand = asio::make_strand(loop.io);
  const auto& clock = *Clock::system();
  auto result = loop.run([](const Clock& c, asio::strand<asio::io_context::executor_type> s)
                             -> Task<bool> {
    Timer timer(c, s, std::chrono::hours(1));
    asio::post(s, [&] { timer.cancel(); });
    co_return co_await timer.wait();
  }(clock, strand));
  EXPECT_FALSE(result);
}

TEST(LoggerTest, RendersLogfmtAndJsonWithBoundFields) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::logger>(
      "t", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  auto logfmt = Logger::to(sink, LogFormat::Logfmt).with({{"actor.name", "counter"}});
  EXPECT_EQ(logfmt.render("hook failed", {{"hook", "onSleep"}, {"error", "a \"b\""}}),
            R"(msg="hook failed" actor.name=counter hook=onSleep error="a \"b\"")");
  auto json = Logger::to(sink, LogFormat::Json).with({{"actor.id", "x1"}});
  EXPECT_EQ(json.render("m", {{"k", "v\n"}}), R"("msg":"m","actor.id":"x1","k":"v\n")");
  json.error("m", {{"k", "v"}});
  const auto line = out.str();
  EXPECT_EQ(line.rfind("{\"ts\":\"", 0), 0u) << line;
  EXPECT_NE(line.find(R"("level":"error","msg":"m","actor.id":"x1","k":"v"})"), std::string::npos)
      << line;
  EXPECT_FALSE(Logger::off().enabled(LogLevel::Error));
  EXPECT_EQ(parse_log_level("warn", LogLevel::Info), LogLevel::Warn);
  EXPECT_EQ(parse_log_level("bogus", LogLevel::Info), LogLevel::Info);
}

}  // namespace
}  // namespace rivet

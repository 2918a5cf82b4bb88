#include "core/test_runtime_fixture.hpp"
#include "testing/eventually.hpp"

#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;

struct Log {
  std::vector<std::string> events;
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Log, events, count)

struct Fired {
  std::vector<std::string> tags;
  std::int64_t failures_left = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Fired, tags, failures_left)

class LifecycleTest : public rivet::testing::RuntimeFixture {
 protected:
  rivet::Registry make_registry() override {
    rivet::Registry r;
    rivet::ActorOptions fast;
    fast.sleep_timeout = 100ms;
    r.use(rivet::actor<Log>("life")
              .options(fast)
              .create_state([](const rivet::Value&) {
                return Log{{"createState"}, 0};
              })
              .on_create([](auto& c) { c.state().events.push_back("onCreate"); })
              .on_wake([](auto& c) { c.state().events.push_back("onWake"); })
              .on_sleep([](auto& c) { c.state().events.push_back("onSleep"); })
              .action("events", [](auto& c) { return c.state().events; })
              .action("sleepNow", [](auto& c) { c.sleep(); })
              .action("destroyNow", [](auto& c) { c.destroy(); })
              .action("hold",
                      [](auto& c, std::int64_t ms) -> rivet::Task<std::int64_t> {
                        co_await c.delay(std::chrono::milliseconds(ms));
                        co_return ms;
                      })
              .action("put",
                      [](auto& c, std::string k, std::string v) -> rivet::Task<void> {
                        co_await c.kv().put(rivet::Kv::bytes(k), rivet::Kv::bytes(v));
                      })
              .action("get", [](auto& c, std::string k) -> rivet::Task<std::optional<std::string>> {
                auto v = co_await c.kv().get(rivet::Kv::bytes(k));
                if (!v) {
                  co_return std::nullopt;
                }
                co_return rivet::Kv::text(*v);
              }));
    rivet::ActorOptions slow_sleep;
    slow_sleep.sleep_timeout = 100ms;
    r.use(rivet::actor<Fired>("sched")
              .options(slow_sleep)
              .action("after",
                      [](auto& c, std::int64_t ms, std::string tag) {
                        c.schedule().after(std::chrono::milliseconds(ms), "fire", tag);
                      })
              .action("failNext", [](auto& c, std::int64_t n) { c.state().failures_left = n; })
              .action("fire",
                      [](auto& c, std::string tag) {
                        if (c.state().failures_left > 0) {
                          c.state().failures_left -= 1;
                          throw std::runtime_error("flaky");
                        }
                        c.state().tags.push_back(tag);
                      })
              .action("tags", [](auto& c) { return c.state().tags; }));
    return r;
  }

  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
    return rivet::testing::eventually(std::move(pred), limit, 20ms);
  }
};

TEST_F(LifecycleTest, HooksRunInOrderAcrossSleepAndWake) {
  auto id = create("life", {"a"});
  EXPECT_EQ(call(id, "events"), rivet::Value({"createState", "onCreate", "onWake"}));
  call(id, "sleepNow");
  ASSERT_TRUE(run(runtime_->sleep(id)));  // awaits the stop sleepNow started
  EXPECT_EQ(call(id, "events"),
            rivet::Value({"createState", "onCreate", "onWake", "onSleep", "onWake"}));
}

TEST_F(LifecycleTest, IdleActorsSleepAndRunningActionsKeepThemAwake) {
  auto id = create("life", {"idle"});
  EXPECT_EQ(call(id, "hold", rivet::Value::array({300})), 300);
  auto events = call(id, "events");
  EXPECT_EQ(std::count(events.begin(), events.end(), "onSleep"), 0);
  std::this_thread::sleep_for(400ms);
  events = call(id, "events");
  EXPECT_GE(std::count(events.begin(), events.end(), "onSleep"), 1);
}

// Engine mode: the gateway ends a request whose actor stops, so a request in flight holds it.
TEST_F(LifecycleTest, AHostsHoldKeepsAnIdleActorAwakeButNotAnAskedSleep) {
  auto id = create("life", {"held"});
  call(id, "events");  // awake
  runtime_->hold_awake(id);
  runtime_->hold_awake(id);
  std::this_thread::sleep_for(400ms);  // four sleep timeouts
  EXPECT_TRUE(runtime_->is_awake(id));
  runtime_->release_awake(id);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(runtime_->is_awake(id));
  runtime_->release_awake(id);
  EXPECT_TRUE(eventually([&] { return !runtime_->is_awake(id); }));

  // c.sleep() is carried out under a hold.
  call(id, "events");
  runtime_->hold_awake(id);
  call(id, "sleepNow");
  ASSERT_TRUE(run(runtime_->sleep(id)));
  EXPECT_FALSE(runtime_->is_awake(id));
  runtime_->release_awake(id);
}

TEST_F(LifecycleTest, KvSurvivesSleep) {
  auto id = create("life", {"kv"});
  call(id, "put", rivet::Value::array({"k", "v"}));
  call(id, "sleepNow");
  ASSERT_TRUE(run(runtime_->sleep(id)));  // returns once the stop the action asked for is done
  EXPECT_EQ(call(id, "get", rivet::Value::array({"k"})), "v");
  EXPECT_EQ(call(id, "get", rivet::Value::array({"missing"})), nullptr);
}

TEST_F(LifecycleTest, KvLimitsGiveStructuredErrors) {
  auto id = create("life", {"kv-limits"});
  auto r = run(runtime_->call_action(
      id, nullptr, "put", rivet::Value::array({std::string(rivet::kKvMaxKeySize + 1, 'k'), "v"})));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("kv", "key_too_large"));
  r = run(runtime_->call_action(
      id, nullptr, "put",
      rivet::Value::array({"k", std::string(rivet::kKvMaxValueSize + 1, 'v')})));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is("kv", "value_too_large"));
  // Nothing was written by the rejected calls.
  EXPECT_EQ(call(id, "get", rivet::Value::array({"k"})), nullptr);
}

TEST_F(LifecycleTest, DestroyRemovesTheActor) {
  auto id = create("life", {"gone"});
  call(id, "destroyNow");
  EXPECT_TRUE(eventually([&] {
    auto r = run(runtime_->call_action(id, nullptr, "events", rivet::Value::array()));
    return !r && r.error().is("actor", "not_found");
  }));
  auto again = create("life", {"gone"});
  EXPECT_NE(again, id);
}

TEST_F(LifecycleTest, SchedulesFireInOrderAndWakeSleepingActors) {
  auto id = create("sched", {"s"});
  auto start = std::chrono::steady_clock::now();
  call(id, "after", rivet::Value::array({400, "b"}));
  call(id, "after", rivet::Value::array({200, "a"}));
  // The actor sleeps after 100 ms idle; the schedules must wake it.
  EXPECT_TRUE(eventually([&] { return call(id, "tags") == rivet::Value({"a", "b"}); }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);
}

TEST_F(LifecycleTest, SchedulesSurviveRestart) {
  auto id = create("sched", {"restart"});
  call(id, "after", rivet::Value::array({300, "x"}));
  close();
  open();
  EXPECT_TRUE(eventually([&] { return call(id, "tags") == rivet::Value({"x"}); }));
}

TEST_F(LifecycleTest, FailingSchedulesAreRetried) {
  auto id = create("sched", {"retry"});
  call(id, "failNext", rivet::Value::array({1}));
  call(id, "after", rivet::Value::array({0, "r"}));
  EXPECT_TRUE(eventually([&] { return call(id, "tags") == rivet::Value({"r"}); }, 5s));
}

}  // namespace

namespace {

// The same checks on the runtime clock in manual mode: half a minute of idle time and an
// hour-long schedule take milliseconds.
class ManualClockTest : public LifecycleTest {
 protected:
  void SetUp() override {
    LifecycleTest::SetUp();
  }
};

TEST_F(ManualClockTest, SleepTimeoutAndSchedulesFollowTheClock) {
  auto id = create("sched", {"manual"});
  call(id, "after", rivet::Value::array({3'600'000, "hour"}));
  clock_->advance(std::chrono::minutes(59));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(call(id, "tags"), rivet::Value::array());  // never early
  clock_->advance(std::chrono::minutes(2));
  // Generous: under a sanitizer on a loaded machine the timer's next poll can be late.
  EXPECT_TRUE(eventually([&] { return call(id, "tags") == rivet::Value({"hour"}); }, 10s));
}

TEST_F(ManualClockTest, IdleActorsSleepWhenTheClockSaysSo) {
  auto id = create("life", {"manual-idle"});
  call(id, "events");
  clock_->advance(std::chrono::seconds(1));
  // Any call re-arms the idle timer; give the timer a few ticks before looking.
  std::this_thread::sleep_for(50ms);
  auto events = call(id, "events");
  EXPECT_EQ(std::count(events.begin(), events.end(), "onSleep"), 1);
}

}  // namespace

// Cron jobs on a real runtime with the runtime clock in manual mode: hours of cadence take
// milliseconds. Every test starts at the real wall time plus whatever earlier tests advanced.

#include "core/ids.hpp"
#include "core/test_runtime_fixture.hpp"
#include "testing/eventually.hpp"

#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;
using rivet::Value;

struct Ticks {
  std::vector<std::string> tags;
  std::vector<std::int64_t> at;
  std::int64_t failures_left = 0;
  std::int64_t wakes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Ticks, tags, at, failures_left, wakes)

Value error_fields(const rivet::Error& e) {
  return Value{{"group", e.group}, {"code", e.code}, {"message", e.message}};
}

class CronTest : public rivet::testing::RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
  }

  rivet::Registry make_registry() override {
    rivet::Registry r;
    rivet::ActorOptions fast;
    fast.sleep_timeout = 100ms;
    r.use(rivet::actor<Ticks>("jobs")
              .options(fast)
              .on_wake([](auto& c) { c.state().wakes += 1; })
              .action("set", [](auto& c, rivet::CronSpec spec) { return c.cron().set(spec); })
              .action("every",
                      [](auto& c, rivet::EverySpec spec) { return c.cron().every(spec); })
              .action("get", [](auto& c, std::string name) { return c.cron().get(name); })
              .action("list", [](auto& c) { return c.cron().list(); })
              .action("del", [](auto& c, std::string name) { return c.cron().del(name); })
              .action("history",
                      [](auto& c, std::string name, std::int64_t limit) {
                        return c.cron().history(name, static_cast<std::size_t>(limit));
                      })
              .action("failNext", [](auto& c, std::int64_t n) { c.state().failures_left = n; })
              .action("tick",
                      [](auto& c, std::string tag) {
                        if (c.state().failures_left > 0) {
                          c.state().failures_left -= 1;
                          throw rivet::UserError("flaky");
                        }
                        c.state().tags.push_back(tag);
                        c.state().at.push_back(c.now_ms());
                      })
              .action("state", [](auto& c) { return c.state(); })
              .action("sleepNow", [](auto& c) { c.sleep(); })
              .action("destroyNow", [](auto& c) { c.destroy(); })
              .action("after",
                      [](auto& c, std::int64_t ms, std::string tag) {
                        return c.schedule().after(std::chrono::milliseconds(ms), "tick", tag);
                      })
              .action("scheduleGet",
                      [](auto& c, std::string id) { return c.schedule().get(id); })
              .action("scheduleList", [](auto& c) { return c.schedule().list(); })
              .action("cancel", [](auto& c, std::string id) { return c.schedule().cancel(id); })
              .action("setTwice", [](auto& c) {
                // Two updates in one call: the second sees the first before anything commits.
                rivet::EverySpec a{"twice", 10s, "tick", Value::array({"a"}), 5};
                c.cron().every(a);
                a.args = Value::array({"b"});
                return c.cron().every(a);
              }));
    return r;
  }

  Value try_call(const std::string& id, const std::string& action, Value args) {
    auto r = run(runtime_->call_action(id, nullptr, action, std::move(args)));
    return r ? Value{{"ok", *r}} : Value{{"error", error_fields(r.error())}};
  }

  Value tags(const std::string& id) { return call(id, "state")["tags"]; }

  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds limit = 3s) {
    return rivet::testing::eventually(std::move(pred), limit, 10ms);
  }

  /// Advances the clock and gives the alarm loop time to act (and not act twice).
  void advance(rivet::Clock::duration d) {
    clock_->advance(d);
    std::this_thread::sleep_for(60ms);
  }

  static Value every_spec(const std::string& name, std::int64_t interval, Value args,
                          int max_history = 100) {
    return Value::array({Value{{"name", name},
                               {"interval", interval},
                               {"action", "tick"},
                               {"args", std::move(args)},
                               {"maxHistory", max_history}}});
  }
};

TEST_F(CronTest, EveryFiresOnItsDeadlinesAndWakesTheActor) {
  auto id = create("jobs", {"every"});
  const auto t0 = clock_->wall_ms();
  auto job = call(id, "every", every_spec("beat", 10'000, Value::array({"x"})));
  EXPECT_EQ(job["kind"], "every");
  EXPECT_EQ(job["interval"], 10'000);
  EXPECT_EQ(job["args"], Value::array({"x"}));
  const auto first = job["nextRunAt"].get<std::int64_t>();
  EXPECT_GE(first, t0 + 10'000);
  EXPECT_LE(first, clock_->wall_ms() + 10'000);

  advance(1s);  // the actor idles into sleep
  advance(8s);
  EXPECT_EQ(tags(id), Value::array());  // never early
  const auto wakes_before = call(id, "state")["wakes"].get<std::int64_t>();
  advance(2s);
  ASSERT_TRUE(eventually([&] { return tags(id).size() == 1; }));
  advance(10s);
  ASSERT_TRUE(eventually([&] { return tags(id).size() == 2; }));
  auto state = call(id, "state");
  EXPECT_GE(state["wakes"].get<std::int64_t>(), wakes_before);
  // Anchored to deadlines: the second run's slot is exactly one interval after the first.
  auto hist = call(id, "history", Value::array({"beat", 10}));
  ASSERT_TRUE(eventually([&] {
    hist = call(id, "history", Value::array({"beat", 10}));
    return hist.size() == 2;
  }));
  EXPECT_EQ(hist[0]["scheduledAt"].get<std::int64_t>(), first + 10'000);
  EXPECT_EQ(hist[1]["scheduledAt"].get<std::int64_t>(), first);
  EXPECT_EQ(hist[0]["result"], "ok");
  EXPECT_GE(state["at"][0].get<std::int64_t>(), first);
  EXPECT_EQ(call(id, "get", Value::array({"beat"}))["nextRunAt"], first + 20'000);
}

TEST_F(CronTest, CronExpressionFiresAtTheNextMatchInItsTimeZone) {
  auto id = create("jobs", {"cron"});
  auto job = call(id, "set",
                  Value::array({Value{{"name", "hourly"},
                                      {"expression", "0 * * * *"},
                                      {"action", "tick"},
                                      {"args", Value::array({"h"})},
                                      {"timezone", "Asia/Kolkata"}}}));
  EXPECT_EQ(job["timezone"], "Asia/Kolkata");
  EXPECT_EQ(job["maxHistory"], 100);
  const auto next = job["nextRunAt"].get<std::int64_t>();
  // Kolkata is UTC+5:30: its full hours are at :30 UTC.
  EXPECT_EQ(next % 3'600'000, 1'800'000);
  EXPECT_GT(next, clock_->wall_ms());
  EXPECT_LE(next, clock_->wall_ms() + 3'600'000);
  advance(std::chrono::milliseconds(next - clock_->wall_ms() - 1'000));
  EXPECT_EQ(tags(id), Value::array());
  advance(2s);
  ASSERT_TRUE(eventually([&] { return tags(id) == Value::array({"h"}); }));
  EXPECT_GE(call(id, "state")["at"][0].get<std::int64_t>(), next);
  EXPECT_TRUE(eventually(
      [&] { return call(id, "get", Value::array({"hourly"}))["nextRunAt"] == next + 3'600'000; }));
  EXPECT_EQ(call(id, "get", Value::array({"hourly"}))["lastResult"], "ok");
}

TEST_F(CronTest, UpdatingKeepsOrRecomputesTheCadence) {
  auto id = create("jobs", {"update"});
  const auto first = call(id, "every", every_spec("u", 60'000, Value::array({"a"})))["nextRunAt"];
  advance(10s);
  // Only args and history change: the pending run stays.
  auto same = call(id, "every", every_spec("u", 60'000, Value::array({"b"}), 3));
  EXPECT_EQ(same["nextRunAt"], first);
  EXPECT_EQ(same["args"], Value::array({"b"}));
  EXPECT_EQ(same["maxHistory"], 3);
  // A new interval starts over from now.
  const auto before = clock_->wall_ms();
  auto changed = call(id, "every", every_spec("u", 30'000, Value::array({"c"})));
  EXPECT_GE(changed["nextRunAt"].get<std::int64_t>(), before + 30'000);
  EXPECT_LT(changed["nextRunAt"].get<std::int64_t>(), first.get<std::int64_t>());
  EXPECT_EQ(call(id, "list").size(), 1);
  advance(31s);
  ASSERT_TRUE(eventually([&] { return tags(id) == Value::array({"c"}); }));
  // The old deadline brings nothing extra: one pending run per job.
  advance(25s);
  EXPECT_EQ(tags(id), Value::array({"c"}));
  // Switching the kind to a cron expression recomputes too.
  auto cron = call(id, "set",
                   Value::array({Value{{"name", "u"}, {"expression", "@daily"}, {"action", "tick"}}}));
  EXPECT_EQ(cron["kind"], "cron");
  EXPECT_EQ(cron["nextRunAt"].get<std::int64_t>() % 86'400'000, 0);
  EXPECT_EQ(call(id, "setTwice")["args"], Value::array({"b"}));
  EXPECT_EQ(call(id, "list").size(), 2);
}

TEST_F(CronTest, DeletingStopsTheJobAndDropsItsHistory) {
  auto id = create("jobs", {"delete"});
  call(id, "every", every_spec("d", 5'000, Value::array({"d"})));
  advance(6s);
  ASSERT_TRUE(eventually([&] { return tags(id).size() == 1; }));
  EXPECT_TRUE(eventually([&] { return call(id, "history", Value::array({"d", 10})).size() == 1; }));
  EXPECT_EQ(call(id, "del", Value::array({"d"})), true);
  EXPECT_EQ(call(id, "del", Value::array({"d"})), false);
  EXPECT_EQ(call(id, "get", Value::array({"d"})), nullptr);
  EXPECT_EQ(call(id, "list"), Value::array());
  advance(30s);
  EXPECT_EQ(tags(id).size(), 1);
  // The same name starts fresh.
  call(id, "every", every_spec("d", 5'000, Value::array({"e"})));
  EXPECT_EQ(call(id, "history", Value::array({"d", 10})), Value::array());
}

TEST_F(CronTest, HistoryIsNewestFirstAndBounded) {
  auto id = create("jobs", {"history"});
  call(id, "every", every_spec("h", 5'000, Value::array({"h"}), 2));
  for (int i = 1; i <= 4; ++i) {
    advance(5s);
    ASSERT_TRUE(eventually([&] { return tags(id).size() == static_cast<std::size_t>(i); }));
  }
  Value hist;
  ASSERT_TRUE(eventually([&] {
    hist = call(id, "history", Value::array({"h", 100}));
    return hist.size() == 2 && hist[0]["scheduledAt"] > hist[1]["scheduledAt"];
  }));
  EXPECT_EQ(call(id, "history", Value::array({"h", 1})).size(), 1);
  // Zero disables and clears.
  call(id, "every", every_spec("h", 5'000, Value::array({"h"}), 0));
  EXPECT_EQ(call(id, "history", Value::array({"h", 100})), Value::array());
  advance(5s);
  ASSERT_TRUE(eventually([&] { return tags(id).size() == 5; }));
  EXPECT_EQ(call(id, "history", Value::array({"h", 100})), Value::array());
}

TEST_F(CronTest, FailedRunsAreRetriedAndRecorded) {
  auto id = create("jobs", {"retry"});
  call(id, "failNext", Value::array({2}));
  call(id, "every", every_spec("r", 60'000, Value::array({"r"})));
  advance(60s);
  advance(1s);  // first retry after 1 s
  advance(2s);  // second after 2 s more
  ASSERT_TRUE(eventually([&] { return tags(id) == Value::array({"r"}); }));
  Value hist;
  ASSERT_TRUE(eventually([&] {
    hist = call(id, "history", Value::array({"r", 10}));
    return hist.size() == 3;
  }));
  EXPECT_EQ(hist[2]["result"], "error");
  EXPECT_EQ(hist[2]["error"]["group"], "user");
  EXPECT_EQ(hist[2]["error"]["message"], "flaky");
  EXPECT_EQ(hist[1]["attempt"], 1);
  EXPECT_EQ(hist[0]["result"], "ok");
  EXPECT_EQ(hist[0]["attempt"], 2);
  // All three served the same slot; the cadence goes on from it.
  EXPECT_EQ(hist[0]["scheduledAt"], hist[2]["scheduledAt"]);
  EXPECT_EQ(call(id, "get", Value::array({"r"}))["nextRunAt"],
            hist[0]["scheduledAt"].get<std::int64_t>() + 60'000);
}

TEST_F(CronTest, ARestartCatchesUpOnceThenKeepsTheCadence) {
  auto id = create("jobs", {"restart"});
  const auto first =
      call(id, "every", every_spec("k", 5'000, Value::array({"k"})))["nextRunAt"].get<std::int64_t>();
  close();
  clock_->advance(std::chrono::seconds(61));  // twelve slots pass while down
  open();
  ASSERT_TRUE(eventually([&] { return tags(id).size() == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(tags(id).size(), 1) << "missed runs are caught up once";
  const auto next = call(id, "get", Value::array({"k"}))["nextRunAt"].get<std::int64_t>();
  EXPECT_GT(next, clock_->wall_ms());
  EXPECT_EQ((next - first) % 5'000, 0) << "still on the grid";
  advance(5s);
  ASSERT_TRUE(eventually([&] { return tags(id).size() == 2; }));
}

TEST_F(CronTest, InvalidInputIsRejectedAndNothingIsStored) {
  auto id = create("jobs", {"invalid"});
  auto expect_error = [&](const std::string& action, Value args, const std::string& code) {
    auto r = try_call(id, action, std::move(args));
    ASSERT_TRUE(r.contains("error")) << action << " " << code;
    EXPECT_EQ(r["error"]["group"], "schedule") << code;
    EXPECT_EQ(r["error"]["code"], code);
    EXPECT_FALSE(r["error"]["message"].get<std::string>().empty());
  };
  auto cron = [](Value fields) {
    Value spec{{"name", "j"}, {"expression", "* * * * *"}, {"action", "tick"}};
    spec.update(fields);
    return Value::array({spec});
  };
  expect_error("set", cron(Value{{"expression", "61 * * * *"}}), "invalid_cron_expression");
  expect_error("set", cron(Value{{"expression", "0 0 30 2 *"}}), "invalid_cron_expression");
  expect_error("set", cron(Value{{"timezone", "Mars/Olympus"}}), "invalid_timezone");
  expect_error("set", cron(Value{{"name", ""}}), "invalid_name");
  expect_error("set", cron(Value{{"name", std::string(300, 'n')}}), "invalid_name");
  expect_error("set", cron(Value{{"action", "nope"}}), "unknown_action");
  expect_error("set", cron(Value{{"maxHistory", 1001}}), "invalid_max_history");
  expect_error("set", cron(Value{{"maxHistory", -1}}), "invalid_max_history");
  expect_error("every", every_spec("e", 4'999, Value::array()), "interval_too_short");
  expect_error("every", every_spec("e", 400LL * 86'400'000, Value::array()), "interval_too_long");
  EXPECT_EQ(call(id, "list"), Value::array());
  // The per-actor history budget.
  for (int i = 0; i < 10; ++i) {
    call(id, "every", every_spec("b" + std::to_string(i), 5'000, Value::array(), 1'000));
  }
  expect_error("every", every_spec("b10", 5'000, Value::array(), 1), "history_limit");
  EXPECT_EQ(call(id, "list").size(), 10);
}

TEST_F(CronTest, DestroyRemovesJobs) {
  auto id = create("jobs", {"destroy"});
  call(id, "every", every_spec("x", 5'000, Value::array({"x"})));
  call(id, "destroyNow");
  ASSERT_TRUE(eventually([&] {
    auto r = run(runtime_->call_action(id, nullptr, "state", Value::array()));
    return !r && r.error().is("actor", "not_found");
  }));
  advance(6s);
  auto again = create("jobs", {"destroy"});
  EXPECT_EQ(call(again, "list"), Value::array());
}

TEST_F(CronTest, OneShotSchedulesCanBeListedAndCancelled) {
  auto id = create("jobs", {"oneshot"});
  auto a = call(id, "after", Value::array({60'000, "a"})).get<std::string>();
  auto b = call(id, "after", Value::array({30'000, "b"})).get<std::string>();
  call(id, "every", every_spec("not-listed", 5'000, Value::array()));
  EXPECT_EQ(a.size(), 16);
  auto info = call(id, "scheduleGet", Value::array({a}));
  EXPECT_EQ(info["action"], "tick");
  EXPECT_EQ(info["args"], Value::array({"a"}));
  EXPECT_EQ(info["attempt"], 0);
  auto list = call(id, "scheduleList");
  ASSERT_EQ(list.size(), 2);
  EXPECT_EQ(list[0]["id"], b);  // earliest first
  EXPECT_EQ(call(id, "cancel", Value::array({b})), true);
  EXPECT_EQ(call(id, "cancel", Value::array({b})), false);
  EXPECT_EQ(call(id, "cancel", Value::array({"not-an-id"})), false);
  EXPECT_EQ(call(id, "scheduleGet", Value::array({b})), nullptr);
  call(id, "del", Value::array({"not-listed"}));
  advance(61s);
  ASSERT_TRUE(eventually([&] { return tags(id) == Value::array({"a"}); }));
  EXPECT_EQ(call(id, "scheduleList"), Value::array());
}

TEST_F(CronTest, ACancelledScheduleStaysCancelledAcrossRestart) {
  auto id = create("jobs", {"cancel-restart"});
  auto a = call(id, "after", Value::array({5'000, "a"})).get<std::string>();
  call(id, "after", Value::array({5'000, "b"}));
  EXPECT_EQ(call(id, "cancel", Value::array({a})), true);
  close();
  clock_->advance(10s);
  open();
  ASSERT_TRUE(eventually([&] { return tags(id) == Value::array({"b"}); }));
}

}  // namespace

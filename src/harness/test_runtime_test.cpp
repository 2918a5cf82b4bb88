// The test harness as an actor author uses it: actions, connections and their events, time that
// fires schedules and idle sleep, and a restart that keeps state.
#include <rivet/core/actor.hpp>
#include <rivet/harness/test_runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

namespace {

using namespace std::chrono_literals;
using rivet::Value;

struct Counter {
  std::int64_t count = 0;
  std::vector<std::string> reminders;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Counter, count, reminders)

rivet::Registry registry() {
  rivet::Registry r;
  rivet::ActorOptions options;
  options.sleep_timeout = 10s;
  r.use(rivet::actor<Counter>("counter")
            .options(options)
            .action("increment",
                    [](auto& c, std::int64_t n) {
                      c.state().count += n;
                      c.broadcast("newCount", c.state().count);
                      return c.state().count;
                    })
            .action("remind",
                    [](auto& c, std::string what) {
                      c.schedule().after(1min, "remember", what);
                    })
            .action("remember", [](auto& c, std::string what) { c.state().reminders.push_back(what); })
            .action("reminders", [](auto& c) { return c.state().reminders; })
            .action("fail", [](auto&) -> int { throw rivet::UserError("no", "nope"); }));
  return r;
}

TEST(TestRuntimeTest, CallsConnectsAndReceivesEvents) {
  auto reg = registry();
  rivet::testing::TestRuntime t(reg);
  auto id = t.create("counter", {"a"});
  EXPECT_EQ(t.call<std::int64_t>(id, "increment", 5), 5);

  auto conn = t.connect(id);
  conn->subscribe("newCount");
  EXPECT_EQ(conn->call<std::int64_t>("increment", 1), 6);
  ASSERT_EQ(conn->events().size(), 1U);
  EXPECT_EQ(conn->events()[0].name, "newCount");
  EXPECT_EQ(conn->events()[0].args, Value::array({6}));

  auto failed = t.try_call(id, "fail", Value::array());
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "nope");
  EXPECT_THROW(t.call(id, "fail"), rivet::ErrorException);
}

TEST(TestRuntimeTest, TimeFiresSchedulesAndIdleSleepAndStateSurvivesARestart) {
  auto reg = registry();
  rivet::testing::TestRuntime t(reg);
  auto id = t.create("counter", {"b"});
  t.call(id, "increment", 2);
  t.call(id, "remind", "water the plants");
  EXPECT_TRUE(t.call(id, "reminders").empty());

  t.advance(2min);  // the schedule runs, then the actor idles past its sleep timeout
  t.advance(20s);
  EXPECT_FALSE(t.is_awake(id));
  EXPECT_EQ(t.call(id, "reminders"), Value::array({"water the plants"}));

  t.restart();
  EXPECT_EQ(t.call<std::int64_t>(id, "increment", 0), 2);
  EXPECT_EQ(t.call(id, "reminders"), Value::array({"water the plants"}));
}

rivet::Registry notes_registry() {
  rivet::Registry r;
  r.use(rivet::actor<Counter>("notes")
            .database([](auto&, rivet::Database& db) {
              db.execute("CREATE TABLE IF NOT EXISTS notes (body TEXT NOT NULL)");
            })
            .action("add", [](auto& c, std::string body) {
              auto db = c.db();
              db.execute("INSERT INTO notes (body) VALUES (?)", body);
            })
            .action("count", [](auto& c) {
              return c.db().execute("SELECT COUNT(*) AS n FROM notes")[0]["n"];
            }));
  return r;
}

TEST(TestRuntimeTest, DatabaseActorsKeepTheirFilesAcrossARestartInADirectoryOfTheirOwn) {
  auto reg = notes_registry();
  std::filesystem::path dir;
  {
    rivet::testing::TestRuntime t(reg);
    rivet::testing::TestRuntime other(reg);
    dir = t.data_dir();
    EXPECT_NE(dir, std::filesystem::path(other.data_dir())) << "runtimes never share files";
    auto id = t.create("notes", {"a"});
    t.call(id, "add", "first");
    t.call(id, "add", "second");
    EXPECT_TRUE(std::filesystem::exists(dir / "actors" / (id + ".sqlite")));

    t.restart();
    EXPECT_EQ(t.call<std::int64_t>(id, "count"), 2);
    auto fresh = other.create("notes", {"a"});
    EXPECT_EQ(other.call<std::int64_t>(fresh, "count"), 0);
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << "removed with the runtime";
}

}  // namespace

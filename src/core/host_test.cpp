// The runtime behind its two seams: a host that keeps the alarms and watches actors start and
// stop, and the in-memory store in place of SQLite. The actor code is the same as everywhere.
#include <rivet/core/actor.hpp>
#include <rivet/core/host.hpp>

#include "core/test_runtime_fixture.hpp"
#include "testing/eventually.hpp"

#include <chrono>
#include <mutex>
#include <vector>

namespace {

using namespace std::chrono_literals;
using rivet::Value;

struct Notes {
  std::vector<std::string> tags;
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Notes, tags, count)

rivet::Registry notes_registry() {
  rivet::Registry r;
  r.use(rivet::actor<Notes>("notes")
            .action("add", [](auto& c, std::int64_t n) { return c.state().count += n; })
            .action("count", [](auto& c) { return c.state().count; })
            .action("tag", [](auto& c, std::string tag) { c.state().tags.push_back(tag); })
            .action("tags", [](auto& c) { return c.state().tags; })
            .action("later", [](auto& c, std::int64_t ms, std::string tag) {
              return c.schedule().after(std::chrono::milliseconds(ms), "tag", tag);
            }));
  return r;
}

/// What a host would do: remember alarms and lifecycle events instead of acting on its own.
struct RecordingHost final : rivet::AlarmScheduler, rivet::ActorObserver {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::int64_t>> alarms;
  std::vector<std::string> lifecycle;

  void set_alarm(const std::string& actor_id, std::int64_t due_ms) override {
    std::lock_guard lock(mutex);
    alarms.emplace_back(actor_id, due_ms);
  }
  void actor_started(const rivet::ActorIdentity& actor) override {
    std::lock_guard lock(mutex);
    lifecycle.push_back("started " + actor.name);
  }
  void actor_stopped(const rivet::ActorIdentity& actor, bool destroyed) override {
    std::lock_guard lock(mutex);
    lifecycle.push_back((destroyed ? "destroyed " : "stopped ") + actor.name);
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex);
    return lifecycle;
  }
  std::vector<std::pair<std::string, std::int64_t>> set() {
    std::lock_guard lock(mutex);
    return alarms;
  }
};

class HostSeamTest : public rivet::testing::RuntimeFixture {
 protected:
  HostSeamTest() {
    options_.alarms = host_;
    options_.observer = host_;
  }
  rivet::Registry make_registry() override { return notes_registry(); }

  std::shared_ptr<RecordingHost> host_ = std::make_shared<RecordingHost>();
};

TEST_F(HostSeamTest, AlarmsGoToTheHostAndRunWhenItSaysSo) {
  auto id = create("notes", {"alarm"});
  const auto before = clock_->wall_ms();
  call(id, "later", Value::array({60'000, "a minute on"}));
  auto set = host_->set();
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].first, id);
  EXPECT_GE(set[0].second, before + 60'000);
  // The runtime has no timer of its own for it: nothing runs until the host calls back.
  ASSERT_TRUE(run(runtime_->run_alarm(id)));
  EXPECT_EQ(call(id, "tags"), Value::array());  // not due yet
  clock_->advance(61s);
  // The advance also puts the idle actor to sleep. An alarm that meets the actor while it stops
  // is handed back to the host for a little later (set_alarm), and a pass already under way
  // runs it after run_alarm returned; the test host does what an engine does and calls again.
  EXPECT_TRUE(rivet::testing::eventually(
      [&] {
        EXPECT_TRUE(run(runtime_->run_alarm(id)));
        return call(id, "tags") == Value({"a minute on"});
      },
      10s, 50ms));
  EXPECT_TRUE(run(runtime_->run_alarm("no-such-actor")).has_error());
}

TEST_F(HostSeamTest, TheHostSeesActorsStartAndStopAndCanPutThemToSleep) {
  auto id = create("notes", {"life"});
  call(id, "add", Value::array({2}));
  EXPECT_EQ(host_->events(), (std::vector<std::string>{"started notes"}));
  ASSERT_TRUE(run(runtime_->sleep(id)));
  EXPECT_EQ(host_->events(), (std::vector<std::string>{"started notes", "stopped notes"}));
  ASSERT_TRUE(run(runtime_->sleep(id)));  // not awake: nothing to do
  EXPECT_EQ(call(id, "count"), 2);       // woken again with its state
  ASSERT_TRUE(run(runtime_->destroy(id)));
  EXPECT_EQ(host_->events(), (std::vector<std::string>{"started notes", "stopped notes",
                                                       "started notes", "destroyed notes"}));
}

class MemoryStoreTest : public rivet::testing::RuntimeFixture {
 protected:
  MemoryStoreTest() { memory_store_ = true; }
  rivet::Registry make_registry() override { return notes_registry(); }
};

TEST_F(MemoryStoreTest, ActorsRunOnTheInMemoryStoreAndKeepStateAcrossARestart) {
  auto id = create("notes", {"mem"});
  EXPECT_EQ(call(id, "add", Value::array({5})), 5);
  ASSERT_TRUE(run(runtime_->sleep(id)));
  EXPECT_EQ(call(id, "add", Value::array({1})), 6);
  close();
  open();
  EXPECT_EQ(call(id, "count"), 6);
}

}  // namespace

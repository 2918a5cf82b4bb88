// Runtime::inspect on a ManualClock: the state it shows and replaces, the events and spans an
// actor's work leaves behind (and keeps across a sleep), and the attempts of a failing workflow
// step.
#include <rivet/core/actor.hpp>
#include <rivet/core/workflow.hpp>

#include "core/test_runtime_fixture.hpp"
#include "testing/eventually.hpp"

#include <atomic>
#include <chrono>

namespace {

using namespace std::chrono_literals;
using rivet::Value;
namespace inspect = rivet::inspect;

struct Tally {
  std::int64_t count = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Tally, count)

struct Flow {
  std::int64_t done = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Flow, done)

std::atomic<int> g_flaky_failures{0};

rivet::Registry inspect_registry() {
  rivet::Registry r;
  r.use(rivet::actor<Tally>("tally")
            .action("add",
                    [](auto& c, std::int64_t n) {
                      c.state().count += n;
                      c.broadcast("added", c.state().count);
                      return c.state().count;
                    })
            .action("fail", [](auto&) -> std::int64_t { throw rivet::UserError("no", "nope"); }));
  r.use(rivet::actor<Flow>("flow").workflow([](auto& c, rivet::Workflow& w) -> rivet::Task<void> {
    co_await w.step("flaky", [&] {
      if (g_flaky_failures.fetch_sub(1) > 0) {
        throw rivet::UserError("not yet", "flaky");
      }
      c.state().done += 1;
    });
  }));
  return r;
}

class InspectTest : public rivet::testing::RuntimeFixture {
 protected:
  rivet::Registry make_registry() override { return inspect_registry(); }

  Value inspect_ok(const std::string& id, inspect::Query q) {
    auto r = run(runtime_->inspect(id, std::move(q)));
    EXPECT_TRUE(r) << (r ? "" : r.error().qualified() + " " + r.error().message);
    return r ? *r : Value();
  }
  static std::vector<std::string> span_names(const Value& traces) {
    std::vector<std::string> names;
    for (const auto& s : traces["otlp"][0]["scopeSpans"][0]["spans"]) {
      names.push_back(s["name"].get<std::string>());
    }
    return names;
  }
};

TEST_F(InspectTest, ShowsStateEventsAndSpansAndReplacesState) {
  auto id = create("tally", {"a"});
  call(id, "add", Value::array({2}));
  EXPECT_FALSE(run(runtime_->call_action(id, nullptr, "fail", Value::array())));

  EXPECT_EQ(inspect_ok(id, inspect::State{}), (Value{{"state", {{"count", 2}}}, {"isStateEnabled", true}}));
  auto events = inspect_ok(id, inspect::Events{10})["events"];
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["name"], "added");
  EXPECT_EQ(events[0]["args"], Value::array({2}));

  auto traces = inspect_ok(id, inspect::Traces{});
  auto names = span_names(traces);
  // The default-constructed state runs no user code: no span for it.
  EXPECT_EQ(std::find(names.begin(), names.end(), "createState"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "add"), names.end()) << traces.dump();
  const auto& spans = traces["otlp"][0]["scopeSpans"][0]["spans"];
  const auto failed = std::find_if(spans.begin(), spans.end(),
                                   [](const Value& s) { return s["name"] == "fail"; });
  ASSERT_NE(failed, spans.end());
  EXPECT_EQ((*failed)["status"]["code"], 2);

  EXPECT_EQ(inspect_ok(id, inspect::PatchState{Value{{"count", 40}}}), (Value{{"ok", true}}));
  EXPECT_EQ(call(id, "add", Value::array({2})), 42);
  auto bad = run(runtime_->inspect(id, inspect::PatchState{Value{{"count", "x"}}}));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(rivet::codes::kActorInvalidRequest));
  EXPECT_EQ(call(id, "add", Value::array({0})), 42);
}

TEST_F(InspectTest, WakesASleepingActorAndKeepsItsSpansAcrossTheSleep) {
  auto id = create("tally", {"sleepy"});
  call(id, "add", Value::array({1}));
  ASSERT_TRUE(run(runtime_->sleep(id)));
  EXPECT_FALSE(runtime_->is_awake(id));
  auto state = inspect_ok(id, inspect::State{});
  EXPECT_EQ(state["state"]["count"], 1);
  EXPECT_TRUE(runtime_->is_awake(id));
  auto names = span_names(inspect_ok(id, inspect::Traces{}));
  EXPECT_EQ(std::count(names.begin(), names.end(), "add"), 1) << "the span from before the sleep";
  // The inspection reset the idle timer; past it, the actor sleeps again by itself.
  clock_->advance(std::chrono::minutes(2));
  EXPECT_TRUE(rivet::testing::eventually([&] { return !runtime_->is_awake(id); }));
}

TEST_F(InspectTest, AFailingWorkflowStepShowsItsAttempts) {
  g_flaky_failures = 2;
  auto id = create("flow", {"w"});
  run(runtime_->ensure_ready(id));
  auto retrying = [&] {
    auto h = inspect_ok(id, inspect::WorkflowHistory{});
    for (const auto& e : h["history"]["entries"]) {
      if (e["location"] == "flaky" && e["status"] == "retrying") {
        return e["attempts"].get<int>();
      }
    }
    return 0;
  };
  EXPECT_TRUE(rivet::testing::eventually([&] { return retrying() >= 1; }));
  // The run handler restarts with backoff: each advance lets one more attempt run.
  EXPECT_TRUE(rivet::testing::eventually([&] {
    clock_->advance(1s);
    auto h = inspect_ok(id, inspect::WorkflowHistory{});
    for (const auto& e : h["history"]["entries"]) {
      if (e["location"] == "flaky" && e["status"] == "completed") {
        EXPECT_EQ(e["attempts"], 3);
        return true;
      }
    }
    return false;
  }));
}

}  // namespace

// Workflow constructs (race, try blocks, rollback, version gates, readable history), each
// checked again after a restart: the runtime is dropped and rebuilt from the same store.

#include <rivet/core/workflow_history.hpp>

#include "core/test_runtime_fixture.hpp"

#include <chrono>
#include <functional>
#include <thread>

namespace {

using namespace std::chrono_literals;
using rivet::LoopControl;
using rivet::RaceBranch;
using rivet::Task;
using rivet::Value;
using rivet::Workflow;

struct Lab {
  std::map<std::string, std::int64_t> runs;
  std::vector<std::string> log;
  Value last;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Lab, runs, log, last)

using Ctx = rivet::ActionContext<Lab>;

/// The "deployed code" version, switched between restarts by the version-gate tests.
int g_code = 1;

std::vector<std::string> names(const char* name) {
  return std::vector<std::string>(1, name);
}

Value error_value(const rivet::Error& e) {
  Value v = Value::object();
  v["group"] = e.group;
  v["code"] = e.code;
  v["message"] = e.message;
  return v;
}

// -- race --------------------------------------------------------------------------------------

std::vector<RaceBranch> fast_slow(Ctx& c) {
  std::vector<RaceBranch> out;
  out.push_back(RaceBranch{"fast", [&c](Workflow& b) -> Task<Value> {
                             co_await b.step("fast-step", [&] { c.state().runs["fast"] += 1; });
                             co_await b.sleep("nap", 100ms);
                             co_return Value("fast-value");
                           }});
  out.push_back(RaceBranch{"slow", [&c](Workflow& b) -> Task<Value> {
                             co_await b.sleep("long", 10s);
                             co_await b.step("slow-step", [&] { c.state().runs["slow"] += 1; });
                             co_return Value("slow-value");
                           }});
  return out;
}

Task<void> racer(Ctx& c, Workflow& w) {
  co_await w.step("start", [&] { c.state().runs["start"] += 1; });
  auto won = co_await w.race("r", fast_slow(c));
  co_await w.step("won",
                  [&] { c.state().log.push_back(won.name + "=" + won.value.get<std::string>()); });
  co_await w.next_message("hold", names("never"));
}

std::vector<RaceBranch> message_or_timeout() {
  std::vector<RaceBranch> out;
  out.push_back(RaceBranch{"msg", [](Workflow& b) -> Task<Value> {
                             auto m = co_await b.next_message("m", names("jobs"));
                             co_return m.body;
                           }});
  out.push_back(RaceBranch{"timeout", [](Workflow& b) -> Task<Value> {
                             co_await b.sleep("t", 150ms);
                             co_return Value(nullptr);
                           }});
  return out;
}

Task<LoopControl> inbox_round(Ctx& c, Workflow& it) {
  auto won = co_await it.race("wait", message_or_timeout());
  co_await it.step("note", [&] {
    if (won.name == "msg") {
      c.state().log.push_back(won.value.dump());
    } else {
      c.state().runs["timeouts"] += 1;
    }
  });
  co_return LoopControl::Continue;
}

// -- try ---------------------------------------------------------------------------------------

Task<void> tryer(Ctx& c, Workflow& w) {
  auto failed = co_await w.try_block("t1", [&c](Workflow& b) -> Task<int> {
    co_await b.step("ok1", [&] { c.state().runs["ok1"] += 1; });
    co_await b.step("boom", [&] {
      c.state().runs["boom"] += 1;
      throw rivet::UserError("nope", "bad_thing");
    });
    co_return 1;
  });
  auto fine = co_await w.try_block("t2", [&c](Workflow& b) -> Task<int> {
    co_await b.sleep("breath", 20ms);
    co_return co_await b.step("forty-two", [&] {
      c.state().runs["ok2"] += 1;
      return 42;
    });
  });
  co_await w.step("result", [&] {
    c.state().last = Value::object();
    c.state().last["t1"] = failed ? Value(*failed) : error_value(failed.error());
    c.state().last["t2"] = fine ? Value(*fine) : error_value(fine.error());
  });
  co_await w.next_message("hold", names("never"));
}

// -- rollback ----------------------------------------------------------------------------------

Task<void> saga_body(Ctx& c, Workflow& b) {
  co_await b.rollback_checkpoint("cp");
  co_await b.step(
      "reserve",
      [&] {
        c.state().runs["reserve"] += 1;
        return 7;
      },
      [&c](const int& out) { c.state().log.push_back("undo-reserve:" + std::to_string(out)); });
  co_await b.step(
      "charge", [&] { c.state().runs["charge"] += 1; },
      [&c]() -> Task<void> {
        // A failing first attempt when asked: the try fails, the handler replays, and the
        // compensation runs again (the one already recorded does not).
        c.state().runs["undo-charge-attempts"] += 1;
        if (c.state().runs["flaky"] > 0 && c.state().runs["undo-charge-attempts"] == 1) {
          throw rivet::UserError("charge refund failed", "refund_failed");
        }
        c.state().log.push_back("undo-charge");
        co_return;
      });
  co_await b.step("ship", [&] {
    c.state().runs["ship"] += 1;
    throw rivet::UserError("no truck", "no_truck");
  });
}

Task<void> saga(Ctx& c, Workflow& w) {
  co_await w.step("start", [&] { c.state().runs["start"] += 1; });
  auto r = co_await w.try_block("order", [&c](Workflow& b) { return saga_body(c, b); });
  co_await w.step("result", [&] { c.state().last = r ? Value("ok") : error_value(r.error()); });
  co_await w.next_message("hold", names("never"));
}

Task<void> saga_catch_rollback(Ctx& c, Workflow& w) {
  c.state().runs["flaky"] = 1;
  rivet::TryOptions opts;
  opts.catch_rollback = true;
  auto r = co_await w.try_block(
      "order", [&c](Workflow& b) { return saga_body(c, b); }, opts);
  co_await w.step("result", [&] { c.state().last = r ? Value("ok") : error_value(r.error()); });
  co_await w.next_message("hold", names("never"));
}

Task<void> top_saga(Ctx& c, Workflow& w) {
  co_await w.rollback_checkpoint("cp");
  co_await w.step(
      "a", [&] { c.state().runs["a"] += 1; }, [&c] { c.state().log.push_back("undo-a"); });
  co_await w.step("b", [&] {
    c.state().runs["b"] += 1;
    throw rivet::UserError("b failed", "b_failed");
  });
}

Task<void> no_checkpoint(Ctx& c, Workflow& w) {
  try {
    co_await w.step(
        "a", [&] { c.state().runs["a"] += 1; }, [] {});
  } catch (const rivet::ErrorException& e) {
    c.state().last = error_value(e.error());
  }
  co_await w.step("persist", [] {});
  co_await w.next_message("hold", names("never"));
}

// -- version gates -----------------------------------------------------------------------------

Task<LoopControl> versioned_round(Ctx& c, Workflow& it) {
  int v = 0;
  if (g_code == 2) {
    v = co_await it.get_version("fmt", 2);
  } else if (g_code == 3) {
    co_await it.removed("fmt", "version_check");
    v = 3;
  }
  auto m = co_await it.next_message("m", names("jobs"));
  co_await it.step("got", [] {});
  co_await it.next_message("ack", names("acks"));
  co_await it.step("done", [&] {
    c.state().log.push_back(m.body.get<std::string>() + ":v" + std::to_string(v));
  });
  co_return LoopControl::Continue;
}

Task<void> versioned(Ctx& c, Workflow& w) {
  co_await w.step("first", [&] { c.state().runs["first"] += 1; });
  if (g_code >= 2) {
    const int v = co_await w.get_version("top-gate", 4);
    co_await w.step("gate-seen", [&] { c.state().runs["top-gate"] = v; });
  }
  co_await w.step("second", [&] { c.state().runs["second"] += 1; });
  co_await w.loop("rounds", [&c](Workflow& it) { return versioned_round(c, it); });
}

Task<void> diverging(Ctx& c, Workflow& w) {
  try {
    if (g_code == 1) {
      co_await w.step("thing", [] {});
    } else {
      co_await w.sleep("thing", 1ms);  // same name, another kind: the history no longer fits
    }
    co_await w.get_version("bad", 0);
  } catch (const rivet::ErrorException& e) {
    c.state().log.push_back(e.error().qualified());
  }
  co_await w.step("persist", [] {});
  co_await w.next_message("hold", names("never"));
}

rivet::ActorBuilder<Lab> lab(const char* name) {
  rivet::ActorOptions o;
  o.sleep_timeout = 2s;
  return rivet::actor<Lab>(name)
      .options(o)
      .queues({"jobs", "acks", "never"})
      .action("get", [](auto& c) { return c.state(); });
}

class WorkflowTest : public rivet::testing::RuntimeFixture {
 protected:
  rivet::Registry make_registry() override {
    rivet::Registry r;
    r.use(lab("racer").workflow([](auto& c, Workflow& w) { return racer(c, w); }));
    r.use(lab("inbox").workflow([](auto& c, Workflow& w) {
      return w.loop("rounds", [&c](Workflow& it) { return inbox_round(c, it); });
    }));
    r.use(lab("tryer").workflow([](auto& c, Workflow& w) { return tryer(c, w); }));
    r.use(lab("saga").workflow([](auto& c, Workflow& w) { return saga(c, w); }));
    r.use(
        lab("flakySaga").workflow([](auto& c, Workflow& w) { return saga_catch_rollback(c, w); }));
    r.use(lab("retrySaga").workflow([](auto& c, Workflow& w) -> Task<void> {
      co_await w.step("flaky", [&] { c.state().runs["flaky"] = 1; });
      co_await saga(c, w);
    }));
    r.use(lab("topSaga").workflow([](auto& c, Workflow& w) { return top_saga(c, w); }));
    r.use(lab("noCheckpoint").workflow([](auto& c, Workflow& w) { return no_checkpoint(c, w); }));
    r.use(lab("versioned").workflow([](auto& c, Workflow& w) { return versioned(c, w); }));
    r.use(lab("diverging").workflow([](auto& c, Workflow& w) { return diverging(c, w); }));
    r.use(lab("plain"));
    return r;
  }

  void TearDown() override {
    g_code = 1;
    RuntimeFixture::TearDown();
  }

  Lab state(const std::string& id) { return rivet::from_value<Lab>(call(id, "get")); }

  Lab wait_for(const std::string& id, const std::function<bool(Lab&)>& done,
               std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto s = state(id);
      if (done(s) || std::chrono::steady_clock::now() > deadline) {
        return s;
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  void send(const std::string& id, const std::string& queue, Value body) {
    auto r = run(runtime_->send_queue(id, nullptr, queue, std::move(body), false, std::nullopt));
    ASSERT_TRUE(r) << r.error().message;
  }

  void restart() {
    close();
    open();
  }

  rivet::WorkflowHistory history(const std::string& id, const std::string& name) {
    auto h = rivet::read_workflow_history(*store_, registry_, id, name, clock_->wall_ms());
    EXPECT_TRUE(h);
    return h ? *h : rivet::WorkflowHistory{};
  }

  static const rivet::WorkflowHistoryEntry* find(const rivet::WorkflowHistory& h,
                                                 const std::string& location) {
    for (const auto& e : h.entries) {
      if (e.location == location) {
        return &e;
      }
    }
    return nullptr;
  }
};

TEST_F(WorkflowTest, RaceFirstToFinishWinsAndReplaysWithoutRunning) {
  const auto started = std::chrono::steady_clock::now();
  auto id = create("racer", {"r"});
  auto s = wait_for(id, [](const Lab& l) { return !l.log.empty(); });
  ASSERT_EQ(s.log, std::vector<std::string>{"fast=fast-value"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // the slow branch was cancelled
  EXPECT_EQ(s.runs["fast"], 1);
  EXPECT_EQ(s.runs["slow"], 0);

  restart();
  std::this_thread::sleep_for(200ms);
  s = state(id);
  EXPECT_EQ(s.runs["start"], 1);
  EXPECT_EQ(s.runs["fast"], 1);
  EXPECT_EQ(s.runs["slow"], 0);
  EXPECT_EQ(s.log, std::vector<std::string>{"fast=fast-value"});

  auto h = history(id, "racer");
  const auto* race = find(h, "r");
  ASSERT_NE(race, nullptr);
  EXPECT_EQ(race->kind, "race");
  EXPECT_EQ(race->raw["branch"], "fast");
  EXPECT_EQ(*race->result, "fast-value");
}

TEST_F(WorkflowTest, RaceBetweenMessageAndTimeoutInALoop) {
  auto id = create("inbox", {"i"});
  auto s = wait_for(id, [](const Lab& l) { return l.runs.count("timeouts") > 0; });
  EXPECT_GE(s.runs["timeouts"], 1);
  Value body = Value::object();
  body["n"] = 5;
  send(id, "jobs", body);
  s = wait_for(id, [](const Lab& l) { return !l.log.empty(); });
  EXPECT_EQ(s.log, std::vector<std::string>{R"({"n":5})"});

  restart();
  body["n"] = 6;
  send(id, "jobs", body);
  s = wait_for(id, [](const Lab& l) { return l.log.size() >= 2; });
  EXPECT_EQ(s.log, (std::vector<std::string>{R"({"n":5})", R"({"n":6})"}));
}

TEST_F(WorkflowTest, TryBlockReturnsTerminalFailuresAsDataAndRecordsThem) {
  auto id = create("tryer", {"t"});
  auto s = wait_for(id, [](const Lab& l) { return !l.last.is_null(); });
  EXPECT_EQ(s.last["t1"]["group"], "user");
  EXPECT_EQ(s.last["t1"]["code"], "bad_thing");
  EXPECT_EQ(s.last["t1"]["message"], "nope");
  EXPECT_EQ(s.last["t2"], 42);

  restart();
  std::this_thread::sleep_for(200ms);
  s = state(id);
  EXPECT_EQ(s.runs["ok1"], 1);
  EXPECT_EQ(s.runs["boom"], 1);  // the recorded failure is not retried
  EXPECT_EQ(s.runs["ok2"], 1);
  auto h = history(id, "tryer");
  ASSERT_NE(find(h, "t1"), nullptr);
  EXPECT_EQ(find(h, "t1")->status, "failed");
  EXPECT_EQ(find(h, "t1")->error->code, "bad_thing");
  EXPECT_EQ(find(h, "t2")->status, "completed");
}

TEST_F(WorkflowTest, RollbackRunsCompensationsInReverseOnceEach) {
  auto id = create("saga", {"s"});
  auto s = wait_for(id, [](const Lab& l) { return !l.last.is_null(); });
  EXPECT_EQ(s.last["code"], "no_truck");
  EXPECT_EQ(s.log, (std::vector<std::string>{"undo-charge", "undo-reserve:7"}));

  restart();
  std::this_thread::sleep_for(200ms);
  s = state(id);
  EXPECT_EQ(s.log, (std::vector<std::string>{"undo-charge", "undo-reserve:7"}));
  EXPECT_EQ(s.runs["reserve"], 1);
  EXPECT_EQ(s.runs["charge"], 1);
  EXPECT_EQ(s.runs["ship"], 1);
  auto h = history(id, "saga");
  EXPECT_EQ(find(h, "order/reserve")->status, "rolled_back");
  EXPECT_EQ(find(h, "order/charge")->status, "rolled_back");
  EXPECT_TRUE(find(h, "order")->raw.value("rolledBack", false));
}

TEST_F(WorkflowTest, FailedRollbackIsRetriedByReplayWithoutRepeatingDoneCompensations) {
  auto id = create("retrySaga", {"s"});
  auto s = wait_for(id, [](const Lab& l) { return !l.last.is_null(); });
  // Attempt 1: undo-charge fails (a rollback error, not caught), the handler restarts, the
  // failing step fails again and the compensations resume.
  EXPECT_EQ(s.last["code"], "no_truck");
  EXPECT_EQ(s.runs["undo-charge-attempts"], 2);
  EXPECT_EQ(s.log, (std::vector<std::string>{"undo-charge", "undo-reserve:7"}));
  EXPECT_EQ(s.runs["ship"], 2);
}

TEST_F(WorkflowTest, TryCanCatchRollbackFailures) {
  auto id = create("flakySaga", {"s"});
  auto s = wait_for(id, [](const Lab& l) { return !l.last.is_null(); });
  EXPECT_EQ(s.last["group"], "workflow");
  EXPECT_EQ(s.last["code"], "rollback_failed");
  // Compensation stops at the failing one: reserve is not undone.
  EXPECT_TRUE(s.log.empty());
}

TEST_F(WorkflowTest, TopLevelFailureAfterCheckpointRollsBackAndEndsTheWorkflow) {
  auto id = create("topSaga", {"s"});
  auto s = wait_for(id, [](const Lab& l) { return !l.log.empty(); });
  EXPECT_EQ(s.log, std::vector<std::string>{"undo-a"});
  std::this_thread::sleep_for(600ms);  // a restart would come after 250 ms
  s = state(id);
  EXPECT_EQ(s.runs["b"], 1);
  restart();
  std::this_thread::sleep_for(200ms);
  s = state(id);
  EXPECT_EQ(s.runs["a"], 1);
  EXPECT_EQ(s.runs["b"], 1);
  EXPECT_EQ(s.log, std::vector<std::string>{"undo-a"});
  auto h = history(id, "topSaga");
  EXPECT_EQ(h.status, "failed");
  EXPECT_EQ(find(h, "")->error->code, "b_failed");
}

TEST_F(WorkflowTest, RollbackNeedsACheckpoint) {
  auto id = create("noCheckpoint", {"s"});
  auto s = wait_for(id, [](const Lab& l) { return !l.last.is_null(); });
  EXPECT_EQ(s.last["code"], "rollback_checkpoint_missing");
  EXPECT_EQ(s.runs["a"], 0);
}

TEST_F(WorkflowTest, VersionGatesPinOldInstancesAndNewIterations) {
  g_code = 1;
  auto old_id = create("versioned", {"old"});
  send(old_id, "jobs", "j1");
  wait_for(old_id, [](Lab& l) { return l.runs["second"] == 1; });
  std::this_thread::sleep_for(100ms);  // j1 received and "got" recorded; waiting for its ack

  g_code = 2;
  restart();
  auto fresh_id = create("versioned", {"fresh"});
  send(old_id, "acks", "a");
  send(old_id, "jobs", "j2");
  send(old_id, "acks", "a");
  auto s = wait_for(old_id, [](const Lab& l) { return l.log.size() >= 2; });
  // The top gate comes before "second", which the old instance had already recorded.
  EXPECT_EQ(s.runs["top-gate"], 1);
  // The iteration in flight stays on the old branch; the next one takes the latest.
  EXPECT_EQ(s.log, (std::vector<std::string>{"j1:v1", "j2:v2"}));

  send(fresh_id, "jobs", "f1");
  send(fresh_id, "acks", "a");
  s = wait_for(fresh_id, [](const Lab& l) { return !l.log.empty(); });
  EXPECT_EQ(s.runs["top-gate"], 4);
  EXPECT_EQ(s.log, std::vector<std::string>{"f1:v2"});

  // Replay returns the pinned versions.
  restart();
  send(fresh_id, "jobs", "f2");
  s = wait_for(fresh_id, [](Lab& l) { return l.runs["first"] == 1; });
  EXPECT_EQ(s.runs["top-gate"], 4);

  // Retiring the loop's gate: the recorded entry is accepted, nothing diverges.
  g_code = 3;
  restart();
  send(fresh_id, "acks", "a");
  s = wait_for(fresh_id, [](const Lab& l) { return l.log.size() >= 2; });
  EXPECT_EQ(s.log, (std::vector<std::string>{"f1:v2", "f2:v3"}));
}

TEST_F(WorkflowTest, HistoryDivergenceAndBadVersionsAreStructuredErrors) {
  g_code = 1;
  auto id = create("diverging", {"d"});
  auto s = wait_for(id, [](const Lab& l) { return !l.log.empty(); });
  EXPECT_EQ(s.log, std::vector<std::string>{"workflow.invalid_version"});
  g_code = 2;
  restart();
  s = wait_for(id, [](const Lab& l) { return l.log.size() >= 2; });
  ASSERT_EQ(s.log.size(), 2U);
  EXPECT_EQ(s.log[1], "workflow.history_diverged");
}

TEST_F(WorkflowTest, HistoryOfAnActorWithoutWorkflow) {
  auto id = create("plain", {"p"});
  call(id, "get");
  auto h = history(id, "plain");
  EXPECT_FALSE(h.enabled);
  EXPECT_TRUE(h.entries.empty());
  EXPECT_EQ(rivet::workflow_history_value(h)["isWorkflowEnabled"], false);
}

}  // namespace

// workflowLab: a command-driven workflow exercising race, try blocks, rollback and version gates
// (beyond the conformance fixtures; tests/wire/workflow-lab.test.mjs).
//
// Queue "commands" takes {kind, ...}; each command runs in one iteration of the loop "commands"
// and its sender (with wait) gets the result:
//   {kind: "race", timeoutMs}      race "race": next "answers" message vs a durable sleep
//                                  -> {winner, value}
//   {kind: "saga", fail, undoDelayMs, catchRollback}
//                                  try "saga": checkpoint, steps reserve/charge/notify with
//                                  compensations (undo-charge waits undoDelayMs first), then
//                                  "ship" fails when `fail` -> {ok} or {error: {group, code,
//                                  message}}
//   {kind: "gated"}                get_version("gate", 2) when the code version is 2, a step, a
//                                  wait for an "answers" message, a step -> {version}
// setCodeVersion(n) switches the process-wide "deployed code" (1: no gate, 2: the gate).

#include <rivet/core/actor.hpp>

#include "fixtures.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <map>

namespace rivet::fixtures {
namespace {

using std::chrono::milliseconds;

struct LabState {
  std::map<std::string, std::int64_t> runs;
  std::vector<std::string> log;
  std::vector<Value> results;
  std::int64_t wakeCount = 0;
  std::int64_t sleepCount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LabState, runs, log, results, wakeCount, sleepCount)

using LabCtx = ActionContext<LabState>;

std::atomic<int> g_code_version{1};

std::vector<std::string> one(const char* name) {
  return std::vector<std::string>(1, name);
}

std::int64_t int_field(const Value& body, const char* name) {
  if (body.is_object() && body.contains(name) && body[name].is_number()) {
    return static_cast<std::int64_t>(body[name].get<double>());
  }
  return 0;
}

bool bool_field(const Value& body, const char* name) {
  return body.is_object() && body.contains(name) && body[name].is_boolean() &&
         body[name].get<bool>();
}

Value error_value(const Error& e) {
  Value v = Value::object();
  v["group"] = e.group;
  v["code"] = e.code;
  v["message"] = e.message;
  return v;
}

std::vector<RaceBranch> answer_or_timeout(std::int64_t timeout_ms) {
  std::vector<RaceBranch> out;
  out.push_back(RaceBranch{"answer", [](Workflow& b) -> Task<Value> {
                             auto m = co_await b.next_message("answer", one("answers"));
                             co_return m.body;
                           }});
  out.push_back(RaceBranch{"timeout", [timeout_ms](Workflow& b) -> Task<Value> {
                             co_await b.sleep("timeout", milliseconds(timeout_ms));
                             co_return Value(nullptr);
                           }});
  return out;
}

Task<Value> lab_race(LabCtx& c, Workflow& it, const Value& body) {
  auto won = co_await it.race("race", answer_or_timeout(int_field(body, "timeoutMs")));
  co_await it.step("after-race", [&] { c.state().runs["afterRace"] += 1; });
  Value out = Value::object();
  out["winner"] = won.name;
  out["value"] = won.value;
  co_return out;
}

Task<void> pause_for(std::int64_t ms) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, milliseconds(ms));
  co_await timer.async_wait(boost::asio::use_awaitable);
}

Task<std::string> saga_body(LabCtx& c, Workflow& b, bool fail, std::int64_t undo_delay) {
  co_await b.rollback_checkpoint("checkpoint");
  co_await b.step(
      "reserve", [&] { c.state().runs["reserve"] += 1; },
      [&c] { c.state().log.push_back("undo-reserve"); });
  co_await b.step(
      "charge", [&] { c.state().runs["charge"] += 1; },
      [&c, undo_delay]() -> Task<void> {
        // The wait comes first, so nothing of this compensation is visible before it ends.
        co_await pause_for(undo_delay);
        c.state().log.push_back("undo-charge");
      });
  co_await b.step(
      "notify", [&] { c.state().runs["notify"] += 1; },
      [&c] { c.state().log.push_back("undo-notify"); });
  if (fail) {
    co_await b.step("ship", [&] {
      c.state().runs["ship"] += 1;
      throw UserError("no truck", "no_truck");
    });
  }
  co_return "shipped";
}

Task<Value> lab_saga(LabCtx& c, Workflow& it, const Value& body) {
  const bool fail = bool_field(body, "fail");
  const auto undo_delay = int_field(body, "undoDelayMs");
  TryOptions options;
  options.catch_rollback = bool_field(body, "catchRollback");
  auto r = co_await it.try_block(
      "saga", [&](Workflow& b) { return saga_body(c, b, fail, undo_delay); }, options);
  Value out = Value::object();
  if (r) {
    out["ok"] = *r;
  } else {
    out["error"] = error_value(r.error());
  }
  co_return out;
}

Task<Value> lab_gated(LabCtx& c, Workflow& it) {
  int version = 0;
  if (g_code_version.load() >= 2) {
    version = co_await it.get_version("gate", 2);
  }
  co_await it.step("before", [&] { c.state().runs["gatedBefore"] += 1; });
  co_await it.next_message("go", one("answers"));
  co_await it.step("after", [&] { c.state().runs["gatedAfter"] += 1; });
  Value out = Value::object();
  out["version"] = version;
  co_return out;
}

Task<LoopControl> lab_command(LabCtx& c, Workflow& it) {
  auto msg = co_await it.next_message("cmd", one("commands"));
  const auto kind = msg.body.is_object() ? msg.body.value("kind", std::string()) : std::string();
  Value result;
  if (kind == "race") {
    result = co_await lab_race(c, it, msg.body);
  } else if (kind == "saga") {
    result = co_await lab_saga(c, it, msg.body);
  } else if (kind == "gated") {
    result = co_await lab_gated(c, it);
  } else {
    result = Value::object();
    result["unknown"] = kind;
  }
  co_await it.step("note", [&] { c.state().results.push_back(result); });
  it.complete(msg, result);
  co_return LoopControl::Continue;
}

auto workflow_lab() {
  ActorOptions o;
  o.sleep_timeout = milliseconds(500);
  return actor<LabState>("workflowLab")
      .options(o)
      .queues({"commands", "answers"})
      .on_wake([](auto& c) { c.state().wakeCount += 1; })
      .on_sleep([](auto& c) { c.state().sleepCount += 1; })
      .workflow([](auto& c, Workflow& w) {
        return w.loop("commands", [&c](Workflow& it) { return lab_command(c, it); });
      })
      .action("getState", [](auto& c) { return c.state(); })
      .action("setCodeVersion",
              [](auto&, std::int64_t v) {
                g_code_version.store(static_cast<int>(v));
                return nullptr;
              })
      .action("sleepNow", [](auto& c) {
        c.sleep();
        return nullptr;
      });
}

}  // namespace

void add_workflow_lab(Registry& registry) {
  registry.use(workflow_lab());
}

}  // namespace rivet::fixtures

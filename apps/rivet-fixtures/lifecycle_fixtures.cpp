// Fixtures of sections 3.3, 3.5-3.8, 3.10, 3.12-3.14 and 4.1: the actor lifecycle, schedules,
// hooks, actor-to-actor calls and KV.

#include <rivet/core/actor.hpp>

#include "fixtures.hpp"

#include <random>
#include <string>

namespace rivet::fixtures {
namespace {

using std::chrono::milliseconds;

ActorOptions with_sleep(milliseconds timeout) {
  ActorOptions o;
  o.sleep_timeout = timeout;
  return o;
}

std::string join_key(const protocol::ActorKey& key) {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    out += (i ? "/" : "") + key[i];
  }
  return out;
}

// -- withVars (3.3) ---------------------------------------------------------------------------
struct WakesState {
  std::int64_t wakes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WakesState, wakes)

struct HitVars {
  std::string instanceId;
  std::int64_t hits = 0;
};

std::string random_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::to_string(gen());
}

auto with_vars() {
  return actor<WakesState>("withVars")
      .options(with_sleep(milliseconds(500)))
      .vars<HitVars>([](auto&) { return HitVars{random_id(), 0}; })
      .on_wake([](auto& c) { c.state().wakes += 1; })
      .action("hit", [](auto& c) { return ++c.vars().hits; })
      .action("getVars",
              [](auto& c) {
                return Value{{"instanceId", c.vars().instanceId}, {"hits", c.vars().hits}};
              })
      .action("getWakes", [](auto& c) { return c.state().wakes; })
      .action("sleepNow", [](auto& c) {
        c.sleep();
        return nullptr;
      });
}

// -- hookLog (3.5) ----------------------------------------------------------------------------
struct EntriesState {
  std::vector<std::string> entries;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EntriesState, entries)

auto hook_log() {
  return actor<EntriesState>("hookLog")
      .action("record",
              [](auto& c, std::string entry) {
                c.state().entries.push_back(std::move(entry));
                return c.state().entries.size();
              })
      .action("getEntries", [](auto& c) { return c.state().entries; });
}

// -- lifecycle (3.6) --------------------------------------------------------------------------
struct LifecycleState {
  std::vector<std::string> events;
  std::optional<std::string> observer;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LifecycleState, events, observer)

template <class Ctx>
Task<void> tell_observer(Ctx& c, std::string what) {
  if (!c.state().observer) {
    co_return;
  }
  co_await c.client()
      .get_or_create("hookLog", protocol::ActorKey(1, *c.state().observer))
      .call("record", join_key(c.key()) + ":" + what);
}

auto lifecycle() {
  return actor<LifecycleState>("lifecycle")
      .options(with_sleep(milliseconds(500)))
      .create_state([](const Value& input) {
        LifecycleState s{{"createState"}, std::nullopt};
        if (input.is_object()) {
          auto it = input.find("observer");
          if (it != input.end() && it->is_string()) {
            s.observer = it->template get<std::string>();
          }
        }
        return s;
      })
      .on_create([](auto& c) { c.state().events.push_back("onCreate"); })
      .on_wake([](auto& c) { c.state().events.push_back("onWake"); })
      .on_sleep([](auto& c) -> Task<void> {
        c.state().events.push_back("onSleep");
        co_await tell_observer(c, "onSleep");
      })
      .on_destroy([](auto& c) -> Task<void> {
        c.state().events.push_back("onDestroy");
        co_await tell_observer(c, "onDestroy");
      })
      .action("getEvents", [](auto& c) { return c.state().events; })
      .action("sleepNow",
              [](auto& c) {
                c.sleep();
                return nullptr;
              })
      .action("destroyNow", [](auto& c) {
        c.destroy();
        return nullptr;
      });
}

// -- sleeper (3.7) ----------------------------------------------------------------------------
struct SleeperState {
  std::int64_t count = 0;
  std::int64_t wakeCount = 0;
  std::int64_t sleepCount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SleeperState, count, wakeCount, sleepCount)

auto sleeper() {
  return actor<SleeperState>("sleeper")
      .options(with_sleep(milliseconds(500)))
      .on_wake([](auto& c) { c.state().wakeCount += 1; })
      .on_sleep([](auto& c) { c.state().sleepCount += 1; })
      .action("increment",
              [](auto& c, std::int64_t amount) {
                c.state().count += amount;
                return c.state().count;
              })
      .action("getCounts", [](auto& c) { return c.state(); })
      .action("hold",
              [](auto& c, std::int64_t ms) -> Task<SleeperState> {
                co_await c.delay(milliseconds(ms));
                co_return c.state();
              })
      .action("sleepNow", [](auto& c) {
        c.sleep();
        return nullptr;
      });
}

// -- scheduler (3.8) --------------------------------------------------------------------------
struct FiredEntry {
  std::string tag;
  std::int64_t at = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FiredEntry, tag, at)

struct SchedulerState {
  std::vector<FiredEntry> fired;
  std::int64_t wakeCount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SchedulerState, fired, wakeCount)

auto scheduler() {
  return actor<SchedulerState>("scheduler")
      .options(with_sleep(milliseconds(500)))
      .on_wake([](auto& c) { c.state().wakeCount += 1; })
      .action("scheduleAfter",
              [](auto& c, std::int64_t delay_ms, std::string tag) {
                c.schedule().after(milliseconds(delay_ms), "fire", tag);
                return true;
              })
      .action("scheduleAt",
              [](auto& c, std::int64_t timestamp_ms, std::string tag) {
                c.schedule().at(timestamp_ms, "fire", tag);
                return true;
              })
      .action("fire",
              [](auto& c, std::string tag) {
                c.state().fired.push_back(FiredEntry{tag, c.now_ms()});
                c.broadcast("fired", tag);
                return c.state().fired.size();
              })
      .action("getFired",
              [](auto& c) {
                std::vector<std::string> tags;
                for (const auto& f : c.state().fired) {
                  tags.push_back(f.tag);
                }
                return tags;
              })
      .action("getFiredDetailed", [](auto& c) { return c.state().fired; })
      .action("getWakeCount", [](auto& c) { return c.state().wakeCount; })
      .action("sleepNow", [](auto& c) {
        c.sleep();
        return nullptr;
      });
}

// -- slowpoke (3.10) --------------------------------------------------------------------------
struct Empty {};
inline void to_json(nlohmann::json& j, const Empty&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, Empty&) {}

auto slowpoke() {
  ActorOptions o;
  o.action_timeout = milliseconds(500);
  return actor<Empty>("slowpoke").options(o).action(
      "wait", [](auto& c, std::int64_t ms) -> Task<std::int64_t> {
        co_await c.delay(milliseconds(ms));
        co_return ms;
      });
}

// -- decorated (3.12) -------------------------------------------------------------------------
auto decorated() {
  return actor<Empty>("decorated")
      .on_before_action_response(
          [](auto&, const std::string& action, const Value& args, Value output) -> Value {
            if (action == "raw") {
              return output;
            }
            return Value{{"action", action}, {"args", unescape_list(args)}, {"result", output}};
          })
      .action("add", [](auto&, double a, double b) { return a + b; })
      .action("raw", [](auto&) { return std::string("untouched"); });
}

// -- watched (3.13) ---------------------------------------------------------------------------
struct ValueState {
  double value = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ValueState, value)

struct ChangeVars {
  std::int64_t changes = 0;
  Value lastSeen;
};

auto watched() {
  return actor<ValueState>("watched")
      .vars<ChangeVars>([](auto&) { return ChangeVars{}; })
      .on_state_change([](auto& c) {
        c.vars().changes += 1;
        c.vars().lastSeen = c.state().value;
        c.broadcast("valueChanged", c.state().value);
      })
      .action("setValue",
              [](auto& c, double value) {
                c.state().value = value;
                return value;
              })
      .action("getValue", [](auto& c) { return c.state().value; })
      .action("getChangeInfo", [](auto& c) {
        return Value{{"changes", c.vars().changes}, {"lastSeen", c.vars().lastSeen}};
      });
}

// Plain functions: GCC 12 rejects braced json literals inside coroutine bodies.
Value error_fields(const Error& e) {
  return Value{{"group", e.group}, {"code", e.code}, {"message", e.message}, {"metadata", e.metadata}};
}

Value key_value(const Bytes& k, const Bytes& v) {
  return Value{{"key", Kv::text(k)}, {"value", Kv::text(v)}};
}

protocol::ActorKey relay_key() { return {"relay"}; }

Task<Value> relay_error(ActorClient client) {
  std::optional<Error> caught;
  try {
    co_await client.get_or_create("errors", relay_key()).call("throwDetailed");
  } catch (const ErrorException& e) {
    caught = e.error();
  }
  if (!caught) {
    co_return nullptr;
  }
  co_return error_fields(*caught);
}

// -- caller (3.14) ----------------------------------------------------------------------------
struct CallsState {
  std::int64_t calls = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CallsState, calls)

auto caller() {
  return actor<CallsState>("caller")
      .action("incrementCounter",
              [](auto& c, protocol::ActorKey key, double amount) -> Task<Value> {
                c.state().calls += 1;
                co_return co_await c.client().get_or_create("counter", key).call("increment", amount);
              })
      .action("readCounter",
              [](auto& c, protocol::ActorKey key) -> Task<Value> {
                co_return co_await c.client().get_or_create("counter", key).call("getCount");
              })
      .action("submitJob",
              [](auto& c, protocol::ActorKey key, Value n) -> Task<Value> {
                // Named, not temporaries: GCC 12 mishandles temporaries inside co_await.
                Value body = Value::object();
                body["n"] = std::move(n);
                QueueSendOptions wait_for_it;
                wait_for_it.wait = true;
                wait_for_it.timeout = std::chrono::milliseconds(10'000);
                auto worker = c.client().get_or_create("worker", key);
                auto sent = co_await worker.send("jobs", body, wait_for_it);
                Value out{{"status", sent.status}};
                if (sent.response) {
                  out["response"] = std::move(*sent.response);
                }
                co_return out;
              })
      .action("relayError", [](auto& c) { return relay_error(c.client()); })
      .action("getCalls", [](auto& c) { return c.state().calls; });
}

// -- kvStore (4.1) ----------------------------------------------------------------------------
auto kv_store() {
  return actor<Empty>("kvStore")
      .options(with_sleep(milliseconds(500)))
      .action("put",
              [](auto& c, std::string key, std::string value) -> Task<Value> {
                co_await c.kv().put(Kv::bytes(key), Kv::bytes(value));
                co_return nullptr;
              })
      .action("get",
              [](auto& c, std::string key) -> Task<Value> {
                auto v = co_await c.kv().get(Kv::bytes(key));
                co_return v ? Value(Kv::text(*v)) : Value();
              })
      .action("delete",
              [](auto& c, std::string key) -> Task<Value> {
                co_await c.kv().del(Kv::bytes(key));
                co_return nullptr;
              })
      .action("list",
              [](auto& c, std::string prefix) -> Task<Value> {
                auto rows = co_await c.kv().list_prefix(Kv::bytes(prefix));
                Value out = Value::array();
                for (auto& [k, v] : rows) {
                  out.push_back(key_value(k, v));
                }
                co_return out;
              })
      .action("putBytes",
              [](auto& c, std::string key, std::vector<std::uint8_t> bytes) -> Task<Value> {
                co_await c.kv().put(Kv::bytes(key), std::move(bytes));
                co_return nullptr;
              })
      .action("getBytes",
              [](auto& c, std::string key) -> Task<Value> {
                auto v = co_await c.kv().get(Kv::bytes(key));
                co_return v ? to_value(std::vector<int>(v->begin(), v->end())) : Value();
              })
      .action("sleepNow", [](auto& c) {
        c.sleep();
        return nullptr;
      });
}

// -- cronJobs (ours, not a conformance fixture): cron.set / cron.every over the wire ---------------
struct CronJobsState {
  std::vector<FiredEntry> ticks;
  std::int64_t wakeCount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CronJobsState, ticks, wakeCount)

auto cron_jobs() {
  return actor<CronJobsState>("cronJobs")
      .options(with_sleep(milliseconds(500)))
      .on_wake([](auto& c) { c.state().wakeCount += 1; })
      .action("set", [](auto& c, CronSpec spec) { return c.cron().set(std::move(spec)); })
      .action("every", [](auto& c, EverySpec spec) { return c.cron().every(std::move(spec)); })
      .action("get", [](auto& c, std::string name) { return c.cron().get(name); })
      .action("list", [](auto& c) { return c.cron().list(); })
      .action("del", [](auto& c, std::string name) { return c.cron().del(name); })
      .action("history",
              [](auto& c, std::string name) { return c.cron().history(name); })
      .action("tick",
              [](auto& c, std::string tag) {
                c.state().ticks.push_back(FiredEntry{tag, c.now_ms()});
                return c.state().ticks.size();
              })
      .action("getTicks", [](auto& c) { return c.state().ticks; })
      .action("getWakeCount", [](auto& c) { return c.state().wakeCount; });
}

}  // namespace

void add_lifecycle_fixtures(Registry& registry) {
  registry.use(with_vars());
  registry.use(hook_log());
  registry.use(lifecycle());
  registry.use(sleeper());
  registry.use(scheduler());
  registry.use(slowpoke());
  registry.use(decorated());
  registry.use(watched());
  registry.use(caller());
  registry.use(kv_store());
  registry.use(cron_jobs());
}

}  // namespace rivet::fixtures

// The crash soak's actors (tests/soak, docs/soak.md; not conformance fixtures). Every operation
// carries an id unique to the soak run, and each actor records the ids it applied, so that the
// soak can compare what survived a SIGKILL with what the server acknowledged.

#include <rivet/core/actor.hpp>

#include "fixtures.hpp"

namespace rivet::fixtures {
namespace {

using std::chrono::milliseconds;

// Short enough that actors sleep and wake many times during a soak.
constexpr milliseconds kSoakSleepTimeout{1500};
constexpr milliseconds kSoakCronInterval{5000};  // the shortest `every` allows

std::int64_t id_field(const Value& body) {
  if (body.is_object()) {
    auto it = body.find("id");
    if (it != body.end() && it->is_number()) {
      return it->template get<std::int64_t>();
    }
  }
  return -1;
}

std::int64_t int_field(const Value& body, const char* field) {
  if (body.is_object()) {
    auto it = body.find(field);
    if (it != body.end() && it->is_number()) {
      return it->template get<std::int64_t>();
    }
  }
  return 0;
}

ActorOptions soak_options() {
  ActorOptions o;
  o.sleep_timeout = kSoakSleepTimeout;
  return o;
}

// -- soak: action writes, KV, SQLite, a queue run loop, alarms and cron -------------------------
struct SoakState {
  std::vector<std::int64_t> writes;  // ids of `write` calls, in commit order
  std::vector<std::int64_t> jobs;    // ids of queue messages the run loop processed
  std::vector<std::int64_t> alarms;  // ids of alarms that fired
  std::vector<std::int64_t> ticks;   // cron ticks, ms since the epoch
  std::int64_t wakes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SoakState, writes, jobs, alarms, ticks, wakes)

using SoakCtx = ActionContext<SoakState>;

Task<void> soak_loop(SoakCtx& c) {
  for (;;) {
    auto msg = co_await c.queue().next();
    if (!msg) {
      continue;
    }
    const auto id = id_field(msg->body());
    c.state().jobs.push_back(id);
    co_await msg->complete(Value(id));
  }
}

Task<Value> kv_ids(SoakCtx& c) {
  auto rows = co_await c.kv().list_prefix(Kv::bytes("op/"));
  Value out = Value::array();
  for (auto& [key, value] : rows) {
    out.push_back(std::stoll(Kv::text(value)));
  }
  co_return out;
}

Task<Value> soak_report(SoakCtx& c) {
  Value out = to_value(c.state());
  out["kv"] = co_await kv_ids(c);
  Value sql = Value::array();
  for (const auto& row : c.db().execute("SELECT id FROM ops ORDER BY rowid")) {
    sql.push_back(row["id"]);
  }
  out["sql"] = std::move(sql);
  co_return out;
}

auto soak() {
  return actor<SoakState>("soak")
      .options(soak_options())
      .queues({"jobs"})
      .database([](auto&, Database& db) {
        // No unique constraint: a row inserted twice must show up as a duplicate, not an error.
        db.migrate({[](Database& d) { d.execute("CREATE TABLE ops (id INTEGER NOT NULL)"); }});
      })
      .on_wake([](auto& c) { c.state().wakes += 1; })
      .run([](auto& c) { return soak_loop(c); })
      .action("write",
              [](auto& c, std::int64_t id) {
                c.state().writes.push_back(id);
                c.broadcast("wrote", id);
                return c.state().writes.size();
              })
      .action("kvPut",
              [](auto& c, std::int64_t id) -> Task<Value> {
                co_await c.kv().put(Kv::bytes("op/" + std::to_string(id)),
                                    Kv::bytes(std::to_string(id)));
                co_return Value(id);
              })
      .action("sqlInsert",
              [](auto& c, std::int64_t id) {
                c.db().execute("INSERT INTO ops (id) VALUES (?)", id);
                return id;
              })
      .action("scheduleAlarm",
              [](auto& c, std::int64_t id, std::int64_t delay_ms) {
                c.schedule().after(milliseconds(delay_ms), "alarm", id);
                return id;
              })
      .action("alarm",
              [](auto& c, std::int64_t id) {
                c.state().alarms.push_back(id);
                return id;
              })
      .action("startCron",
              [](auto& c) {
                EverySpec spec;
                spec.name = "tick";
                spec.interval = kSoakCronInterval;
                spec.action = "tick";
                spec.max_history = 0;
                c.cron().every(std::move(spec));
                return true;
              })
      .action("tick",
              [](auto& c) {
                c.state().ticks.push_back(c.now_ms());
                return c.state().ticks.size();
              })
      .action("report", [](auto& c) { return soak_report(c); });
}

// -- soakFlow: a workflow loop over a queue, with two steps and a durable sleep -----------------
struct SoakFlowState {
  std::vector<std::int64_t> recorded;  // ids whose "record" step ran
  std::vector<std::int64_t> finished;  // ids whose "finish" step ran
  std::int64_t wakes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SoakFlowState, recorded, finished, wakes)

using SoakFlowCtx = ActionContext<SoakFlowState>;

Task<LoopControl> soak_order(SoakFlowCtx& c, Workflow& w) {
  auto msg = co_await w.next_message("wait-order", std::vector<std::string>(1, "orders"));
  const auto id = id_field(msg.body);
  const auto pause = int_field(msg.body, "pauseMs");
  co_await w.step("record", [&] { c.state().recorded.push_back(id); });
  if (pause > 0) {
    co_await w.sleep("pause", milliseconds(pause));
  }
  co_await w.step("finish", [&] { c.state().finished.push_back(id); });
  w.complete(msg, Value(id));
  co_return LoopControl::Continue;
}

auto soak_flow() {
  return actor<SoakFlowState>("soakFlow")
      .options(soak_options())
      .queues({"orders"})
      .on_wake([](auto& c) { c.state().wakes += 1; })
      .workflow([](auto& c, Workflow& w) {
        return w.loop("orders", [&c](Workflow& it) { return soak_order(c, it); });
      })
      .action("report", [](auto& c) { return c.state(); });
}

}  // namespace

void add_soak_fixtures(Registry& registry) {
  registry.use(soak());
  registry.use(soak_flow());
}

}  // namespace rivet::fixtures

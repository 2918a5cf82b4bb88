// Fixtures of sections 5.1 and 5.2 (and later 4.2, 5.3): queues, run loops, SQL, workflows.

#include <rivet/core/actor.hpp>

#include "fixtures.hpp"

namespace rivet::fixtures {
namespace {

using std::chrono::milliseconds;

// -- worker (5.1) -----------------------------------------------------------------------------
struct WorkerState {
  std::vector<double> processed;
  std::vector<Value> notes;
  std::vector<double> slowDone;
  std::int64_t runStarts = 0;
  std::int64_t wakeCount = 0;
  std::int64_t sleepCount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WorkerState, processed, notes, slowDone, runStarts,
                                                wakeCount, sleepCount)

Value job_result(double n, std::size_t seq) {
  Value out = Value::object();
  out["doubled"] = n * 2;
  out["seq"] = seq;
  return out;
}

Value waited_result(double ms) {
  Value out = Value::object();
  out["waited"] = ms;
  return out;
}

double number_field(const Value& body, const char* field) {
  if (body.is_object()) {
    auto it = body.find(field);
    if (it != body.end() && it->is_number()) {
      return it->template get<double>();
    }
  }
  return 0;
}

Task<void> worker_loop(ActionContext<WorkerState>& c) {
  c.state().runStarts += 1;
  for (;;) {
    auto msg = co_await c.queue().next();
    if (!msg) {
      continue;
    }
    if (msg->name() == "jobs") {
      const double n = number_field(msg->body(), "n");
      c.state().processed.push_back(n);
      co_await msg->complete(job_result(n, c.state().processed.size()));
    } else if (msg->name() == "notes") {
      c.state().notes.push_back(msg->body());
      co_await msg->complete();
    } else if (msg->name() == "slow") {
      const double ms = number_field(msg->body(), "ms");
      co_await c.delay(milliseconds(static_cast<std::int64_t>(ms)));
      c.state().slowDone.push_back(ms);
      co_await msg->complete(waited_result(ms));
    } else {
      co_await msg->complete();
    }
  }
}

auto worker() {
  ActorOptions o;
  o.sleep_timeout = milliseconds(500);
  return actor<WorkerState>("worker")
      .options(o)
      .queues({"jobs", "notes", "slow"})
      .on_wake([](auto& c) { c.state().wakeCount += 1; })
      .on_sleep([](auto& c) { c.state().sleepCount += 1; })
      .run([](auto& c) { return worker_loop(c); })
      .action("getProcessed", [](auto& c) { return c.state().processed; })
      .action("getNotes", [](auto& c) { return c.state().notes; })
      .action("getSlowDone", [](auto& c) { return c.state().slowDone; })
      .action("getStats",
              [](auto& c) {
                Value out = Value::object();
                out["runStarts"] = c.state().runStarts;
                out["wakeCount"] = c.state().wakeCount;
                out["sleepCount"] = c.state().sleepCount;
                return out;
              })
      .action("sleepNow", [](auto& c) {
        c.sleep();
        return nullptr;
      });
}

// -- mailbox (5.2) ----------------------------------------------------------------------------
struct Empty {};
inline void to_json(nlohmann::json& j, const Empty&) {
  j = nlohmann::json::object();
}
inline void from_json(const nlohmann::json&, Empty&) {}

Value as_message(const QueueMessage& m) {
  Value out = Value::object();
  out["name"] = m.name();
  out["body"] = m.body();
  return out;
}

QueueReceive within(double timeout_ms) {
  QueueReceive r;
  r.timeout = milliseconds(static_cast<std::int64_t>(timeout_ms < 0 ? 0 : timeout_ms));
  return r;
}

auto mailbox() {
  ActorOptions o;
  o.max_queue_size = 5;
  return actor<Empty>("mailbox")
      .options(o)
      .queues({"inbox"})
      .action("receive",
              [](auto& c, double timeout_ms) -> Task<Value> {
                auto m = co_await c.queue().next(within(timeout_ms));
                co_return m ? as_message(*m) : Value();
              })
      .action("receiveBatch",
              [](auto& c, double count, double timeout_ms) -> Task<Value> {
                auto batch = co_await c.queue().next_batch(static_cast<std::size_t>(count),
                                                           within(timeout_ms));
                Value out = Value::array();
                for (const auto& m : batch) {
                  out.push_back(as_message(m));
                }
                co_return out;
              })
      .action("tryReceive",
              [](auto& c) {
                auto m = c.queue().try_next();
                return m ? as_message(*m) : Value();
              })
      .action("enqueueSelf", [](auto& c, Value body) -> Task<bool> {
        co_await c.queue().send("inbox", std::move(body));
        co_return true;
      });
}

// -- sqlNotes (4.2) ---------------------------------------------------------------------------
struct NotesState {
  std::int64_t wakes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NotesState, wakes)

void migrate_notes(Database& db) {
  db.migrate({
      [](Database& d) {
        d.execute(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, "
            "created_at INTEGER NOT NULL)");
      },
      [](Database& d) {
        d.execute("ALTER TABLE notes ADD COLUMN tag TEXT NOT NULL DEFAULT ''");
        d.execute("CREATE INDEX notes_by_tag ON notes(tag)");
      },
  });
}

Value column_names(Database& db) {
  Value names = Value::array();
  for (const auto& col : db.execute("PRAGMA table_info(notes)")) {
    names.push_back(col["name"]);
  }
  return names;
}

auto sql_notes() {
  ActorOptions o;
  o.sleep_timeout = milliseconds(500);
  return actor<NotesState>("sqlNotes")
      .options(o)
      .database([](auto&, Database& db) { migrate_notes(db); })
      .on_wake([](auto& c) { c.state().wakes += 1; })
      .action("addNote",
              [](auto& c, std::string body, std::optional<std::string> tag) {
                auto db = c.db();
                db.execute("INSERT INTO notes (body, tag, created_at) VALUES (?, ?, ?)", body,
                           tag.value_or(""), c.now_ms());
                return db.last_insert_rowid();
              })
      .action("listNotes",
              [](auto& c) { return c.db().execute("SELECT id, body, tag FROM notes ORDER BY id"); })
      .action("findByTag",
              [](auto& c, std::string tag) {
                Value named = Value::object();
                named["tag"] = tag;
                return c.db().execute_values(
                    "SELECT id, body, tag FROM notes WHERE tag = :tag ORDER BY id", named);
              })
      .action("countNotes",
              [](auto& c) { return c.db().execute("SELECT COUNT(*) AS n FROM notes")[0]["n"]; })
      .action("deleteNote",
              [](auto& c, std::int64_t id) {
                auto db = c.db();
                db.execute("DELETE FROM notes WHERE id = ?", id);
                return db.changes();
              })
      .action("addManyAtomic",
              [](auto& c, std::vector<std::string> bodies, bool fail_after_insert) {
                auto db = c.db();
                db.transaction([&] {
                  for (const auto& body : bodies) {
                    db.execute("INSERT INTO notes (body, tag, created_at) VALUES (?, 'batch', ?)",
                               body, c.now_ms());
                  }
                  if (fail_after_insert) {
                    throw UserError("Batch rejected", "batch_rejected");
                  }
                });
                return bodies.size();
              })
      .action("schemaInfo",
              [](auto& c) {
                auto db = c.db();
                Value out = Value::object();
                out["version"] = db.user_version();
                out["columns"] = column_names(db);
                return out;
              })
      .action("typeProbe",
              [](auto& c) {
                return c.db().execute(
                    "SELECT 42 AS i, 2.5 AS r, 'text' AS t, NULL AS n, ? AS echoed",
                    std::string("param"))[0];
              })
      .action("badQuery",
              [](auto& c) { return c.db().execute("SELECT * FROM table_that_does_not_exist"); })
      .action("getWakes", [](auto& c) { return c.state().wakes; })
      .action("sleepNow", [](auto& c) {
        c.sleep();
        return nullptr;
      });
}

// -- workflowRunner (5.3) ---------------------------------------------------------------------
struct WorkflowState {
  std::int64_t setupRuns = 0;
  std::int64_t recordRuns = 0;
  std::vector<std::string> received;
  std::vector<std::string> finished;
  std::int64_t wakeCount = 0;
  std::int64_t sleepCount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WorkflowState, setupRuns, recordRuns, received,
                                                finished, wakeCount, sleepCount)

using WorkflowCtx = ActionContext<WorkflowState>;

std::string order_id(const Value& body) {
  if (body.is_object()) {
    auto it = body.find("id");
    if (it != body.end() && it->is_string()) {
      return it->template get<std::string>();
    }
  }
  return "";
}

Value order_result(const std::string& id, std::size_t position) {
  Value out = Value::object();
  out["id"] = id;
  out["position"] = position;
  return out;
}

Task<LoopControl> order_iteration(WorkflowCtx& c, Workflow& w) {
  auto msg = co_await w.next_message("wait-order", std::vector<std::string>(1, "orders"));
  const auto id = order_id(msg.body);
  const auto pause = number_field(msg.body, "pauseMs");
  co_await w.step("record", [&] {
    c.state().recordRuns += 1;
    c.state().received.push_back(id);
  });
  if (pause > 0) {
    co_await w.sleep("pause", milliseconds(static_cast<std::int64_t>(pause)));
  }
  auto position = co_await w.step("finish", [&] {
    c.state().finished.push_back(id);
    return c.state().finished.size();
  });
  w.complete(msg, order_result(id, position));
  co_return LoopControl::Continue;
}

Task<void> order_workflow(WorkflowCtx& c, Workflow& w) {
  co_await w.step("setup", [&] { c.state().setupRuns += 1; });
  co_await w.loop("orders", [&c](Workflow& it) { return order_iteration(c, it); });
}

auto workflow_runner() {
  ActorOptions o;
  o.sleep_timeout = milliseconds(500);
  return actor<WorkflowState>("workflowRunner")
      .options(o)
      .queues({"orders"})
      .on_wake([](auto& c) { c.state().wakeCount += 1; })
      .on_sleep([](auto& c) { c.state().sleepCount += 1; })
      .workflow([](auto& c, Workflow& w) { return order_workflow(c, w); })
      .action("getState", [](auto& c) { return c.state(); })
      .action("sleepNow", [](auto& c) {
        c.sleep();
        return nullptr;
      });
}

}  // namespace

void add_durable_fixtures(Registry& registry) {
  registry.use(workflow_runner());
  registry.use(worker());
  registry.use(mailbox());
  registry.use(sql_notes());
  add_workflow_lab(registry);
}

}  // namespace rivet::fixtures

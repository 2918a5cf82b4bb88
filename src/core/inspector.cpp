// Runtime::inspect: the inspector's view of one actor, read on its strand.

#include <rivet/core/inspector.hpp>
#include <rivet/core/runtime.hpp>
#include <rivet/core/workflow_history.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/state_keys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace rivet {

using detail::ActorInstance;

namespace {

Error invalid_request(std::string message) {
  return make_error(codes::kActorInvalidRequest, std::move(message));
}

Result<Value> state_doc(ActorInstance& rt) {
  const bool enabled = rt.state().has_state();
  Value out = Value::object();
  if (enabled) {
    auto value = rt.state().value();
    if (!value) {
      return value.error();
    }
    out["state"] = std::move(*value);
  }
  out["isStateEnabled"] = enabled;
  return out;
}

// A connection state of a C++ type shows through its JSON form (null when it has none).
Value conn_state_value(const detail::ActorDefinition& def, const detail::ConnRecord& conn) {
  if (!conn.typed_state) {
    return conn.state;
  }
  if (!def.typed_conn_state_value) {
    return Value();
  }
  try {
    return def.typed_conn_state_value(conn.typed_state.get());
  } catch (const std::exception&) {
    return Value();
  }
}

Value connections_doc(ActorInstance& rt) {
  const auto& def = rt.definition();
  const bool state_enabled =
      static_cast<bool>(def.create_conn_state) || static_cast<bool>(def.create_typed_conn_state);
  Value list = Value::array();
  for (const auto& conn : rt.conns().all()) {
    if (conn->disconnected) {
      continue;
    }
    Value names = Value::array();
    for (const auto& s : conn->subscriptions) {
      names.push_back(s);
    }
    const char* type = conn->transient ? "http" : "websocket";
    Value details{
        {"type", type},
        {"params", conn->params},
        {"stateEnabled", state_enabled},
        {"state", conn_state_value(def, *conn)},
        {"subscriptions", conn->subscriptions.size()},
        {"subscriptionNames", std::move(names)},
        {"connectedAtMs", conn->connected_at_ms},
        {"isHibernatable", false},
    };
    list.push_back(Value{{"type", type}, {"id", conn->id}, {"details", std::move(details)}});
  }
  return Value{{"connections", std::move(list)}};
}

Value rpcs_list(const detail::ActorDefinition& def) {
  Value names = Value::array();
  for (const auto& [name, fn] : def.actions) {  // a std::map: sorted
    names.push_back(name);
  }
  return names;
}

Value queue_doc(ActorInstance& rt, std::size_t limit) {
  const auto& messages = rt.queue().messages();
  Value list = Value::array();
  for (const auto& [id, msg] : messages) {
    if (list.size() >= limit) {
      break;
    }
    list.push_back(Value{{"id", id},
                         {"name", msg.name},
                         {"body", msg.body},
                         {"createdAtMs", msg.created_at},
                         {"attempts", msg.attempts},
                         {"inFlight", msg.in_flight}});
  }
  return Value{{"size", messages.size()},
               {"maxSize", rt.definition().options.max_queue_size},
               {"truncated", messages.size() > list.size()},
               {"messages", std::move(list)}};
}

Value events_doc(ActorInstance& rt, std::size_t limit) {
  const auto events = rt.activity().events();
  const auto skip = events.size() > limit ? events.size() - limit : 0;
  Value list = Value::array();
  for (std::size_t i = skip; i < events.size(); ++i) {
    const auto& e = *events[i];
    list.push_back(Value{{"name", e.event->name()},
                         {"args", e.event->args()},
                         {"connections", e.receivers},
                         {"atMs", e.at_ms}});
  }
  return Value{{"events", std::move(list)}};
}

Value string_attribute(std::string key, std::string value) {
  return Value{{"key", std::move(key)}, {"value", Value{{"stringValue", std::move(value)}}}};
}

// OTLP ids are hex strings: 16 bytes for a trace, 8 for a span. Each span is the root of its own
// trace; both ids derive from the actor id and the span's number, so they are stable.
std::string hex64(std::uint64_t v) {
  return fmt::format("{:016x}", v);
}

Value span_doc(const detail::Span& span, std::uint64_t actor_hash) {
  const std::uint64_t span_id = (actor_hash * 0x9E3779B97F4A7C15ULL) ^ span.seq;
  Value attributes = Value::array({string_attribute("rivet.kind",
                                                    std::string(span_kind_name(span.kind)))});
  if (!span.detail().empty()) {
    attributes.push_back(string_attribute("rivet.detail", std::string(span.detail())));
  }
  Value status = Value{{"code", 1}};  // STATUS_CODE_OK
  if (const auto* error = span.error()) {
    status = Value{{"code", 2}, {"message", error->message}};  // STATUS_CODE_ERROR
    attributes.push_back(string_attribute("error.code", error->group + "." + error->code));
  }
  constexpr int kSpanKindInternal = 1;
  return Value{{"traceId", hex64(actor_hash) + hex64(span.seq)},
               {"spanId", hex64(span_id == 0 ? 1 : span_id)},
               {"name", span.name},
               {"kind", kSpanKindInternal},
               // OTLP JSON writes 64-bit integers as strings.
               {"startTimeUnixNano", std::to_string(span.start_unix_ns)},
               {"endTimeUnixNano", std::to_string(span.end_unix_ns)},
               {"attributes", std::move(attributes)},
               {"status", std::move(status)}};
}

Value traces_doc(ActorInstance& rt, const inspect::Traces& q) {
  const auto spans = rt.activity().spans();
  const std::int64_t start_ns = q.start_ms * 1'000'000;
  const std::int64_t end_ns =
      q.end_ms >= INT64_MAX / 1'000'000 ? INT64_MAX : q.end_ms * 1'000'000;
  std::vector<const detail::Span*> picked;
  for (const auto* span : spans) {
    if (span->start_unix_ns >= start_ns && span->start_unix_ns < end_ns) {
      picked.push_back(span);
    }
  }
  // The ring dropped spans of this window when its oldest span is inside it.
  bool clamped =
      !spans.empty() && spans.front()->seq > 1 && spans.front()->start_unix_ns > start_ns;
  if (picked.size() > q.limit) {
    picked.erase(picked.begin(), picked.end() - static_cast<std::ptrdiff_t>(q.limit));
    clamped = true;
  }
  const auto& record = rt.record();
  const std::uint64_t actor_hash = std::hash<std::string>{}(record.actor_id);
  Value list = Value::array();
  for (const auto* span : picked) {
    list.push_back(span_doc(*span, actor_hash));
  }
  Value resource{{"attributes", Value::array({string_attribute("service.name", "rivetkit-cpp"),
                                              string_attribute("actor.id", record.actor_id),
                                              string_attribute("actor.name", record.name),
                                              string_attribute("actor.key", record.key)})}};
  Value scope{{"scope", Value{{"name", "rivetkit-cpp"}}}, {"spans", std::move(list)}};
  Value resource_spans{{"resource", std::move(resource)},
                       {"scopeSpans", Value::array({std::move(scope)})}};
  return Value{{"otlp", Value::array({std::move(resource_spans)})}, {"clamped", clamped}};
}

Result<Value> workflow_doc(ActorInstance& rt) {
  auto& core = rt.runtime();
  auto history = read_workflow_history(core.store(), core.registry(), rt.record().actor_id,
                                       rt.record().name, rt.clock().wall_ms());
  if (!history) {
    return history.error();
  }
  Value out = workflow_history_value(*history);
  if (!out["history"].is_object()) {
    return out;
  }
  auto& entries = out["history"]["entries"];
  const auto& attempts = rt.activity().step_attempts();
  for (auto& entry : entries) {
    const auto location = entry.value("location", std::string());
    const auto it = attempts.find(location);
    entry["attempts"] = 1 + (it == attempts.end() ? 0 : it->second.failures);
  }
  // Steps that failed and were not recorded: they run again on the next replay.
  for (const auto& [location, step] : attempts) {
    const bool recorded = std::any_of(entries.begin(), entries.end(), [&](const Value& e) {
      return e.value("location", std::string()) == location;
    });
    if (recorded) {
      continue;
    }
    const auto slash = location.rfind('/');
    Value error = Value::object();
    if (step.last_error) {
      error = Value{{"group", step.last_error->group},
                    {"code", step.last_error->code},
                    {"message", step.last_error->message},
                    {"metadata", step.last_error->metadata}};
    }
    entries.push_back(Value{{"location", location},
                            {"name", slash == std::string::npos ? location
                                                                : location.substr(slash + 1)},
                            {"kind", "step"},
                            {"status", "retrying"},
                            {"attempts", step.failures},
                            {"error", std::move(error)},
                            {"lastAttemptAt", step.last_attempt_ms},
                            {"recordedAt", nullptr}});
  }
  return out;
}

// SQLite identifiers in double quotes (a quote inside doubles).
std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  out += '"';
  return out;
}

// The actor's database and its tables and views ({name, type} rows, by name).
struct DatabaseTables {
  storage::SqlDatabase* db = nullptr;
  Value tables;
};

Result<DatabaseTables> tables_of(ActorInstance& rt) {
  auto* db = rt.database();
  if (db == nullptr) {
    return invalid_request("This actor has no database.");
  }
  auto listed = db->execute(
      "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE "
      "'sqlite_%' ORDER BY name");
  if (!listed) {
    return listed.error();
  }
  return DatabaseTables{db, std::move(listed->rows)};
}

Result<Value> schema_doc(ActorInstance& rt) {
  auto found = tables_of(rt);
  if (!found) {
    return found.error();
  }
  auto* db = found->db;
  Value list = Value::array();
  for (const auto& t : found->tables) {
    const auto name = t.value("name", std::string());
    const auto quoted = quote_identifier(name);
    auto columns = db->execute("PRAGMA table_info(" + quoted + ")");
    auto keys = db->execute("PRAGMA foreign_key_list(" + quoted + ")");
    auto count = db->execute("SELECT COUNT(*) AS n FROM " + quoted);
    if (!columns || !keys || !count) {
      return !columns ? columns.error() : (!keys ? keys.error() : count.error());
    }
    list.push_back(Value{
        {"table", Value{{"schema", "main"}, {"name", name}, {"type", t.value("type", "table")}}},
        {"columns", std::move(columns->rows)},
        {"foreignKeys", std::move(keys->rows)},
        {"records", count->rows.empty() ? Value(0) : count->rows[0]["n"]}});
  }
  return Value{{"schema", Value{{"tables", std::move(list)}}}};
}

Result<Value> rows_doc(ActorInstance& rt, const inspect::DatabaseRows& q) {
  auto found = tables_of(rt);
  if (!found) {
    return found.error();
  }
  const auto& tables = found->tables;
  const bool known = std::any_of(tables.begin(), tables.end(), [&](const Value& t) {
    return t.value("name", std::string()) == q.table;
  });
  if (!known) {
    return invalid_request("No table or view named '" + q.table + "'.");
  }
  const auto limit = std::min(q.limit, inspect::kMaxDatabaseRows);
  auto rows = found->db->execute(
      "SELECT * FROM " + quote_identifier(q.table) + " LIMIT ? OFFSET ?",
      Value::array({limit, q.offset}));
  if (!rows) {
    return rows.error();
  }
  return Value{{"rows", std::move(rows->rows)}};
}

Task<Result<Value>> patch_state(ActorInstance& rt, Value state) {
  const auto& def = rt.definition();
  if (!rt.state().has_state() || !def.load_state) {
    co_return invalid_request("This actor has no state.");
  }
  std::unique_ptr<detail::AnyBox> replaced;
  try {
    replaced = def.load_state(state);
  } catch (const std::exception& e) {
    co_return invalid_request(std::string("The state does not fit the actor's state type: ") +
                              e.what());
  }
  const auto start = detail::SpanStart::now(rt.clock());
  rt.state().set_state(std::move(replaced));
  detail::CallFrame frame;
  auto finished = co_await rt.finish_call(frame, true);
  rt.trace(start, detail::SpanKind::Hook, "inspector.patchState",
           finished ? std::nullopt : std::optional<Error>(finished.error()));
  if (!finished) {
    co_return finished.error();
  }
  co_return Value{{"ok", true}};
}

Value summary_doc(ActorInstance& rt, Value state, Value workflow) {
  const auto& def = rt.definition();
  Value out = Value::object();
  out["state"] = state.value("state", Value());
  out["isStateEnabled"] = state.value("isStateEnabled", false);
  out["connections"] = connections_doc(rt)["connections"];
  out["rpcs"] = rpcs_list(def);
  out["queueSize"] = rt.queue().size();
  out["isDatabaseEnabled"] = def.database;
  out["isWorkflowEnabled"] = def.workflow;
  out["workflowHistory"] = workflow.value("history", Value());
  return out;
}

Task<Result<Value>> answer(ActorInstance& rt, inspect::Query query) {
  using namespace inspect;
  if (std::holds_alternative<PatchState>(query)) {
    Value state = std::move(std::get<PatchState>(query).state);
    co_return co_await patch_state(rt, std::move(state));
  }
  co_return std::visit(
      [&rt](const auto& q) -> Result<Value> {
        using Q = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<Q, Summary>) {
          auto state = state_doc(rt);
          if (!state) {
            return state.error();
          }
          auto workflow = workflow_doc(rt);
          if (!workflow) {
            return workflow.error();
          }
          return summary_doc(rt, std::move(*state), std::move(*workflow));
        } else if constexpr (std::is_same_v<Q, State>) {
          return state_doc(rt);
        } else if constexpr (std::is_same_v<Q, Connections>) {
          return connections_doc(rt);
        } else if constexpr (std::is_same_v<Q, Rpcs>) {
          return Value{{"rpcs", rpcs_list(rt.definition())}};
        } else if constexpr (std::is_same_v<Q, Queue>) {
          return queue_doc(rt, q.limit);
        } else if constexpr (std::is_same_v<Q, Events>) {
          return events_doc(rt, q.limit);
        } else if constexpr (std::is_same_v<Q, Traces>) {
          return traces_doc(rt, q);
        } else if constexpr (std::is_same_v<Q, inspect::WorkflowHistory>) {
          return workflow_doc(rt);
        } else if constexpr (std::is_same_v<Q, DatabaseSchema>) {
          return schema_doc(rt);
        } else if constexpr (std::is_same_v<Q, DatabaseRows>) {
          return rows_doc(rt, q);
        } else {
          return errors::internal();  // PatchState, answered above
        }
      },
      query);
}

// On the actor's strand. The inspection counts as work, so the idle timer starts over after it.
Task<Result<Value>> inspect_on_strand(std::shared_ptr<ActorInstance> rt, inspect::Query query) {
  auto started = co_await rt->ensure_started();
  if (!started) {
    co_return started.error();
  }
  rt->enter_call();
  auto out = co_await answer(*rt, std::move(query));
  rt->leave_call();
  rt->maybe_stop_after_call();
  co_return out;
}

}  // namespace

Task<Result<Value>> Runtime::inspect(std::string actor_id, inspect::Query query) {
  co_return co_await impl_->core->with_actor<Value>(
      std::move(actor_id), [&](std::shared_ptr<ActorInstance> rt) {
        return inspect_on_strand(std::move(rt), query);
      });
}

bool Runtime::is_awake(std::string_view actor_id) const {
  auto rt = impl_->core->actors().find_awake(actor_id);
  return rt != nullptr && rt->ready();
}

std::vector<std::string> Runtime::awake_actor_ids() const {
  std::vector<std::string> ids;
  for (const auto& rt : impl_->core->actors().awake()) {
    if (rt->ready()) {
      ids.push_back(rt->record().actor_id);
    }
  }
  return ids;
}

namespace inspect {

Result<std::optional<std::string>> read_inspector_token(storage::Store& store,
                                                       const std::string& actor_id) {
  auto stored = store.kv_get(actor_id, detail::kInspectorTokenKey);
  if (!stored) {
    return stored.error();
  }
  if (!stored->has_value()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(std::string((*stored)->begin(), (*stored)->end()));
}

}  // namespace inspect

}  // namespace rivet

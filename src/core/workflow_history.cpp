// Readable workflow history (workflow_history.hpp).

#include <rivet/core/definition.hpp>
#include <rivet/core/workflow_history.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/state_keys.hpp"

#include <algorithm>

namespace rivet {

namespace {

std::string last_component(const std::string& location) {
  const auto slash = location.rfind('/');
  return slash == std::string::npos ? location : location.substr(slash + 1);
}

Error entry_error(const Value& e) {
  return make_error(e.value("group", std::string()), e.value("code", std::string()),
                    e.value("message", std::string()), e.value("metadata", Value()));
}

WorkflowHistoryEntry describe(std::string location, Value raw, std::int64_t now) {
  WorkflowHistoryEntry out;
  out.name = last_component(location);
  out.location = std::move(location);
  out.kind = raw.value("kind", std::string("unknown"));
  out.status = "completed";
  if (raw.contains("ts") && raw["ts"].is_number_integer()) {
    out.recorded_at = raw["ts"].get<std::int64_t>();
  }
  if (out.kind == "step" || out.kind == "race") {
    out.result = raw.value("result", Value());
    if (out.result->is_object() && out.result->contains("error") && out.kind == "step" &&
        out.result->size() == 1) {
      // A try_step's recorded failure.
      out.error = entry_error((*out.result)["error"]);
      out.status = "failed";
      out.result.reset();
    }
  } else if (out.kind == "try" || out.kind == "workflow") {
    if (raw.contains("error")) {
      out.error = entry_error(raw["error"]);
      out.status = "failed";
    } else {
      out.result = raw.value("ok", Value());
    }
  } else if (out.kind == "sleep") {
    out.status = raw.value("until", std::int64_t{0}) > now ? "sleeping" : "completed";
  } else if (out.kind == "loop") {
    out.status = raw.value("done", false) ? "completed" : "running";
  } else if (out.kind == "message") {
    Value msg = Value::object();
    msg["id"] = raw.value("id", Value());
    msg["name"] = raw.value("name", Value());
    msg["body"] = raw.value("body", Value());
    out.result = std::move(msg);
  } else if (out.kind == "version_check") {
    out.result = raw.value("version", Value());
  }
  if (raw.value("rolledBack", false) && out.kind == "step") {
    out.status = "rolled_back";
  }
  out.raw = std::move(raw);
  return out;
}

}  // namespace

Result<WorkflowHistory> read_workflow_history(storage::Store& store, const Registry& registry,
                                              const std::string& actor_id,
                                              const std::string& actor_name,
                                              std::int64_t now_ms) {
  WorkflowHistory history;
  const auto* def = registry.find(actor_name);
  history.enabled = def != nullptr && def->workflow;
  auto rows =
      store.kv_prefix(actor_id, Bytes{detail::kWorkflowPrefix}, static_cast<std::size_t>(-1));
  if (!rows) {
    return rows.error();
  }
  const auto now = now_ms;
  for (auto& row : *rows) {
    auto decoded = protocol::decode_compat_cbor(row.value);
    if (!decoded || !decoded->is_object()) {
      continue;
    }
    auto entry =
        describe(std::string(row.key.begin() + 1, row.key.end()), std::move(*decoded), now);
    if (entry.kind == "workflow" && entry.status == "failed") {
      history.status = "failed";
    }
    history.entries.push_back(std::move(entry));
  }
  std::stable_sort(history.entries.begin(), history.entries.end(),
                   [](const WorkflowHistoryEntry& a, const WorkflowHistoryEntry& b) {
                     return a.recorded_at.value_or(0) < b.recorded_at.value_or(0);
                   });
  return history;
}

Value workflow_history_value(const WorkflowHistory& history) {
  Value out = Value::object();
  out["isWorkflowEnabled"] = history.enabled;
  if (!history.enabled) {
    out["history"] = nullptr;
    return out;
  }
  Value entries = Value::array();
  for (const auto& e : history.entries) {
    Value v = Value::object();
    v["location"] = e.location;
    v["name"] = e.name;
    v["kind"] = e.kind;
    v["status"] = e.status;
    if (e.result) {
      v["result"] = *e.result;
    }
    if (e.error) {
      Value err = Value::object();
      err["group"] = e.error->group;
      err["code"] = e.error->code;
      err["message"] = e.error->message;
      err["metadata"] = e.error->metadata;
      v["error"] = std::move(err);
    }
    v["recordedAt"] = e.recorded_at ? Value(*e.recorded_at) : Value(nullptr);
    if (e.raw.contains("rolledBackAt")) {
      v["rolledBackAt"] = e.raw["rolledBackAt"];
    }
    if (e.kind == "race") {
      v["winner"] = e.raw.value("branch", Value());
    }
    if (e.kind == "loop") {
      v["iteration"] = e.raw.value("iteration", Value());
    }
    if (e.kind == "sleep") {
      v["until"] = e.raw.value("until", Value());
    }
    entries.push_back(std::move(v));
  }
  Value h = Value::object();
  h["status"] = history.status;
  h["entries"] = std::move(entries);
  out["history"] = std::move(h);
  return out;
}

}  // namespace rivet

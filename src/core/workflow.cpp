// Durable workflows: history rows under the workflow prefix, replay by location.

#include <rivet/core/workflow.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/engine_core.hpp"
#include "core/ids.hpp"
#include "core/state_keys.hpp"
#include "core/workflow_run.hpp"

namespace rivet {

namespace detail {

namespace {

Bytes history_key(const std::string& location) {
  Bytes key{kWorkflowPrefix};
  key.insert(key.end(), location.begin(), location.end());
  return key;
}

Error aborted_error() {
  return make_error("actor", "aborted", "The actor is stopping.");
}

}  // namespace

WorkflowRun::WorkflowRun(ActorRuntime& rt, CallFrame& frame) : rt_(rt), frame_(frame) {
  auto rows = rt_.engine().store().kv_prefix(rt_.record().actor_id, Bytes{kWorkflowPrefix},
                                             static_cast<std::size_t>(-1));
  if (!rows) {
    throw ErrorException(rows.error());
  }
  for (auto& row : *rows) {
    auto decoded = protocol::decode_compat_cbor(row.value);
    if (decoded) {
      history_[std::string(row.key.begin() + 1, row.key.end())] = std::move(*decoded);
    }
  }
}

std::optional<Value> WorkflowRun::entry(const std::string& location) const {
  auto it = history_.find(location);
  if (it == history_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void WorkflowRun::throw_if_aborted() const {
  if (rt_.aborting()) {
    throw ErrorException(aborted_error());
  }
}

Task<void> WorkflowRun::record(const std::string& location, Value entry) {
  rt_.stage_write(storage::WriteBatch::Put{rt_.record().actor_id, history_key(location),
                                           protocol::encode_compat_cbor(entry)});
  history_[location] = std::move(entry);
  auto saved = co_await rt_.commit_call(frame_);
  if (!saved) {
    throw ErrorException(saved.error());
  }
}

Task<void> WorkflowRun::replace_scope(const std::string& scope, const std::string& location,
                                      Value entry) {
  for (auto it = history_.lower_bound(scope);
       it != history_.end() && it->first.starts_with(scope);) {
    rt_.stage_write(storage::WriteBatch::Delete{rt_.record().actor_id, history_key(it->first)});
    it = history_.erase(it);
  }
  co_await record(location, std::move(entry));
}

Task<void> WorkflowRun::wait_until(std::int64_t until_ms) {
  for (;;) {
    throw_if_aborted();
    const auto now = now_ms();
    if (now >= until_ms) {
      co_return;
    }
    // If the actor sleeps meanwhile, the alarm wakes it and the replay resumes this wait.
    rt_.engine().add_alarm(rt_.record().actor_id, until_ms);
    rt_.leave_call();
    co_await rt_.wait_for_message(RuntimeClock::now() +
                                  std::chrono::milliseconds(until_ms - now));
    rt_.enter_call();
  }
}

Task<WorkflowMessage> WorkflowRun::receive(const std::string& location,
                                           const std::vector<std::string>& queues) {
  for (;;) {
    throw_if_aborted();
    if (auto msg = rt_.take(queues, &frame_)) {
      WorkflowMessage out{msg->id(), msg->name(), msg->body()};
      rt_.consume_message(out.id, frame_);
      Value recorded = Value::object();
      recorded["kind"] = "message";
      recorded["id"] = out.id;
      recorded["name"] = out.name;
      recorded["body"] = out.body;
      co_await record(location, std::move(recorded));
      co_return out;
    }
    rt_.leave_call();
    co_await rt_.wait_for_message(RuntimeClock::time_point::max());
    rt_.enter_call();
  }
}

Value WorkflowRun::history_value() const {
  Value entries = Value::object();
  for (const auto& [location, entry] : history_) {
    entries[location] = entry;
  }
  return entries;
}

Task<void> run_workflow(ActorContext& ctx, std::function<Task<void>(Workflow&)> body) {
  WorkflowRun run(ctx.runtime(), *ctx.frame());
  Workflow root(run, "");
  co_await body(root);
}

}  // namespace detail

// -- Workflow ------------------------------------------------------------------------------------

std::string Workflow::location(const std::string& name) const {
  return scope_.empty() ? name : scope_ + "/" + name;
}

std::optional<Value> Workflow::replayed(const std::string& name) const {
  auto e = run_->entry(location(name));
  if (!e || !e->is_object()) {
    return std::nullopt;
  }
  return e->value("result", Value());
}

Task<void> Workflow::record_step(std::string name, Value result) {
  Value entry = Value::object();
  entry["kind"] = "step";
  entry["result"] = std::move(result);
  co_await run_->record(location(name), std::move(entry));
}

Value Workflow::encode_try(const Value& out, const std::optional<Error>& failure) {
  Value result = Value::object();
  if (failure) {
    result["error"] = Value{{"group", failure->group},
                            {"code", failure->code},
                            {"message", failure->message},
                            {"metadata", failure->metadata}};
  } else {
    result["ok"] = out;
  }
  return result;
}

Result<Value> Workflow::decode_try(const Value& recorded) {
  if (recorded.contains("error")) {
    const auto& e = recorded["error"];
    return make_error(e.value("group", std::string()), e.value("code", std::string()),
                      e.value("message", std::string()), e.value("metadata", Value()));
  }
  return recorded.value("ok", Value());
}

Task<void> Workflow::loop(std::string name, std::function<Task<LoopControl>(Workflow&)> body) {
  const auto loc = location(name);
  std::int64_t iteration = 0;
  if (auto e = run_->entry(loc)) {
    if (e->value("done", false)) {
      co_return;
    }
    iteration = e->value("iteration", std::int64_t{0});
  }
  for (;;) {
    const auto scope = loc + "[" + std::to_string(iteration) + "]";
    Workflow it(*run_, scope);
    const auto control = co_await body(it);
    ++iteration;
    Value entry = Value::object();
    entry["kind"] = "loop";
    entry["iteration"] = iteration;
    entry["done"] = control == LoopControl::Break;
    // The finished iteration's entries go; the loop's position is recorded in the same commit.
    co_await run_->replace_scope(scope + "/", loc, std::move(entry));
    if (control == LoopControl::Break) {
      co_return;
    }
  }
}

Task<void> Workflow::sleep(std::string name, std::chrono::milliseconds duration) {
  const auto loc = location(name);
  std::int64_t until = 0;
  if (auto e = run_->entry(loc)) {
    until = e->value("until", std::int64_t{0});
  } else {
    until = detail::now_ms() + duration.count();
    Value entry = Value::object();
    entry["kind"] = "sleep";
    entry["until"] = until;
    co_await run_->record(loc, std::move(entry));
  }
  co_await run_->wait_until(until);
}

Task<void> Workflow::sleep_until(std::string name, std::int64_t timestamp_ms) {
  const auto loc = location(name);
  if (!run_->entry(loc)) {
    Value entry = Value::object();
    entry["kind"] = "sleep";
    entry["until"] = timestamp_ms;
    co_await run_->record(loc, std::move(entry));
  }
  co_await run_->wait_until(timestamp_ms);
}

Task<WorkflowMessage> Workflow::next_message(std::string name, std::vector<std::string> queues) {
  const auto loc = location(name);
  if (auto e = run_->entry(loc)) {
    co_return WorkflowMessage{e->value("id", std::uint64_t{0}), e->value("name", std::string()),
                              e->value("body", Value())};
  }
  co_return co_await run_->receive(loc, queues);
}

void Workflow::complete(const WorkflowMessage& message, Value response) {
  auto& rt = run_->runtime();
  rt.engine().complete_waiter(
      rt.record().actor_id, message.id,
      is_undefined(response) ? std::nullopt : std::optional<Value>(response));
}

Task<void> Workflow::join(std::string name,
                          std::vector<std::function<Task<void>(Workflow&)>> branches) {
  const auto loc = location(name);
  for (std::size_t i = 0; i < branches.size(); ++i) {
    Workflow branch(*run_, loc + "/" + std::to_string(i));
    co_await branches[i](branch);
  }
}

}  // namespace rivet

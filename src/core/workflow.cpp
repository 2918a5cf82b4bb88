// Durable workflows: history rows under the workflow prefix, replay by location.

#include <rivet/core/workflow.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/runtime/runtime_core.hpp"
#include "core/ids.hpp"
#include "core/state_keys.hpp"
#include "core/workflow_run.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace rivet {

namespace detail {

namespace {

Bytes history_key(const std::string& location) {
  Bytes key{kWorkflowPrefix};
  key.insert(key.end(), location.begin(), location.end());
  return key;
}

Error aborted_error() {
  return make_error(codes::kActorAborted, "The actor is stopping.");
}

Error cancelled_error() {
  return make_error(codes::kWorkflowCancelled, "Another branch of the race finished first.");
}

std::string scope_prefix(const std::string& scope) {
  return scope.empty() ? std::string() : scope + "/";
}

Value error_value(const Error& e) {
  Value out = Value::object();
  out["group"] = e.group;
  out["code"] = e.code;
  out["message"] = e.message;
  out["metadata"] = e.metadata;
  return out;
}

Error error_from_value(const Value& v) {
  return make_error(v.value("group", std::string()), v.value("code", std::string()),
                    v.value("message", std::string()), v.value("metadata", Value()));
}

}  // namespace

Error history_diverged(const std::string& location, const std::string& recorded,
                       const std::string& requested) {
  Value meta = Value::object();
  meta["location"] = location;
  meta["recorded"] = recorded;
  meta["requested"] = requested;
  return make_error(codes::kWorkflowHistoryDiverged,
                    "The workflow history does not match the code: '" + location +
                        "' was recorded as " + recorded + " but the code now runs " + requested +
                        " there. Keep names stable, or retire the old entry with removed().",
                    std::move(meta));
}

Error step_failure_error(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const StepFailure& e) {
    return e.error();
  } catch (const RollbackFailure&) {
    throw;
  } catch (const ErrorException& e) {
    if (e.error().is(codes::kActorAborted) || e.error().group == codes::kWorkflowGroup) {
      throw;
    }
    return e.error();
  } catch (const std::exception& e) {
    return make_error(codes::kCoreInternalError, e.what());
  } catch (...) {
    return make_error(codes::kCoreInternalError, "unknown exception");
  }
}

void throw_step_failure(std::exception_ptr thrown) {
  throw StepFailure(step_failure_error(std::move(thrown)));
}

WorkflowRun::WorkflowRun(ActorInstance& rt, CallFrame& frame)
    : rt_(rt), frame_(frame), cancel_signal_(rt.strand()) {
  auto rows = rt_.runtime().store().kv_prefix(rt_.record().actor_id, Bytes{kWorkflowPrefix},
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
  visited_.insert(location);
  return it->second;
}

std::optional<Value> WorkflowRun::entry_of(const std::string& location,
                                           const std::string& kind) const {
  auto e = entry(location);
  if (e) {
    const auto recorded = e->is_object() ? e->value("kind", std::string()) : std::string();
    if (recorded != kind) {
      throw ErrorException(
          history_diverged(location, recorded.empty() ? "unknown" : recorded, kind));
    }
  }
  return e;
}

void WorkflowRun::visit_prefix(const std::string& prefix) const {
  for (auto it = history_.lower_bound(prefix);
       it != history_.end() && it->first.starts_with(prefix); ++it) {
    visited_.insert(it->first);
  }
}

bool WorkflowRun::has_unvisited(const std::string& scope, const std::string& except) const {
  const auto prefix = scope_prefix(scope);
  for (auto it = history_.lower_bound(prefix);
       it != history_.end() && it->first.starts_with(prefix); ++it) {
    if (!it->first.empty() && it->first != except && !visited_.contains(it->first)) {
      return true;
    }
  }
  return false;
}

void WorkflowRun::throw_if_aborted() const {
  if (rt_.aborting()) {
    throw ErrorException(aborted_error());
  }
}

Task<void> WorkflowRun::record(const std::string& location, Value entry) {
  // Readable history: when the entry was first written (entries rewritten in place keep it).
  if (!entry.contains("ts")) {
    entry["ts"] = rt_.clock().wall_ms();
  }
  visited_.insert(location);
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

Task<void> WorkflowRun::wait(Clock::time_point deadline, const CancelToken* cancel) {
  using namespace boost::asio::experimental::awaitable_operators;
  rt_.leave_call();
  if (cancel == nullptr) {
    co_await rt_.queue().wait(rt_, deadline);
  } else {
    co_await (rt_.queue().wait(rt_, deadline) || cancel_signal_.wait());
  }
  rt_.enter_call();
}

Task<void> WorkflowRun::wait_until(std::int64_t until_ms, const CancelToken* cancel) {
  for (;;) {
    throw_if_aborted();
    if (cancel != nullptr && cancel->is_cancelled()) {
      throw ErrorException(cancelled_error());
    }
    const auto now = rt_.clock().wall_ms();
    if (now >= until_ms) {
      co_return;
    }
    // If the actor sleeps meanwhile, the alarm wakes it and the replay resumes this wait.
    rt_.runtime().set_alarm(rt_.record().actor_id, until_ms);
    co_await wait(rt_.clock().now() + std::chrono::milliseconds(until_ms - now), cancel);
  }
}

Task<WorkflowMessage> WorkflowRun::receive(const std::string& location,
                                           const std::vector<std::string>& queues,
                                           const CancelToken* cancel) {
  for (;;) {
    throw_if_aborted();
    // A lost branch must not take a message it would never handle.
    if (cancel != nullptr && cancel->is_cancelled()) {
      throw ErrorException(cancelled_error());
    }
    if (auto msg = rt_.queue().take(rt_, queues, &frame_)) {
      WorkflowMessage out{msg->id(), msg->name(), msg->body()};
      rt_.queue().consume(rt_, out.id, frame_);
      Value recorded = Value::object();
      recorded["kind"] = "message";
      recorded["id"] = out.id;
      recorded["name"] = out.name;
      recorded["body"] = out.body;
      co_await record(location, std::move(recorded));
      co_return out;
    }
    co_await wait(Clock::time_point::max(), cancel);
  }
}

Task<void> WorkflowRun::compensate(RollbackFrame& frame) {
  while (!frame.compensations.empty()) {
    throw_if_aborted();
    auto next = frame.compensations.back();
    auto recorded = history_.find(next.location);
    if (recorded == history_.end() || recorded->second.value("rolledBack", false)) {
      frame.compensations.pop_back();
      continue;
    }
    std::exception_ptr thrown;
    try {
      co_await next.fn(next.output);
    } catch (...) {
      thrown = std::current_exception();
    }
    if (thrown) {
      std::optional<Error> cause;
      try {
        cause = step_failure_error(thrown);
      } catch (const ErrorException& e) {
        if (e.error().is(codes::kActorAborted)) {
          throw;
        }
        cause = e.error();
      }
      Value meta = Value::object();
      meta["location"] = next.location;
      meta["cause"] = error_value(*cause);
      throw RollbackFailure(make_error(
          codes::kWorkflowRollbackFailed,
          "The rollback of '" + next.location + "' failed: " + cause->message, std::move(meta)));
    }
    Value entry = history_[next.location];
    entry["rolledBack"] = true;
    entry["rolledBackAt"] = rt_.clock().wall_ms();
    co_await record(next.location, std::move(entry));
    frame.compensations.pop_back();
  }
}

void WorkflowRun::drop_scope(RollbackFrame& frame, const std::string& prefix) {
  std::erase_if(frame.compensations,
                [&](const RollbackFrame::Entry& e) { return e.location.starts_with(prefix); });
  if (frame.armed_by.starts_with(prefix)) {
    frame.armed_by.clear();
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
  if (auto done = run.entry_of("", "workflow"); done && done->value("status", "") == "failed") {
    co_return;  // failed terminally after its rollback: nothing left to run
  }
  auto frame = std::make_shared<RollbackFrame>();
  Workflow root(run, "", nullptr, frame);
  std::exception_ptr failure;
  std::optional<Error> error;
  try {
    co_await body(root);
  } catch (const StepFailure& e) {
    failure = std::current_exception();
    error = e.error();
  }
  if (!failure) {
    co_return;
  }
  if (frame->armed_by.empty()) {
    std::rethrow_exception(failure);  // no checkpoint: the handler restarts and replays
  }
  // A checkpointed workflow fails terminally: compensate, then record the failure.
  co_await run.compensate(*frame);
  Value entry = Value::object();
  entry["kind"] = "workflow";
  entry["status"] = "failed";
  entry["error"] = error_value(*error);
  co_await run.record("", std::move(entry));
}

}  // namespace detail

// -- Workflow ------------------------------------------------------------------------------------

std::string Workflow::location(const std::string& name) const {
  return scope_.empty() ? name : scope_ + "/" + name;
}

void Workflow::check_live() const {
  if (cancel_ && cancel_->is_cancelled()) {
    throw ErrorException(detail::cancelled_error());
  }
}

std::optional<Value> Workflow::replayed(const std::string& name) const {
  check_live();
  auto e = run_->entry_of(location(name), "step");
  if (!e || !e->is_object()) {
    return std::nullopt;
  }
  return e->value("result", Value());
}

Task<void> Workflow::record_step(std::string name, Value result, detail::StepStart began,
                                 const Error* failure) {
  Value entry = Value::object();
  entry["kind"] = "step";
  entry["result"] = std::move(result);
  auto where = location(name);
  co_await run_->record(where, entry);
  run_->runtime().trace(detail::SpanStart{began.unix_ns, began.at}, detail::SpanKind::WorkflowStep,
                        std::move(where),
                        failure ? std::optional<Error>(*failure) : std::nullopt);
}

detail::StepStart Workflow::step_began() const {
  const auto start = detail::SpanStart::now(run_->runtime().clock());
  return detail::StepStart{start.unix_ns, start.at};
}

void Workflow::step_failed(const std::string& name, const detail::StepStart& began,
                           std::exception_ptr thrown) const {
  Error error;
  try {
    error = detail::step_failure_error(thrown);
  } catch (...) {
    return;  // not the step's failure (the actor is stopping, the workflow was cancelled...)
  }
  auto& rt = run_->runtime();
  auto where = location(name);
  rt.activity().step_failed(where, error, rt.clock().wall_ms());
  rt.trace(detail::SpanStart{began.unix_ns, began.at}, detail::SpanKind::WorkflowStep,
           std::move(where), error);
}

Value Workflow::encode_try(const Value& out, const std::optional<Error>& failure) {
  Value result = Value::object();
  if (failure) {
    result["error"] = detail::error_value(*failure);
  } else {
    result["ok"] = out;
  }
  return result;
}

Result<Value> Workflow::decode_try(const Value& recorded) {
  if (recorded.contains("error")) {
    return detail::error_from_value(recorded["error"]);
  }
  return recorded.value("ok", Value());
}

Task<void> Workflow::loop(std::string name, std::function<Task<LoopControl>(Workflow&)> body) {
  check_live();
  const auto loc = location(name);
  std::int64_t iteration = 0;
  if (auto e = run_->entry_of(loc, "loop")) {
    if (e->value("done", false)) {
      co_return;
    }
    iteration = e->value("iteration", std::int64_t{0});
  }
  for (;;) {
    const auto scope = loc + "[" + std::to_string(iteration) + "]";
    Workflow it = child(scope);
    const auto control = co_await body(it);
    ++iteration;
    Value entry = Value::object();
    entry["kind"] = "loop";
    entry["iteration"] = iteration;
    entry["done"] = control == LoopControl::Break;
    if (frame_) {
      detail::WorkflowRun::drop_scope(*frame_, scope + "/");
    }
    // The finished iteration's entries go; the loop's position is recorded in the same commit.
    co_await run_->replace_scope(scope + "/", loc, std::move(entry));
    if (control == LoopControl::Break) {
      co_return;
    }
  }
}

Task<void> Workflow::sleep(std::string name, std::chrono::milliseconds duration) {
  check_live();
  const auto loc = location(name);
  std::int64_t until = 0;
  if (auto e = run_->entry_of(loc, "sleep")) {
    until = e->value("until", std::int64_t{0});
  } else {
    until = run_->runtime().clock().wall_ms() + duration.count();
    Value entry = Value::object();
    entry["kind"] = "sleep";
    entry["until"] = until;
    co_await run_->record(loc, std::move(entry));
  }
  co_await run_->wait_until(until, cancel_.get());
}

Task<void> Workflow::sleep_until(std::string name, std::int64_t timestamp_ms) {
  check_live();
  const auto loc = location(name);
  if (!run_->entry_of(loc, "sleep")) {
    Value entry = Value::object();
    entry["kind"] = "sleep";
    entry["until"] = timestamp_ms;
    co_await run_->record(loc, std::move(entry));
  }
  co_await run_->wait_until(timestamp_ms, cancel_.get());
}

Task<WorkflowMessage> Workflow::next_message(std::string name, std::vector<std::string> queues) {
  check_live();
  const auto loc = location(name);
  if (auto e = run_->entry_of(loc, "message")) {
    co_return WorkflowMessage{e->value("id", std::uint64_t{0}), e->value("name", std::string()),
                              e->value("body", Value())};
  }
  co_return co_await run_->receive(loc, queues, cancel_.get());
}

void Workflow::complete(const WorkflowMessage& message, Value response) {
  auto& rt = run_->runtime();
  rt.runtime().waiters().complete(
      rt.record().actor_id, message.id,
      is_undefined(response) ? std::nullopt : std::optional<Value>(response));
}

Task<void> Workflow::join(std::string name,
                          std::vector<std::function<Task<void>(Workflow&)>> branches) {
  check_live();
  const auto loc = location(name);
  for (std::size_t i = 0; i < branches.size(); ++i) {
    Workflow branch = child(loc + "/" + std::to_string(i));
    co_await branches[i](branch);
  }
}

// -- rollback --

void Workflow::require_checkpoint(const std::string& name) const {
  if (!frame_ || frame_->armed_by.empty()) {
    Value meta = Value::object();
    meta["location"] = location(name);
    throw ErrorException(make_error(
        codes::kWorkflowRollbackCheckpointMissing,
        "The step '" + location(name) +
            "' has a rollback but no rollback_checkpoint() precedes it in its try block or "
            "workflow.",
        std::move(meta)));
  }
}

void Workflow::add_compensation(const std::string& name, Value output, detail::Compensation fn) {
  frame_->compensations.push_back(
      detail::RollbackFrame::Entry{location(name), std::move(output), std::move(fn)});
}

Task<void> Workflow::rollback_checkpoint(std::string name) {
  check_live();
  const auto loc = location(name);
  if (!run_->entry_of(loc, "rollback_checkpoint")) {
    Value entry = Value::object();
    entry["kind"] = "rollback_checkpoint";
    co_await run_->record(loc, std::move(entry));
  }
  if (frame_ && frame_->armed_by.empty()) {
    frame_->armed_by = loc;
  }
}

// -- try --

Task<Result<Value>> Workflow::try_value(std::string name,
                                        std::function<Task<Value>(Workflow&)> body,
                                        TryOptions options) {
  check_live();
  const auto loc = location(name);
  if (auto e = run_->entry_of(loc, "try")) {
    run_->visit_prefix(loc + "/");
    co_return decode_try(*e);
  }
  auto frame = std::make_shared<detail::RollbackFrame>();
  Workflow block(*run_, loc, cancel_, frame);
  Value out;
  std::optional<Error> failure;
  std::exception_ptr rollback_failure;
  try {
    out = co_await body(block);
  } catch (const detail::StepFailure& e) {
    failure = e.error();
  } catch (const detail::RollbackFailure& e) {
    if (!options.catch_rollback) {
      throw;
    }
    failure = e.error();
  }
  bool rolled_back = false;
  if (failure && !frame->armed_by.empty()) {
    try {
      co_await run_->compensate(*frame);
      rolled_back = true;
    } catch (const detail::RollbackFailure& e) {
      if (!options.catch_rollback) {
        throw;
      }
      failure = e.error();
    }
  }
  Value entry = encode_try(out, failure);
  entry["kind"] = "try";
  if (rolled_back) {
    entry["rolledBack"] = true;
  }
  co_await run_->record(loc, std::move(entry));
  if (failure) {
    co_return *failure;
  }
  co_return out;
}

// -- race --

namespace detail {
namespace {

struct RaceState {
  std::vector<RaceBranch> branches;
  std::vector<Workflow> scopes;
  std::shared_ptr<CancelToken> token;
  WorkflowRun* run = nullptr;
  std::optional<std::size_t> winner;
  std::vector<Value> values;
  std::vector<std::exception_ptr> errors;
};

Task<void> run_race_branch(std::shared_ptr<RaceState> st, std::size_t i) {
  try {
    st->values[i] = co_await st->branches[i].run(st->scopes[i]);
  } catch (...) {
    st->errors[i] = std::current_exception();
  }
  if (!st->winner) {
    st->winner = i;
    st->token->cancelled = true;
    st->run->wake_waiters();
  }
}

auto spawn_branches(ActorInstance::Strand& strand, const std::shared_ptr<RaceState>& st) {
  using Op = decltype(boost::asio::co_spawn(strand, run_race_branch(st, 0), boost::asio::deferred));
  std::vector<Op> ops;
  ops.reserve(st->branches.size());
  for (std::size_t i = 0; i < st->branches.size(); ++i) {
    ops.push_back(boost::asio::co_spawn(strand, run_race_branch(st, i), boost::asio::deferred));
  }
  return ops;
}

Error invalid_race(const std::string& loc, const std::string& why) {
  Value meta = Value::object();
  meta["location"] = loc;
  return make_error(codes::kWorkflowInvalidRace, "race '" + loc + "': " + why, std::move(meta));
}

}  // namespace
}  // namespace detail

Task<RaceOutcome> Workflow::race(std::string name, std::vector<RaceBranch> branches) {
  check_live();
  const auto loc = location(name);
  if (auto e = run_->entry_of(loc, "race")) {
    run_->visit_prefix(loc + "/");
    co_return RaceOutcome{e->value("winner", std::size_t{0}), e->value("branch", std::string()),
                          e->value("result", Value())};
  }
  if (branches.empty()) {
    throw ErrorException(detail::invalid_race(loc, "it needs at least one branch"));
  }
  auto st = std::make_shared<detail::RaceState>();
  st->run = run_;
  st->token = std::make_shared<detail::CancelToken>();
  st->token->parent = cancel_;
  st->values.resize(branches.size());
  st->errors.resize(branches.size());
  std::set<std::string> names;
  for (std::size_t i = 0; i < branches.size(); ++i) {
    if (branches[i].name.empty()) {
      branches[i].name = std::to_string(i);
    }
    if (!names.insert(branches[i].name).second) {
      throw ErrorException(
          detail::invalid_race(loc, "two branches are named '" + branches[i].name + "'"));
    }
    st->scopes.emplace_back(*run_, loc + "/" + branches[i].name, st->token, frame_);
  }
  st->branches = std::move(branches);
  auto& rt = run_->runtime();
  const auto n = st->branches.size();
  // Each branch counts as running work until it waits; this coroutine only waits for them.
  for (std::size_t i = 0; i < n; ++i) {
    rt.enter_call();
  }
  rt.leave_call();
  auto ops = detail::spawn_branches(rt.strand(), st);
  co_await boost::asio::experimental::make_parallel_group(std::move(ops))
      .async_wait(boost::asio::experimental::wait_for_all(), boost::asio::use_awaitable);
  rt.enter_call();
  for (std::size_t i = 0; i < n; ++i) {
    rt.leave_call();
  }
  const auto winner = *st->winner;
  if (st->errors[winner]) {
    std::rethrow_exception(st->errors[winner]);
  }
  if (frame_) {
    detail::WorkflowRun::drop_scope(*frame_, loc + "/");
  }
  Value entry = Value::object();
  entry["kind"] = "race";
  entry["winner"] = winner;
  entry["branch"] = st->branches[winner].name;
  entry["result"] = st->values[winner];
  co_await run_->record(loc, std::move(entry));
  co_return RaceOutcome{winner, st->branches[winner].name, std::move(st->values[winner])};
}

// -- versions --

namespace {

Error workflow_error(const codes::Code& code, std::string message, const std::string& loc) {
  Value meta = Value::object();
  meta["location"] = loc;
  return make_error(code, std::move(message), std::move(meta));
}

bool known_entry_type(const std::string& type) {
  static const std::set<std::string, std::less<>> kTypes{
      "step",         "loop", "sleep", "message", "join", "race", "try", "rollback_checkpoint",
      "version_check"};
  return kTypes.contains(type);
}

}  // namespace

Task<int> Workflow::get_version(std::string name, int latest) {
  check_live();
  const auto loc = location(name);
  if (latest < 1) {
    throw ErrorException(workflow_error(codes::kWorkflowInvalidVersion,
                                        "get_version('" + loc + "'): latest must be >= 1", loc));
  }
  if (auto e = run_->entry_of(loc, "version_check")) {
    const auto pinned = e->value("version", 1);
    if (pinned > latest) {
      throw ErrorException(
          detail::history_diverged(loc, "version_check " + std::to_string(pinned),
                                   "version_check with latest " + std::to_string(latest)));
    }
    co_return pinned;
  }
  // Entries of this scope recorded but not replayed yet were written past this point by code
  // that had no gate here: that instance stays on the old behaviour.
  const int version = run_->has_unvisited(scope_, loc) ? 1 : latest;
  Value entry = Value::object();
  entry["kind"] = "version_check";
  entry["version"] = version;
  co_await run_->record(loc, std::move(entry));
  co_return version;
}

Task<void> Workflow::removed(std::string name, std::string original_type) {
  check_live();
  const auto loc = location(name);
  if (!known_entry_type(original_type)) {
    throw ErrorException(
        workflow_error(codes::kWorkflowInvalidEntryType,
                       "removed('" + loc + "'): unknown entry type '" + original_type + "'", loc));
  }
  (void)run_->entry_of(loc, original_type);
  run_->visit_prefix(loc + "/");
  run_->visit_prefix(loc + "[");
  co_return;
}

}  // namespace rivet

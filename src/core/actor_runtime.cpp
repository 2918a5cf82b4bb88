#include "core/actor_runtime.hpp"

#include <cstring>
#include <rivet/protocol/encoding.hpp>

#include "core/durable_commit.hpp"
#include "core/engine_core.hpp"
#include "core/state_keys.hpp"
#include "core/user_code.hpp"

namespace rivet::detail {

ActorRuntime::ActorRuntime(EngineCore& engine, const ActorDefinition& def,
                           storage::ActorRecord record)
    : engine_(engine),
      def_(def),
      record_(std::move(record)),
      strand_(boost::asio::make_strand(engine.executor_for(record_.actor_id))),
      started_signal_(strand_),
      run_loop_done_(strand_),
      queue_signal_(strand_),
      idle_signal_(strand_) {}

ActorIdentity ActorRuntime::identity() const {
  return ActorIdentity{record_.actor_id, record_.generation, record_.key, record_.name};
}

std::vector<std::shared_ptr<ConnRecord>> ActorRuntime::connections() const {
  std::vector<std::shared_ptr<ConnRecord>> out;
  out.reserve(conns_.size());
  for (const auto& [id, conn] : conns_) {
    out.push_back(conn);
  }
  return out;
}

Task<Result<Value>> ActorRuntime::invoke_action(std::shared_ptr<ConnRecord> conn, std::string name,
                                                Value args, const ScheduleRun* schedule) {
  auto started = co_await ensure_started();
  if (!started) {
    co_return started.error();
  }
  auto it = def_.actions.find(name);
  if (it == def_.actions.end()) {
    co_return errors::action_not_found(name);
  }
  enter_call();
  CallFrame frame{std::move(conn), {}, {}};
  if (frame.conn) {
    frame.conn_view.emplace(frame.conn.get(), &frame);
  }
  ActorContext ctx(*this, &frame);
  Result<Value> out = Value();
  if (auto sync = def_.sync_actions.find(name); sync != def_.sync_actions.end()) {
    out = run_sync_action(sync->second, ctx, args, "action");
  } else {
    out = co_await run_user_value_with_timeout(it->second(ctx, args), "action",
                                               def_.options.action_timeout);
  }
  if (out && def_.on_before_action_response) {
    out = co_await run_user_value(def_.on_before_action_response(ctx, name, args, std::move(*out)),
                                  "onBeforeActionResponse");
  }
  if (schedule != nullptr) {
    retire_schedule(*schedule, out);
  }
  auto finished = co_await finish_call(frame, true);
  leave_call();
  maybe_stop_after_call();
  if (!finished) {
    co_return finished.error();
  }
  co_return out;
}

Task<Result<void>> ActorRuntime::finish_call(CallFrame& frame, bool is_action) {
  if (state_ && is_action && def_.on_state_change) {
    Bytes snapshot;
    try {
      snapshot = protocol::encode_compat_cbor(state_->to_value());
    } catch (const std::exception& e) {
      log_failure("state serialization", make_error("core", "internal_error", e.what()));
      co_return errors::internal();
    }
    if (!same_as_submitted(snapshot)) {
      ActorContext ctx(*this, &frame);
      auto hooked = co_await run_user(def_.on_state_change(ctx), "onStateChange");
      if (!hooked) {
        log_failure("onStateChange", hooked.error());
      }
    }
  }
  auto persisted = co_await persist_state(false);
  if (!persisted) {
    log_failure("state persistence", persisted.error());
    co_return persisted;
  }
  deliver(frame.events);
  if (!frame.auto_completed.empty()) {
    notify_completed(frame.auto_completed);
    frame.auto_completed.clear();
  }
  co_return Result<void>{};
}

Task<Result<void>> ActorRuntime::persist_state(bool force) {
  storage::WriteBatch batch;
  const bool inserts_record = unborn_;
  if (inserts_record) {
    batch.ops.emplace_back(storage::WriteBatch::InsertActor{record_});
  }
  if (state_) {
    Bytes snapshot;
    try {
      snapshot = protocol::encode_compat_cbor(state_->to_value());
    } catch (const std::exception& e) {
      log_failure("state serialization", make_error("core", "internal_error", e.what()));
      co_return errors::internal();
    }
    if (force || !same_as_submitted(snapshot)) {
      last_submitted_state_.assign(snapshot.begin(), snapshot.end());
      batch.ops.emplace_back(
          storage::WriteBatch::Put{record_.actor_id, kStateKey, std::move(snapshot)});
    }
  }
  for (auto& op : pending_writes_.ops) {
    batch.ops.push_back(std::move(op));
  }
  pending_writes_.ops.clear();
  auto alarms = std::move(pending_alarms_);
  pending_alarms_.clear();
  // Nothing new and nothing in flight: the caller's view is already durable.
  if (batch.empty() && durable_seq_ == submitted_seq_) {
    co_return Result<void>{};
  }
  // An empty batch still waits for everything queued before it (Store contract), so a call that
  // read state another call changed does not answer before that change is durable.
  const auto seq = ++submitted_seq_;
  auto result = co_await commit_durably(engine_.store(), std::move(batch));
  if (result && seq > durable_seq_) {
    durable_seq_ = seq;
  }
  if (result && inserts_record) {
    unborn_ = false;
  }
  if (result) {
    for (auto due : alarms) {
      engine_.add_alarm(record_.actor_id, due);
    }
  }
  co_return result;
}

bool ActorRuntime::same_as_submitted(const Bytes& snapshot) const noexcept {
  return snapshot.size() == last_submitted_state_.size() &&
         (snapshot.empty() ||
          std::memcmp(snapshot.data(), last_submitted_state_.data(), snapshot.size()) == 0);
}

void ActorRuntime::deliver(std::vector<PendingEvent>& events) {
  // One SharedEvent per event, whatever the number of receivers (encoded once per encoding).
  // Events go out one at a time, each handed over before the next: a connection gets an actor's
  // events in order.
  SequentialEventPublisher sequential;
  EventPublisher& publisher =
      engine_.options().publisher ? *engine_.options().publisher : sequential;
  std::vector<ConnectionSink*> sinks;
  for (auto& ev : events) {
    if (ev.target) {
      if (!ev.target->disconnected && ev.target->sink) {
        ev.target->sink->send_shared_event(
            std::make_shared<const SharedEvent>(std::move(ev.name), std::move(ev.args)));
      }
      continue;
    }
    sinks.clear();
    for (const auto& [id, conn] : conns_) {
      if (conn->sink && !conn->disconnected && conn->subscriptions.contains(ev.name)) {
        sinks.push_back(conn->sink.get());
      }
    }
    if (sinks.empty()) {
      continue;
    }
    publisher.publish(sinks,
                      std::make_shared<const SharedEvent>(std::move(ev.name), std::move(ev.args)));
  }
  events.clear();
}

void ActorRuntime::maybe_stop_after_call() {
  if (stop_scheduled_ || !(sleep_requested_ || destroy_requested_)) {
    return;
  }
  stop_scheduled_ = true;
  engine_.spawn(strand_, [](std::shared_ptr<ActorRuntime> self) -> Task<void> {
    co_await self->stop(self->destroy_requested_);
  }(shared_from_this()));
}

void ActorRuntime::leave_call() {
  if (--running_calls_ == 0) {
    idle_signal_.notify_all();
    note_idle();
  }
}

bool ActorRuntime::is_idle() const noexcept {
  if (running_calls_ > 0) {
    return false;
  }
  for (const auto& [id, conn] : conns_) {
    if (!conn->transient) {
      return false;
    }
  }
  return true;
}

void ActorRuntime::note_idle() {
  if (run_state_ != RunState::Running || !is_idle()) {
    return;
  }
  // Only the deadline moves here; the sweeper entry made earlier fires at the older deadline and
  // re-registers the actor then (on_idle_due), so a busy actor costs nothing per call.
  idle_deadline_ = RuntimeClock::now() + def_.options.sleep_timeout;
  if (!idle_watched_) {
    idle_watched_ = true;
    engine_.watch_idle(shared_from_this(), idle_deadline_);
  }
}

void ActorRuntime::on_idle_due() {
  idle_watched_ = false;
  if (run_state_ != RunState::Running || !is_idle()) {
    return;  // stopped, or busy: the next note_idle() registers it again
  }
  if (RuntimeClock::now() < idle_deadline_) {
    idle_watched_ = true;
    engine_.watch_idle(shared_from_this(), idle_deadline_);
    return;
  }
  engine_.spawn(strand_, [](std::shared_ptr<ActorRuntime> self) -> Task<void> {
    co_await self->stop(false);
  }(shared_from_this()));
}

Task<void> ActorRuntime::wait_until_idle() {
  while (running_calls_ > 0) {
    co_await idle_signal_.wait();
  }
}

}  // namespace rivet::detail

#include "core/actor_runtime.hpp"

#include <cstring>
#include <rivet/protocol/encoding.hpp>

#include "core/durable_commit.hpp"
#include "core/engine_core.hpp"
#include "core/state_keys.hpp"
#include "core/user_code.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <span>

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
      log_failure("state serialization", make_error(codes::kCoreInternalError, e.what()));
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
      log_failure("state serialization", make_error(codes::kCoreInternalError, e.what()));
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

namespace {

// A broadcast to this many connections or more is shared with another engine thread.
constexpr std::size_t kSharedFanout = 128;
// Connections taken at a time by each side (and handed to a transport's batcher together).
constexpr std::size_t kFanoutChunk = 32;

// Sends `event` to each sink, handing runs of sinks that share a batcher to it in one call.
void send_to_all(std::span<ConnectionSink* const> sinks,
                 const std::shared_ptr<const SharedEvent>& event) {
  std::size_t run_start = 0;
  SharedEventBatcher* run_batcher = nullptr;
  auto flush = [&](std::size_t end) {
    if (end == run_start) {
      return;
    }
    if (run_batcher != nullptr) {
      run_batcher->send_shared_event(sinks.subspan(run_start, end - run_start), event);
    } else {
      for (auto i = run_start; i < end; ++i) {
        sinks[i]->send_shared_event(event);
      }
    }
    run_start = end;
  };
  for (std::size_t i = 0; i < sinks.size(); ++i) {
    auto* batcher = sinks[i]->batcher();
    if (batcher != run_batcher) {
      flush(i);
      run_batcher = batcher;
    }
  }
  flush(sinks.size());
}

// One broadcast handed out in chunks to the actor's thread and to one helper posted on the
// engine's executor. Whoever is free takes the next chunk; the actor's thread then waits only
// for chunks the helper has already taken, so nothing depends on the helper ever running (a
// busy or single-threaded engine: it finds no work left).
struct Fanout {
  std::vector<ConnectionSink*> sinks;  // alive: the actor's strand waits in deliver()
  std::shared_ptr<const SharedEvent> event;
  std::atomic<std::size_t> next{0};
  std::atomic<int> working{0};  // sides between "about to take a chunk" and "chunk done"

  void run() {
    for (;;) {
      working.fetch_add(1);  // before taking, so the waiter cannot miss a taken chunk
      const auto first = next.fetch_add(kFanoutChunk);
      if (first >= sinks.size()) {
        finish();
        return;
      }
      const auto last = std::min(sinks.size(), first + kFanoutChunk);
      send_to_all(std::span(sinks).subspan(first, last - first), event);
      finish();
    }
  }
  void finish() {
    if (working.fetch_sub(1) == 1) {
      working.notify_all();
    }
  }
  void wait_done() {
    for (int seen = working.load(); seen != 0; seen = working.load()) {
      working.wait(seen);
    }
  }
};

}  // namespace

void ActorRuntime::deliver(std::vector<PendingEvent>& events) {
  // One SharedEvent per event, whatever the number of receivers (encoded once per encoding).
  // Sinks are called one event at a time: a connection gets an actor's events in order.
  for (auto& ev : events) {
    std::shared_ptr<const SharedEvent> shared;
    if (ev.target) {
      if (!ev.target->disconnected && ev.target->sink) {
        shared = std::make_shared<const SharedEvent>(std::move(ev.name), std::move(ev.args));
        ev.target->sink->send_shared_event(shared);
      }
      continue;
    }
    std::vector<ConnectionSink*> sinks;
    for (const auto& [id, conn] : conns_) {
      if (conn->sink && !conn->disconnected && conn->subscriptions.contains(ev.name)) {
        sinks.push_back(conn->sink.get());
      }
    }
    if (sinks.empty()) {
      continue;
    }
    shared = std::make_shared<const SharedEvent>(ev.name, std::move(ev.args));
    if (sinks.size() < kSharedFanout) {
      for (std::size_t first = 0; first < sinks.size(); first += kFanoutChunk) {
        const auto n = std::min(kFanoutChunk, sinks.size() - first);
        send_to_all(std::span(sinks).subspan(first, n), shared);
      }
      continue;
    }
    // A large broadcast: its transport work (a send per connection, mostly kernel time) is
    // split with a second thread; sinks are thread-safe. Done before the next event starts.
    auto fanout = std::make_shared<Fanout>();
    fanout->sinks = std::move(sinks);
    fanout->event = std::move(shared);
    boost::asio::post(engine_.neighbour_of(record_.actor_id), [fanout] { fanout->run(); });
    fanout->run();
    fanout->wait_done();
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

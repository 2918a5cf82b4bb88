// Durable queues: rows under the queue prefix, an in-memory index per awake actor, receivers
// woken through a strand-local signal, senders waiting for completion through the runtime, and
// the run loop that drains the queue.

#include "core/actor/message_queue.hpp"

#include <rivet/core/queue.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/state_keys.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace rivet::detail {

namespace {

constexpr auto kFirstRestartDelay = std::chrono::milliseconds(250);
constexpr auto kMaxRestartDelay = std::chrono::milliseconds(30'000);

Value message_row(const std::string& name, const Value& body, std::int64_t created_at) {
  Value row = Value::object();
  row["name"] = name;
  row["body"] = body;
  row["createdAt"] = created_at;
  return row;
}

bool matches(const std::vector<std::string>& names, const std::string& name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool MessageQueue::declares(const ActorDefinition& def, std::string_view name) noexcept {
  return std::find(def.queues.begin(), def.queues.end(), name) != def.queues.end();
}

Result<void> MessageQueue::load(ActorInstance& rt) {
  auto rows = rt.runtime().store().kv_prefix(rt.record().actor_id, Bytes{kQueuePrefix},
                                            static_cast<std::size_t>(-1));
  if (!rows) {
    return rows.error();
  }
  for (auto& row : *rows) {
    std::uint64_t id = 0;
    for (std::size_t i = 1; i < row.key.size(); ++i) {
      id = (id << 8) | row.key[i];
    }
    auto decoded = protocol::decode_compat_cbor(row.value);
    if (!decoded || !decoded->is_object()) {
      continue;
    }
    messages_[id] =
        StoredMessage{decoded->value("name", std::string()), decoded->value("body", Value()),
                      decoded->value("createdAt", std::int64_t{0}), false};
    next_id_ = std::max(next_id_, id + 1);
  }
  return Result<void>{};
}

Task<Result<std::uint64_t>> MessageQueue::push(ActorInstance& rt, std::string name, Value body,
                                               std::shared_ptr<QueueWaiter> waiter) {
  const auto& def = rt.definition();
  const auto& actor_id = rt.record().actor_id;
  auto started = co_await rt.ensure_started();
  if (!started) {
    co_return started.error();
  }
  if (messages_.size() >= def.options.max_queue_size) {
    Value meta = Value::object();
    meta["limit"] = def.options.max_queue_size;
    co_return make_error(
        codes::kQueueFull,
        "Queue is full. Limit is " + std::to_string(def.options.max_queue_size) + " messages.",
        std::move(meta));
  }
  const auto id = next_id_++;
  const auto created = rt.clock().wall_ms();
  storage::WriteBatch batch;
  batch.ops.emplace_back(
      storage::WriteBatch::Put{actor_id, queue_key(id),
                               protocol::encode_compat_cbor(message_row(name, body, created))});
  // Register before publishing: the message may complete before the sender looks again.
  if (waiter) {
    rt.runtime().waiters().add(actor_id, id, waiter);
  }
  messages_[id] = StoredMessage{std::move(name), std::move(body), created, false};
  if (rt.metrics() != nullptr) {
    rt.metrics()->queue_depth(1);
  }
  auto done = co_await rt.commit_own(std::move(batch));
  if (!done) {
    if (messages_.erase(id) != 0 && rt.metrics() != nullptr) {
      rt.metrics()->queue_depth(-1);
    }
    rt.runtime().waiters().drop(actor_id, id);
    co_return done.error();
  }
  arrived_.notify_all();
  co_return id;
}

std::optional<QueueMessage> MessageQueue::take(ActorInstance& rt,
                                               const std::vector<std::string>& names,
                                               CallFrame* frame) {
  for (auto& [id, msg] : messages_) {
    if (msg.in_flight || !matches(names, msg.name)) {
      continue;
    }
    QueueMessage out(&rt, frame, id, msg.name, msg.body, msg.created_at);
    if (frame->run_loop) {
      msg.in_flight = true;
      ++msg.attempts;
      const auto start = SpanStart::now(rt.clock());
      msg.taken_unix_ns = start.unix_ns;
      msg.taken_at = start.at;
      frame->in_flight = id;
    } else {
      rt.trace(SpanStart::now(rt.clock()), SpanKind::QueueMessage, msg.name, std::nullopt,
               "message " + std::to_string(id) + " received");
      // Outside the run loop receiving removes the message, committed with the call's state.
      rt.state().stage_write(storage::WriteBatch::Delete{rt.record().actor_id, queue_key(id)});
      frame->auto_completed.push_back(id);
      messages_.erase(id);
      counted_out(rt);
    }
    return out;
  }
  return std::nullopt;
}

Task<void> MessageQueue::wait(ActorInstance& rt, Clock::time_point deadline) {
  if (deadline == Clock::time_point::max()) {
    co_await arrived_.wait();
    co_return;
  }
  Timer timer(rt.clock(), rt.strand());
  timer.expires_at(deadline);
  co_await (arrived_.wait() || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
}

Task<void> MessageQueue::complete(ActorInstance& rt, std::uint64_t id, Value response,
                                  CallFrame* frame) {
  auto it = messages_.find(id);
  if (it == messages_.end()) {
    co_return;  // already completed
  }
  const SpanStart began = it->second.taken_unix_ns != 0
                              ? SpanStart{it->second.taken_unix_ns, it->second.taken_at}
                              : SpanStart::now(rt.clock());
  std::string name = std::move(it->second.name);
  messages_.erase(it);
  counted_out(rt);
  if (frame->in_flight == id) {
    frame->in_flight.reset();
  }
  rt.state().stage_write(storage::WriteBatch::Delete{rt.record().actor_id, queue_key(id)});
  auto finished = co_await rt.finish_call(*frame, true);
  rt.trace(began, SpanKind::QueueMessage, std::move(name),
           finished ? std::nullopt : std::optional<Error>(finished.error()),
           "message " + std::to_string(id));
  if (!finished) {
    rt.log_failure("completing a queue message", finished.error());
    co_return;
  }
  rt.runtime().waiters().complete(
      rt.record().actor_id, id,
      is_undefined(response) ? std::nullopt : std::optional<Value>(response));
}

void MessageQueue::counted_out(ActorInstance& rt) {
  if (auto* m = rt.metrics()) {
    m->queue_depth(-1);
    m->queue_processed();
  }
}

void MessageQueue::consume(ActorInstance& rt, std::uint64_t id, CallFrame& frame) {
  if (messages_.erase(id) != 0) {
    counted_out(rt);
  }
  if (frame.in_flight == id) {
    frame.in_flight.reset();
  }
  rt.state().stage_write(storage::WriteBatch::Delete{rt.record().actor_id, queue_key(id)});
}

void MessageQueue::notify_completed(ActorInstance& rt, const std::vector<std::uint64_t>& ids) {
  for (auto id : ids) {
    rt.runtime().waiters().complete(rt.record().actor_id, id, std::nullopt);
  }
}

void MessageQueue::requeue_in_flight(ActorInstance& rt) {
  for (auto& [id, msg] : messages_) {
    if (msg.in_flight) {
      const auto requeued = make_error(codes::kActorAborted,
                                       "the run handler ended before completing the message; "
                                       "it is delivered again");
      rt.trace(SpanStart{msg.taken_unix_ns, msg.taken_at}, SpanKind::QueueMessage, msg.name,
               requeued, "message " + std::to_string(id));
    }
    msg.in_flight = false;
  }
  arrived_.notify_all();
}

Task<void> MessageQueue::run_loop(std::shared_ptr<ActorInstance> self) {
  auto restart_delay = kFirstRestartDelay;
  while (self->run_state() == RunState::Running) {
    CallFrame frame;
    frame.run_loop = true;
    ActorContext ctx(*self, &frame);
    self->enter_call();
    auto ran = co_await self->run_user(self->definition().run(ctx), "run");
    // Messages taken but not completed are delivered again (at least once).
    self->queue().requeue_in_flight(*self);
    auto finished = co_await self->finish_call(frame, false);
    if (!finished) {
      self->log_failure("run loop save", finished.error());
    }
    self->leave_call();
    if (self->run_state() != RunState::Running || ran || ran.error().is(codes::kActorAborted)) {
      break;
    }
    self->log_failure("run handler", ran.error());
    Timer timer(self->clock(), self->strand(), restart_delay);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    restart_delay = std::min(restart_delay * 2, kMaxRestartDelay);
  }
  self->queue().run_loop_gate().leave();
}

}  // namespace rivet::detail

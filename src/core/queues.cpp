// Durable queues: rows under the queue prefix, an in-memory index per awake actor, receivers
// woken through a strand-local signal, and senders waiting for completion through the engine.

#include <rivet/core/queue.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/actor_runtime.hpp"
#include "core/durable_commit.hpp"
#include "core/engine_core.hpp"
#include "core/ids.hpp"
#include "core/state_keys.hpp"
#include "core/user_code.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace rivet {

namespace {

Error aborted_error() {
  return make_error(codes::kActorAborted, "The actor is stopping.");
}

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

// -- EngineCore: waiting senders ---------------------------------------------------------------

namespace detail {

void EngineCore::register_waiter(const std::string& actor_id, std::uint64_t id,
                                 std::shared_ptr<QueueWaiter> w) {
  std::lock_guard lock(waiter_mu_);
  waiters_[{actor_id, id}] = std::move(w);
}

void EngineCore::drop_waiter(const std::string& actor_id, std::uint64_t id) {
  std::lock_guard lock(waiter_mu_);
  waiters_.erase({actor_id, id});
}

void EngineCore::complete_waiter(const std::string& actor_id, std::uint64_t id,
                                 std::optional<Value> response) {
  std::shared_ptr<QueueWaiter> w;
  {
    std::lock_guard lock(waiter_mu_);
    auto it = waiters_.find({actor_id, id});
    if (it == waiters_.end()) {
      return;
    }
    w = std::move(it->second);
    waiters_.erase(it);
  }
  asio::post(w->timer.get_executor(), [w, response = std::move(response)]() mutable {
    w->done = true;
    w->response = std::move(response);
    w->timer.cancel();
  });
}

// -- ActorRuntime: the queue -------------------------------------------------------------------

bool ActorRuntime::declares_queue(std::string_view name) const noexcept {
  return std::find(def_.queues.begin(), def_.queues.end(), name) != def_.queues.end();
}

Result<void> ActorRuntime::load_queue() {
  auto rows = engine_.store().kv_prefix(record_.actor_id, Bytes{kQueuePrefix},
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
    queue_[id] =
        StoredMessage{decoded->value("name", std::string()), decoded->value("body", Value()),
                      decoded->value("createdAt", std::int64_t{0}), false};
    next_message_id_ = std::max(next_message_id_, id + 1);
  }
  return Result<void>{};
}

Task<Result<std::uint64_t>> ActorRuntime::enqueue(std::string name, Value body,
                                                  std::shared_ptr<QueueWaiter> waiter) {
  auto started = co_await ensure_started();
  if (!started) {
    co_return started.error();
  }
  if (queue_.size() >= def_.options.max_queue_size) {
    Value meta = Value::object();
    meta["limit"] = def_.options.max_queue_size;
    co_return make_error(
        codes::kQueueFull,
        "Queue is full. Limit is " + std::to_string(def_.options.max_queue_size) + " messages.",
        std::move(meta));
  }
  const auto id = next_message_id_++;
  const auto created = now_ms();
  storage::WriteBatch batch;
  batch.ops.emplace_back(
      storage::WriteBatch::Put{record_.actor_id, queue_key(id),
                               protocol::encode_compat_cbor(message_row(name, body, created))});
  // Register before publishing: the message may complete before the sender looks again.
  if (waiter) {
    engine_.register_waiter(record_.actor_id, id, waiter);
  }
  queue_[id] = StoredMessage{std::move(name), std::move(body), created, false};
  auto done = co_await commit_durably(engine_.store(), std::move(batch));
  if (!done) {
    queue_.erase(id);
    engine_.drop_waiter(record_.actor_id, id);
    co_return done.error();
  }
  queue_signal_.notify_all();
  co_return id;
}

std::optional<QueueMessage> ActorRuntime::take(const std::vector<std::string>& names,
                                               CallFrame* frame) {
  for (auto& [id, msg] : queue_) {
    if (msg.in_flight || !matches(names, msg.name)) {
      continue;
    }
    QueueMessage out(this, frame, id, msg.name, msg.body, msg.created_at);
    if (frame->run_loop) {
      msg.in_flight = true;
      frame->in_flight = id;
    } else {
      // Outside the run loop receiving removes the message, committed with the call's state.
      pending_writes_.ops.emplace_back(
          storage::WriteBatch::Delete{record_.actor_id, queue_key(id)});
      frame->auto_completed.push_back(id);
      queue_.erase(id);
    }
    return out;
  }
  return std::nullopt;
}

Task<void> ActorRuntime::wait_for_message(RuntimeClock::time_point deadline) {
  if (deadline == RuntimeClock::time_point::max()) {
    co_await queue_signal_.wait();
    co_return;
  }
  Timer timer(strand_, deadline);
  co_await (queue_signal_.wait() || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
}

Task<void> ActorRuntime::complete_message(std::uint64_t id, Value response, CallFrame* frame) {
  auto it = queue_.find(id);
  if (it == queue_.end()) {
    co_return;  // already completed
  }
  queue_.erase(it);
  if (frame->in_flight == id) {
    frame->in_flight.reset();
  }
  pending_writes_.ops.emplace_back(storage::WriteBatch::Delete{record_.actor_id, queue_key(id)});
  auto finished = co_await finish_call(*frame, true);
  if (!finished) {
    log_failure("completing a queue message", finished.error());
    co_return;
  }
  engine_.complete_waiter(record_.actor_id, id,
                          is_undefined(response) ? std::nullopt : std::optional<Value>(response));
}

void ActorRuntime::consume_message(std::uint64_t id, CallFrame& frame) {
  queue_.erase(id);
  if (frame.in_flight == id) {
    frame.in_flight.reset();
  }
  pending_writes_.ops.emplace_back(storage::WriteBatch::Delete{record_.actor_id, queue_key(id)});
}

void ActorRuntime::notify_completed(const std::vector<std::uint64_t>& ids) {
  for (auto id : ids) {
    engine_.complete_waiter(record_.actor_id, id, std::nullopt);
  }
}

void ActorRuntime::requeue_in_flight() {
  for (auto& [id, msg] : queue_) {
    msg.in_flight = false;
  }
  queue_signal_.notify_all();
}

}  // namespace detail

// -- public API ----------------------------------------------------------------------------------

Task<void> QueueMessage::complete(Value response) {
  co_await rt_->complete_message(id_, std::move(response), frame_);
}

Task<std::optional<QueueMessage>> QueueApi::next(QueueReceive options) {
  const auto deadline = options.timeout ? detail::RuntimeClock::now() + *options.timeout
                                        : detail::RuntimeClock::time_point::max();
  for (;;) {
    if (rt_->aborting()) {
      throw ErrorException(aborted_error());
    }
    if (frame_->run_loop && frame_->in_flight) {
      // Asking for the next message completes the previous one.
      co_await rt_->complete_message(*frame_->in_flight, undefined_value(), frame_);
    }
    if (auto msg = rt_->take(options.names, frame_)) {
      co_return msg;
    }
    if (detail::RuntimeClock::now() >= deadline) {
      co_return std::nullopt;
    }
    // A run loop that only waits lets the actor sleep.
    if (frame_->run_loop) {
      rt_->leave_call();
    }
    co_await rt_->wait_for_message(deadline);
    if (frame_->run_loop) {
      rt_->enter_call();
    }
  }
}

Task<std::vector<QueueMessage>> QueueApi::next_batch(std::size_t count, QueueReceive options) {
  std::vector<QueueMessage> out;
  if (count == 0) {
    co_return out;
  }
  auto first = co_await next(options);
  if (!first) {
    co_return out;
  }
  out.push_back(std::move(*first));
  while (out.size() < count) {
    auto more = rt_->take(options.names, frame_);
    if (!more) {
      break;
    }
    out.push_back(std::move(*more));
  }
  co_return out;
}

std::optional<QueueMessage> QueueApi::try_next(std::vector<std::string> names) {
  return rt_->take(names, frame_);
}

Task<void> QueueApi::send(std::string name, Value body) {
  auto sent = co_await rt_->enqueue(std::move(name), std::move(body), nullptr);
  if (!sent) {
    throw ErrorException(sent.error());
  }
}

std::size_t QueueApi::size() const noexcept {
  return rt_->queue_size();
}

}  // namespace rivet

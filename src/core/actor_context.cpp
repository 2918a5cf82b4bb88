#include <rivet/core/actor.hpp>
#include <rivet/core/actor_context.hpp>
#include <rivet/core/actor_ref.hpp>
#include <rivet/core/database.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/ids.hpp"
#include "core/actor/user_code.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace rivet {

// -- Conn ------------------------------------------------------------------------------------

const std::string& Conn::id() const noexcept {
  return rec_->id;
}

const Value& Conn::params() const noexcept {
  return rec_->params;
}

Value& Conn::state() noexcept {
  return rec_->state;
}

void Conn::send_values(std::string event, Value args) {
  // The argument list travels escaped, as in broadcast_values.
  frame_->events.push_back(detail::PendingEvent{rec_->shared_from_this(), std::move(event),
                                                escape_list(std::move(args))});
}

// -- realtime --
void* Conn::typed_state(const std::type_info& type) const {
  if (!rec_->typed_state || rec_->typed_state_type == nullptr || *rec_->typed_state_type != type) {
    throw ErrorException(make_error(codes::kCoreInternalError,
                                    std::string("connection state is not of type ") + type.name()));
  }
  return rec_->typed_state.get();
}

void Conn::disconnect(std::string reason) {
  if (rec_->sink && !rec_->disconnected) {
    rec_->sink->close(std::move(reason), false);
  }
}

// -- ActorContext ----------------------------------------------------------------------------

const std::string& ActorContext::actor_id() const noexcept {
  return rt_->record().actor_id;
}

const std::string& ActorContext::name() const noexcept {
  return rt_->record().name;
}

const protocol::ActorKey& ActorContext::key() const noexcept {
  return rt_->key();
}

void ActorContext::broadcast_values(std::string event, Value args) {
  frame_->events.push_back(
      detail::PendingEvent{nullptr, std::move(event), escape_list(std::move(args))});
}

Conn* ActorContext::conn() noexcept {
  if (frame_ == nullptr || !frame_->conn_view) {
    return nullptr;
  }
  return &*frame_->conn_view;
}

std::vector<Conn> ActorContext::conns() noexcept {
  std::vector<Conn> out;
  for (const auto& conn : rt_->conns().all()) {
    if (!conn->disconnected) {
      out.emplace_back(conn.get(), frame_);
    }
  }
  return out;
}

Conn& ActorContext::require_conn() {
  auto* c = conn();
  if (c == nullptr) {
    throw ErrorException(make_error(codes::kCoreInternalError, "this call has no connection"));
  }
  return *c;
}

Kv ActorContext::kv() noexcept {
  return Kv(*rt_);
}

Schedule ActorContext::schedule() noexcept {
  return Schedule(*rt_);
}

Cron ActorContext::cron() noexcept { return Cron(*rt_); }

QueueApi ActorContext::queue() noexcept { return QueueApi(*rt_, frame_); }

bool ActorContext::aborted() const noexcept { return rt_->aborting(); }

Task<void> ActorContext::save() {
  if (frame_ == nullptr) {
    co_return;
  }
  auto saved = co_await rt_->commit_call(*frame_);
  if (!saved) {
    throw ErrorException(saved.error());
  }
}

Task<void> ActorContext::delay(std::chrono::milliseconds duration) {
  const auto& clock = rt_->clock();
  const auto deadline = clock.now() + duration;
  Timer timer(clock, co_await boost::asio::this_coro::executor);
  for (;;) {
    timer.expires_at(deadline);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (clock.now() >= deadline) {
      co_return;
    }
    // Woken early: either the call was cancelled (an action timeout), or a clock that jumps (a
    // test's ManualClock) woke every timer to re-check. Only the first ends the wait early.
    auto state = co_await boost::asio::this_coro::cancellation_state;
    if (state.cancelled() != boost::asio::cancellation_type::none) {
      throw boost::system::system_error(ec ? ec : boost::asio::error::operation_aborted);
    }
  }
}

namespace {

Task<void> run_awake(std::shared_ptr<detail::ActorInstance> rt, Task<void> task) {
  auto done = co_await rt->run_user(std::move(task), "waitUntil");
  if (!done) {
    rt->log_failure("waitUntil", done.error());
  }
  rt->leave_call();
}

}  // namespace

void ActorContext::wait_until(Task<void> task) {
  rt_->enter_call();
  rt_->runtime().spawn(rt_->strand(), run_awake(rt_->shared_from_this(), std::move(task)));
}

std::int64_t ActorContext::now_ms() const noexcept {
  return rt_->clock().wall_ms();
}

ActorClient ActorContext::client() const noexcept {
  return ActorClient(rt_->runtime().facade());
}

Database ActorContext::db() {
  auto* db = runtime().database();
  if (db == nullptr) {
    throw ErrorException(make_error(codes::kActorNoDatabase,
                                    "This actor has no database; declare it with database()."));
  }
  return Database(*db);
}

void ActorContext::sleep() {
  rt_->request_sleep();
}

void ActorContext::destroy() {
  rt_->request_destroy();
}

void* ActorContext::state_ptr() const noexcept {
  return rt_->state_ptr();
}

void* ActorContext::vars_ptr() const noexcept {
  return rt_->vars_ptr();
}

namespace detail {

void throw_invalid_argument(std::size_t index, const char* what) {
  throw ErrorException(
      make_error(codes::kActorInvalidArgument,
                 "Argument " + std::to_string(index + 1) + " has the wrong type: " + what));
}

}  // namespace detail
}  // namespace rivet

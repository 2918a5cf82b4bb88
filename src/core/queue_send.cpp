// A client's queue send (Runtime::send_queue), with an optional wait for the message's completion.

#include <rivet/core/runtime.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/client_work.hpp"
#include "core/runtime/runtime_core.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace rivet {

namespace {

constexpr auto kLongestWait = std::chrono::minutes(5);

/// On the actor strand: connect sequence around the push. 0 = nothing stored.
Task<Result<std::uint64_t>> send_on_strand(std::shared_ptr<detail::ActorInstance> rt, Value params,
                                           std::string name, Value body,
                                           std::shared_ptr<detail::QueueWaiter> waiter) {
  auto conn = co_await rt->open_conn(std::move(params), nullptr, true);
  if (!conn) {
    co_return conn.error();
  }
  Result<std::uint64_t> id = std::uint64_t{0};
  if (detail::MessageQueue::declares(rt->definition(), name)) {
    id = co_await rt->queue().push(*rt, std::move(name), std::move(body), std::move(waiter));
  }
  co_await rt->close_conn(*conn);
  co_return id;
}

/// True when the message completed within `timeout`.
Task<bool> wait_completed(std::shared_ptr<detail::QueueWaiter> waiter, const Clock& clock,
                          std::chrono::milliseconds timeout) {
  Timer give_up(clock, co_await asio::this_coro::executor, timeout);
  co_await (waiter->done.wait() || give_up.async_wait(asio::as_tuple(asio::use_awaitable)));
  co_return waiter->done.is_set();
}

}  // namespace

namespace detail {

Task<Result<Runtime::QueueSendResult>> send_queue(
    std::shared_ptr<RuntimeCore> core, std::string actor_id, Value params, std::string name,
    Value body, bool wait, std::optional<std::chrono::milliseconds> timeout) {
  using QueueSendResult = Runtime::QueueSendResult;
  std::shared_ptr<detail::QueueWaiter> waiter;
  if (wait) {
    waiter = std::make_shared<detail::QueueWaiter>();
  }
  auto sent = co_await core->with_actor<std::uint64_t>(
      actor_id, [&](std::shared_ptr<detail::ActorInstance> rt) {
        return send_on_strand(std::move(rt), params, name, body, waiter);
      });
  if (!sent) {
    co_return sent.error();
  }
  if (!wait || *sent == 0) {
    co_return QueueSendResult{"completed", std::nullopt};
  }
  const auto limit =
      std::min<std::chrono::milliseconds>(timeout.value_or(kLongestWait), kLongestWait);
  if (!co_await wait_completed(waiter, core->clock(), limit)) {
    core->waiters().drop(actor_id, *sent);
    co_return QueueSendResult{"timedOut", std::nullopt};
  }
  co_return QueueSendResult{"completed", waiter->response};
}

}  // namespace detail
}  // namespace rivet

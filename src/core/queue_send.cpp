// Engine::send_queue: a client's send, with an optional wait for the message's completion.

#include <rivet/core/engine.hpp>

#include "core/actor_runtime.hpp"
#include "core/engine_core.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;

namespace rivet {

namespace {

constexpr int kStoppingRetries = 2000;
constexpr auto kStoppingRetryDelay = std::chrono::milliseconds(2);
constexpr auto kLongestWait = std::chrono::minutes(5);

/// On the actor strand: connect sequence around the enqueue. 0 = nothing enqueued.
Task<Result<std::uint64_t>> send_on_strand(std::shared_ptr<detail::ActorRuntime> rt, Value params,
                                           std::string name, Value body,
                                           std::shared_ptr<detail::QueueWaiter> waiter) {
  auto conn = co_await rt->open_conn(std::move(params), nullptr, true);
  if (!conn) {
    co_return conn.error();
  }
  Result<std::uint64_t> id = std::uint64_t{0};
  if (rt->declares_queue(name)) {
    id = co_await rt->enqueue(std::move(name), std::move(body), std::move(waiter));
  }
  co_await rt->close_conn(*conn);
  co_return id;
}

/// On the waiter's strand, where completion is posted too.
Task<bool> wait_on_strand(std::shared_ptr<detail::QueueWaiter> waiter,
                          std::chrono::milliseconds timeout) {
  if (!waiter->done) {
    waiter->timer.expires_after(timeout);
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return waiter->done;
}

Task<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

Task<Result<Engine::QueueSendResult>> Engine::send_queue(
    std::string actor_id, Value params, std::string name, Value body, bool wait,
    std::optional<std::chrono::milliseconds> timeout) {
  auto core = impl_->core;
  std::shared_ptr<detail::QueueWaiter> waiter;
  if (wait) {
    waiter = std::make_shared<detail::QueueWaiter>(asio::make_strand(core->executor()));
  }
  for (int attempt = 0; attempt < kStoppingRetries; ++attempt) {
    auto rt = core->runtime_for(actor_id);
    if (!rt) {
      co_return rt.error();
    }
    auto sent = co_await asio::co_spawn(
        (*rt)->strand(), send_on_strand(*rt, params, name, body, waiter), asio::use_awaitable);
    if (!sent && sent.error().is(codes::kActorStopping)) {
      co_await pause(kStoppingRetryDelay);
      continue;
    }
    if (!sent) {
      co_return sent.error();
    }
    if (!wait || *sent == 0) {
      co_return QueueSendResult{"completed", std::nullopt};
    }
    const auto limit =
        std::min<std::chrono::milliseconds>(timeout.value_or(kLongestWait), kLongestWait);
    const bool done = co_await asio::co_spawn(waiter->timer.get_executor(),
                                              wait_on_strand(waiter, limit), asio::use_awaitable);
    if (!done) {
      core->drop_waiter(actor_id, *sent);
      co_return QueueSendResult{"timedOut", std::nullopt};
    }
    co_return QueueSendResult{"completed", waiter->response};
  }
  co_return make_error(codes::kActorStopped, "The actor stopped while handling the request.");
}

}  // namespace rivet

#include "core/durable_commit.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace asio = boost::asio;

namespace rivet::detail {

Task<Result<void>> commit_durably(storage::Store& store, storage::WriteBatch batch) {
  auto initiate = [&store, &batch](auto handler) {
    using Handler = decltype(handler);
    // Store callbacks must be copyable; the coroutine handler is move-only.
    auto shared = std::make_shared<Handler>(std::move(handler));
    store.commit(std::move(batch), [shared](Result<void> result) {
      auto ex = asio::get_associated_executor(*shared);
      asio::post(ex,
                 [shared, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Result<void>)>(
      initiate, asio::use_awaitable);
}

}  // namespace rivet::detail

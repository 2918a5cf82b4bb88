// Durable queues: rows under the queue prefix, an in-memory index per awake actor, receivers
// woken through a strand-local signal, and senders waiting for completion through the runtime.

#include <rivet/core/queue.hpp>
#include <rivet/protocol/encoding.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/durable_commit.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/ids.hpp"
#include "core/state_keys.hpp"
#include "core/actor/user_code.hpp"

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

}  // namespace

// -- public API ----------------------------------------------------------------------------------

Task<void> QueueMessage::complete(Value response) {
  co_await rt_->queue().complete(*rt_, id_, std::move(response), frame_);
}

Task<std::optional<QueueMessage>> QueueApi::next(QueueReceive options) {
  const auto& clock = rt_->clock();
  const auto deadline =
      options.timeout ? clock.now() + *options.timeout : Clock::time_point::max();
  for (;;) {
    if (rt_->aborting()) {
      throw ErrorException(aborted_error());
    }
    if (frame_->run_loop && frame_->in_flight) {
      // Asking for the next message completes the previous one.
      co_await rt_->queue().complete(*rt_, *frame_->in_flight, undefined_value(), frame_);
    }
    if (auto msg = rt_->queue().take(*rt_, options.names, frame_)) {
      co_return msg;
    }
    if (clock.now() >= deadline) {
      co_return std::nullopt;
    }
    // A run loop that only waits lets the actor sleep.
    if (frame_->run_loop) {
      rt_->leave_call();
    }
    co_await rt_->queue().wait(*rt_, deadline);
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
    auto more = rt_->queue().take(*rt_, options.names, frame_);
    if (!more) {
      break;
    }
    out.push_back(std::move(*more));
  }
  co_return out;
}

std::optional<QueueMessage> QueueApi::try_next(std::vector<std::string> names) {
  return rt_->queue().take(*rt_, names, frame_);
}

Task<void> QueueApi::send(std::string name, Value body) {
  auto sent = co_await rt_->queue().push(*rt_, std::move(name), std::move(body), nullptr);
  if (!sent) {
    throw ErrorException(sent.error());
  }
}

std::size_t QueueApi::size() const noexcept {
  return rt_->queue().size();
}

}  // namespace rivet

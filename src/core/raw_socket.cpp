// Raw WebSockets (`onWebSocket`): the actor's WebSocket object, the handler task, the bounded
// inbox fed by the transport, and the outbox released after each state commit.
//
// Lifecycle of one socket, all on the actor strand:
//   open_socket: connect sequence (onBeforeConnect, createConnState, onConnect) with a
//     RawConnSink as the connection's sink, then run_socket in the background.
//   run_socket: the user handler; on return (or throw) the socket closes, the handler's frame
//     commits, queued frames leave, and close_conn runs onDisconnect (exactly once).
//   stop (sleep/destroy): the connection loop closes the socket through RawConnSink, then
//     wait_realtime_idle waits for the handlers to finish (cancelling them after the hook
//     timeout) before onSleep/onDestroy and the final save.

#include <rivet/core/engine.hpp>
#include <rivet/core/raw_socket.hpp>

#include "core/actor_runtime.hpp"
#include "core/engine_core.hpp"
#include "core/realtime.hpp"
#include "core/user_code.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>

namespace rivet {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace detail {
namespace {

constexpr std::uint16_t kCloseNormal = 1000;
constexpr std::uint16_t kCloseError = 1011;
constexpr std::uint16_t kCloseAbnormal = 1006;
constexpr std::uint16_t kFirstAppCode = 3000;
constexpr std::uint16_t kLastAppCode = 4999;

/// Codes an endpoint may send in a close frame (RFC 6455 §7.4): 1000-1003, 1007-1011, 3000-4999.
bool sendable_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= kFirstAppCode && code <= kLastAppCode);
}

Error websocket_not_supported() {
  return make_error(codes::kActorWebSocketNotSupported,
                    "This actor does not handle raw WebSockets (no onWebSocket).");
}

/// The connection's sink for a raw socket: events do not apply to raw sockets (as upstream), and
/// a close from the actor (disconnect, sleep, destroy) closes the socket after its queued frames.
class RawConnSink final : public ConnectionSink {
 public:
  explicit RawConnSink(std::weak_ptr<RawSocketState> socket) : socket_(std::move(socket)) {}
  void send_event(const std::string& /*name*/, const Value& /*args*/) override {}
  void close(std::string reason, bool error) override {
    if (auto s = socket_.lock()) {
      s->close_local(error ? kCloseError : kCloseNormal, std::move(reason));
      s->rt->schedule_flush(s);
    }
  }

 private:
  std::weak_ptr<RawSocketState> socket_;
};

Task<void> push_on_strand(std::shared_ptr<RawSocketState> s, WebSocketMessage message) {
  const auto size = message.data.size();
  while (!s->ended && (s->inbox.size() >= kRawInboxFrames ||
                       (!s->inbox.empty() && s->inbox_bytes + size > kRawInboxBytes))) {
    co_await s->space_signal.wait();
  }
  if (s->ended) {
    co_return;
  }
  s->inbox_bytes += size;
  s->inbox.push_back(std::move(message));
  s->inbox_signal.notify_all();
}

Task<void> peer_closed_on_strand(std::shared_ptr<RawSocketState> s, WebSocketClose how) {
  s->close_peer(std::move(how));
  co_return;
}

class RawSocketHandleImpl final : public RawSocketHandle {
 public:
  RawSocketHandleImpl(std::shared_ptr<EngineCore> core, std::shared_ptr<ActorRuntime> rt,
                      std::shared_ptr<RawSocketState> socket)
      : core_(std::move(core)), rt_(std::move(rt)), s_(std::move(socket)), id_(s_->conn->id) {}

  ~RawSocketHandleImpl() override {
    if (!closed_.exchange(true)) {
      core_->spawn(rt_->strand(), peer_closed_on_strand(s_, WebSocketClose{kCloseAbnormal, ""}));
    }
  }

  const std::string& id() const noexcept override { return id_; }

  Task<void> push(WebSocketMessage message) override {
    co_await asio::co_spawn(rt_->strand(), push_on_strand(s_, std::move(message)),
                            asio::use_awaitable);
  }

  Task<void> closed(WebSocketClose how) override {
    if (closed_.exchange(true)) {
      co_return;
    }
    co_await asio::co_spawn(rt_->strand(), peer_closed_on_strand(s_, std::move(how)),
                            asio::use_awaitable);
  }

 private:
  std::shared_ptr<EngineCore> core_;
  std::shared_ptr<ActorRuntime> rt_;
  std::shared_ptr<RawSocketState> s_;
  std::string id_;
  std::atomic<bool> closed_{false};
};

Task<void> wait_until_zero(const std::size_t& busy, Signal& signal) {
  while (busy > 0) {
    co_await signal.wait();
  }
}

Task<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

// -- RawSocketState ------------------------------------------------------------------------------

void RawSocketState::close_local(std::uint16_t code, std::string reason) {
  if (ended) {
    return;
  }
  if (!sendable_close_code(code)) {
    code = kCloseNormal;
  }
  ended = WebSocketClose{code, reason};
  closing_local = true;
  inbox.clear();
  inbox_bytes = 0;
  outbox.push_back(Outgoing{std::move(reason), false, true, code});
  inbox_signal.notify_all();
  space_signal.notify_all();
}

void RawSocketState::close_peer(WebSocketClose how) {
  if (ended) {
    return;
  }
  ended = std::move(how);
  outbox.clear();
  inbox_signal.notify_all();
  space_signal.notify_all();
}

// -- ActorRuntime: raw sockets -------------------------------------------------------------------

Task<Result<std::shared_ptr<RawSocketState>>> ActorRuntime::open_socket(
    Value params, RawRequest request, std::shared_ptr<RawSocketSink> sink) {
  if (!def_.on_websocket) {
    co_return websocket_not_supported();
  }
  auto socket = std::make_shared<RawSocketState>(*this, std::move(request), std::move(sink));
  auto conn = co_await open_conn(std::move(params), std::make_shared<RawConnSink>(socket), false);
  if (!conn) {
    co_return conn.error();
  }
  socket->conn = *conn;
  if ((*conn)->disconnected) {
    // Closed while onConnect ran (the actor is stopping): nothing to serve.
    co_return make_error(codes::kActorStopped, "The actor stopped while the socket opened.");
  }
  ++realtime_busy_;
  engine_.spawn(strand_, run_socket(shared_from_this(), socket));
  co_return socket;
}

Task<void> ActorRuntime::run_socket(std::shared_ptr<ActorRuntime> self,
                                    std::shared_ptr<RawSocketState> socket) {
  CallFrame frame;
  frame.conn = socket->conn;
  frame.conn_view.emplace(frame.conn.get(), &frame);
  socket->frame = &frame;
  Result<void> ran;
  {
    ActorContext ctx(*self, &frame);
    WebSocket ws(socket);
    auto winner = co_await (run_user(self->def_.on_websocket(ctx, ws), "onWebSocket") ||
                            self->realtime_abort_.wait());
    if (winner.index() == 0) {
      ran = std::get<0>(std::move(winner));
    } else {
      ran = make_error(codes::kActorStopped, "The actor stopped before onWebSocket returned.");
    }
  }
  socket->frame = nullptr;
  if (!ran) {
    if (!ran.error().is(codes::kActorStopped)) {
      log_failure("onWebSocket", ran.error());
    }
    socket->close_local(kCloseError, mask_for_client(ran.error()).qualified());
  } else {
    socket->close_local(kCloseNormal, "");
  }
  auto finished = co_await self->finish_call(frame, false);
  if (!finished) {
    log_failure("save after onWebSocket", finished.error());
  }
  co_await self->flush_socket(socket);
  co_await self->close_conn(socket->conn);
  self->realtime_done();
}

Task<void> ActorRuntime::flush_socket(std::shared_ptr<RawSocketState> socket) {
  for (;;) {
    if (socket->flushing) {
      co_await socket->flushed_signal.wait();
      continue;
    }
    if (socket->outbox.empty()) {
      co_return;
    }
    socket->flushing = true;
    auto batch = std::move(socket->outbox);
    socket->outbox.clear();
    // Frames leave only once the state as of their send is durable (invariant 3).
    auto saved = co_await persist_state(false);
    if (!saved) {
      log_failure("state commit before raw WebSocket frames", saved.error());
      batch.clear();
      if (!socket->ended) {
        socket->close_local(kCloseError, "core.internal_error");
      }
      socket->sink->close(kCloseError, "core.internal_error");
    }
    for (auto& out : batch) {
      if (out.close) {
        socket->sink->close(out.code, std::move(out.data));
      } else {
        socket->sink->send(std::move(out.data), out.binary);
      }
    }
    socket->flushing = false;
    socket->flushed_signal.notify_all();
  }
}

void ActorRuntime::schedule_flush(const std::shared_ptr<RawSocketState>& socket) {
  if (socket->flush_scheduled || socket->outbox.empty()) {
    return;
  }
  socket->flush_scheduled = true;
  ++realtime_busy_;
  engine_.spawn(strand_, flush_in_background(shared_from_this(), socket));
}

Task<void> ActorRuntime::flush_in_background(std::shared_ptr<ActorRuntime> self,
                                             std::shared_ptr<RawSocketState> socket) {
  socket->flush_scheduled = false;
  co_await self->flush_socket(socket);
  self->realtime_done();
}

Task<void> ActorRuntime::commit_socket(std::shared_ptr<RawSocketState> socket) {
  if (socket->frame != nullptr) {
    auto finished = co_await finish_call(*socket->frame, false);
    if (!finished) {
      log_failure("save in onWebSocket", finished.error());
    }
  }
  co_await flush_socket(socket);
}

void ActorRuntime::realtime_done() {
  if (--realtime_busy_ == 0) {
    realtime_idle_.notify_all();
  }
}

Task<void> ActorRuntime::wait_realtime_idle() {
  if (realtime_busy_ == 0) {
    co_return;
  }
  asio::steady_timer deadline(strand_, def_.options.hook_timeout);
  co_await (wait_until_zero(realtime_busy_, realtime_idle_) ||
            deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (realtime_busy_ == 0) {
    co_return;
  }
  // Handlers that ignore their closed socket: cancel them at their next suspension.
  realtime_abort_.notify_all();
  asio::steady_timer last(strand_, def_.options.hook_timeout);
  co_await (wait_until_zero(realtime_busy_, realtime_idle_) ||
            last.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (realtime_busy_ > 0) {
    log_failure("stop", make_error(codes::kActorCallbackTimedOut,
                                   "onWebSocket handlers did not finish after cancellation"));
  }
}

}  // namespace detail

// -- WebSocket -----------------------------------------------------------------------------------

const std::string& WebSocket::id() const noexcept {
  return s_->conn->id;
}

const RawRequest& WebSocket::request() const noexcept {
  return s_->request;
}

void WebSocket::send_text(std::string text) {
  if (s_->ended) {
    return;
  }
  s_->outbox.push_back(detail::RawSocketState::Outgoing{std::move(text), false, false, 0});
  s_->rt->schedule_flush(s_);
}

void WebSocket::send_binary(std::string bytes) {
  if (s_->ended) {
    return;
  }
  s_->outbox.push_back(detail::RawSocketState::Outgoing{std::move(bytes), true, false, 0});
  s_->rt->schedule_flush(s_);
}

void WebSocket::close(std::uint16_t code, std::string reason) {
  s_->close_local(code, std::move(reason));
  s_->rt->schedule_flush(s_);
}

Task<std::optional<WebSocketMessage>> WebSocket::receive() {
  auto s = s_;
  co_await s->rt->commit_socket(s);
  while (s->inbox.empty() && !s->ended) {
    co_await s->inbox_signal.wait();
  }
  if (s->inbox.empty()) {
    co_return std::nullopt;
  }
  auto message = std::move(s->inbox.front());
  s->inbox.pop_front();
  s->inbox_bytes -= message.data.size();
  s->space_signal.notify_all();
  co_return message;
}

Task<void> WebSocket::flush() {
  auto s = s_;
  co_await s->rt->commit_socket(s);
}

bool WebSocket::is_open() const noexcept {
  return !s_->ended;
}

std::optional<WebSocketClose> WebSocket::close_info() const {
  return s_->ended;
}

// -- Engine ------------------------------------------------------------------------------------

Task<Result<std::shared_ptr<RawSocketHandle>>> Engine::open_websocket(
    std::string actor_id, Value params, RawRequest request, std::shared_ptr<RawSocketSink> sink) {
  auto core = impl_->core;
  for (int attempt = 0; attempt < detail::kRealtimeStoppingRetries; ++attempt) {
    auto rt = core->runtime_for(actor_id);
    if (!rt) {
      co_return rt.error();
    }
    auto socket = co_await asio::co_spawn(
        (*rt)->strand(), (*rt)->open_socket(params, request, sink), asio::use_awaitable);
    if (!socket && socket.error().is(codes::kActorStopping)) {
      co_await detail::pause(detail::kRealtimeStoppingRetryDelay);
      continue;
    }
    if (!socket) {
      co_return socket.error();
    }
    co_return std::shared_ptr<RawSocketHandle>(
        std::make_shared<detail::RawSocketHandleImpl>(core, *rt, std::move(*socket)));
  }
  co_return make_error(codes::kActorStopped, "The actor stopped while handling the request.");
}

}  // namespace rivet

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

#include <rivet/core/runtime.hpp>
#include <rivet/core/raw_socket.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/client_work.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/realtime.hpp"
#include "core/actor/user_code.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>

namespace rivet {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace detail {

Error websocket_not_supported() {
  return make_error(codes::kActorWebSocketNotSupported,
                    "This actor does not handle raw WebSockets (no onWebSocket).");
}

namespace {

constexpr std::uint16_t kCloseAbnormal = 1006;
constexpr std::uint16_t kFirstAppCode = 3000;
constexpr std::uint16_t kLastAppCode = 4999;

/// Codes an endpoint may send in a close frame (RFC 6455 §7.4): 1000-1003, 1007-1011, 3000-4999.
bool sendable_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= kFirstAppCode && code <= kLastAppCode);
}

/// The connection's sink for a raw socket: events do not apply to raw sockets (as upstream), and
/// a close from the actor (disconnect, sleep, destroy) closes the socket after its queued frames.
class RawConnSink final : public ConnectionSink {
 public:
  explicit RawConnSink(std::weak_ptr<RawSocketState> socket) : socket_(std::move(socket)) {}
  void send_event(const std::string& /*name*/, const Value& /*args*/) override {}
  void close(std::string reason, bool error) override {
    if (auto s = socket_.lock()) {
      s->close_local(error ? kRawCloseError : kRawCloseNormal, std::move(reason));
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
  RawSocketHandleImpl(std::shared_ptr<RuntimeCore> core, std::shared_ptr<ActorInstance> rt,
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
  std::shared_ptr<RuntimeCore> core_;
  std::shared_ptr<ActorInstance> rt_;
  std::shared_ptr<RawSocketState> s_;
  std::string id_;
  std::atomic<bool> closed_{false};
};

}  // namespace

std::shared_ptr<ConnectionSink> make_raw_conn_sink(std::weak_ptr<RawSocketState> socket) {
  return std::make_shared<RawConnSink>(std::move(socket));
}

// -- RawSocketState ------------------------------------------------------------------------------

void RawSocketState::close_local(std::uint16_t code, std::string reason) {
  if (ended) {
    return;
  }
  if (!sendable_close_code(code)) {
    code = kRawCloseNormal;
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

// -- ActorInstance: raw sockets -------------------------------------------------------------------

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
  co_await s->rt->sockets().commit(*s->rt, s);
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
  co_await s->rt->sockets().commit(*s->rt, s);
}

bool WebSocket::is_open() const noexcept {
  return !s_->ended;
}

std::optional<WebSocketClose> WebSocket::close_info() const {
  return s_->ended;
}

// -- Runtime ------------------------------------------------------------------------------------

namespace detail {

Task<Result<std::shared_ptr<RawSocketHandle>>> open_websocket(std::shared_ptr<RuntimeCore> core,
                                                              std::string actor_id, Value params,
                                                              RawRequest request,
                                                              std::shared_ptr<RawSocketSink> sink) {
  std::shared_ptr<detail::ActorInstance> target;
  auto socket = co_await core->with_actor<std::shared_ptr<detail::RawSocketState>>(
      std::move(actor_id), [&](std::shared_ptr<detail::ActorInstance> rt) {
        target = rt;
        return rt->sockets().open(*rt, params, request, sink);
      });
  if (!socket) {
    co_return socket.error();
  }
  co_return std::shared_ptr<RawSocketHandle>(
      std::make_shared<detail::RawSocketHandleImpl>(core, std::move(target), std::move(*socket)));
}

}  // namespace detail
}  // namespace rivet

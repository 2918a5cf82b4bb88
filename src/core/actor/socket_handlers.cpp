// The raw WebSocket handlers of one actor (onWebSocket): started per socket, flushed after
// each commit, waited for (and cancelled after the hook timeout) when the actor stops.

#include "core/actor/socket_handlers.hpp"

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"
#include "core/realtime.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace rivet::detail {

Task<Result<std::shared_ptr<RawSocketState>>> SocketHandlers::open(
    ActorInstance& rt, 
    Value params, RawRequest request, std::shared_ptr<RawSocketSink> sink) {
  if (!rt.definition().on_websocket) {
    co_return websocket_not_supported();
  }
  auto socket = std::make_shared<RawSocketState>(rt, std::move(request), std::move(sink));
  auto conn = co_await rt.open_conn(std::move(params), make_raw_conn_sink(socket), false);
  if (!conn) {
    co_return conn.error();
  }
  socket->conn = *conn;
  if ((*conn)->disconnected) {
    // Closed while onConnect ran (the actor is stopping): nothing to serve.
    co_return make_error(codes::kActorStopped, "The actor stopped while the socket opened.");
  }
  busy_.enter();  // left by run()
  rt.runtime().spawn(rt.strand(), run(rt.shared_from_this(), socket));
  co_return socket;
}

Task<void> SocketHandlers::run(std::shared_ptr<ActorInstance> self,
                                    std::shared_ptr<RawSocketState> socket) {
  CallFrame frame;
  frame.conn = socket->conn;
  frame.conn_view.emplace(frame.conn.get(), &frame);
  socket->frame = &frame;
  Result<void> ran;
  {
    ActorContext ctx(*self, &frame);
    WebSocket ws(socket);
    auto winner = co_await (self->run_user(self->definition().on_websocket(ctx, ws), "onWebSocket") ||
                            self->sockets().abort_.wait());
    if (winner.index() == 0) {
      ran = std::get<0>(std::move(winner));
    } else {
      ran = make_error(codes::kActorStopped, "The actor stopped before onWebSocket returned.");
    }
  }
  socket->frame = nullptr;
  if (!ran) {
    if (!ran.error().is(codes::kActorStopped)) {
      self->log_failure("onWebSocket", ran.error());
    }
    socket->close_local(kRawCloseError, mask_for_client(ran.error()).qualified());
  } else {
    socket->close_local(kRawCloseNormal, "");
  }
  auto finished = co_await self->finish_call(frame, false);
  if (!finished) {
    self->log_failure("save after onWebSocket", finished.error());
  }
  co_await self->sockets().flush(*self, socket);
  co_await self->close_conn(socket->conn);
  self->sockets().busy_.leave();
}

Task<void> SocketHandlers::flush(ActorInstance& rt, std::shared_ptr<RawSocketState> socket) {
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
    auto saved = co_await rt.persist_state(false);
    if (!saved) {
      rt.log_failure("state commit before raw WebSocket frames", saved.error());
      batch.clear();
      if (!socket->ended) {
        socket->close_local(kRawCloseError, "core.internal_error");
      }
      socket->sink->close(kRawCloseError, "core.internal_error");
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

void SocketHandlers::schedule_flush(ActorInstance& rt,
                                    const std::shared_ptr<RawSocketState>& socket) {
  if (socket->flush_scheduled || socket->outbox.empty()) {
    return;
  }
  socket->flush_scheduled = true;
  busy_.enter();  // left by flush_in_background()
  rt.runtime().spawn(rt.strand(), flush_in_background(rt.shared_from_this(), socket));
}

Task<void> SocketHandlers::flush_in_background(std::shared_ptr<ActorInstance> self,
                                             std::shared_ptr<RawSocketState> socket) {
  socket->flush_scheduled = false;
  co_await self->sockets().flush(*self, socket);
  self->sockets().busy_.leave();
}

Task<void> SocketHandlers::commit(ActorInstance& rt, std::shared_ptr<RawSocketState> socket) {
  if (socket->frame != nullptr) {
    auto finished = co_await rt.finish_call(*socket->frame, false);
    if (!finished) {
      rt.log_failure("save in onWebSocket", finished.error());
    }
  }
  co_await flush(rt, socket);
}

Task<void> SocketHandlers::wait_idle(ActorInstance& rt) {
  if (busy_.idle()) {
    co_return;
  }
  const auto timeout = rt.definition().options.hook_timeout;
  Timer deadline(rt.clock(), rt.strand(), timeout);
  co_await (busy_.wait_idle() || deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (busy_.idle()) {
    co_return;
  }
  // Handlers that ignore their closed socket: cancel them at their next suspension.
  abort_.notify_all();
  Timer last(rt.clock(), rt.strand(), timeout);
  co_await (busy_.wait_idle() || last.async_wait(asio::as_tuple(asio::use_awaitable)));
  if (!busy_.idle()) {
    rt.log_failure("stop", make_error(codes::kActorCallbackTimedOut,
                                   "onWebSocket handlers did not finish after cancellation"));
  }
}

}  // namespace rivet::detail

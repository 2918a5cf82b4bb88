#include "server/envoy/tunnel_raw_ws.hpp"

#include "server/envoy/tunnel_http.hpp"
#include "server/error_mapping.hpp"
#include "server/raw_request.hpp"
#include "server/subprotocols.hpp"
#include "server/ws_close_codes.hpp"

#include <boost/asio/post.hpp>

namespace rivet::server::envoy {
namespace {

namespace asio = boost::asio;

// The runtime's view of the socket. Holds it weakly: the actor may keep the sink longer.
class TunnelRawSink final : public RawSocketSink {
 public:
  explicit TunnelRawSink(std::weak_ptr<TunnelRawSocket> socket) : socket_(std::move(socket)) {}
  void send(std::string data, bool binary) override {
    if (auto s = socket_.lock()) {
      s->send(std::move(data), binary);
    }
  }
  void close(std::uint16_t code, std::string reason) override {
    if (auto s = socket_.lock()) {
      s->close(code, std::move(reason));
    }
  }

 private:
  std::weak_ptr<TunnelRawSocket> socket_;
};

std::vector<Header> header_list(const wire::Headers& headers) {
  std::vector<Header> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    out.push_back(Header{to_lower(name), value});
  }
  return out;
}

std::string protocols_header(const wire::Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (to_lower(name) == "sec-websocket-protocol") {
      return value;
    }
  }
  return {};
}

}  // namespace

TunnelRawSocket::TunnelRawSocket(ServerContext& ctx, TaskGroup& tasks,
                                 std::shared_ptr<EngineLink> link, wire::MessageId id,
                                 asio::any_io_executor executor, std::function<void()> ended)
    : ctx_(ctx),
      tasks_(tasks),
      strand_(asio::make_strand(std::move(executor))),
      out_(std::move(link), id, std::move(ended)) {}

Task<void> TunnelRawSocket::open(std::shared_ptr<TunnelRawSocket> self, std::string actor_id,
                                 wire::ToEnvoyWebSocketOpen open) {
  const auto protocols = parse_ws_protocols(protocols_header(open.headers));
  auto params = conn_params_of(protocols);
  std::optional<Error> refused;
  if (!params) {
    refused = params.error();
  } else {
    auto sink = std::make_shared<TunnelRawSink>(self);
    auto request = raw_websocket_request(open.path, header_list(open.headers));
    auto handle = co_await self->ctx_.runtime.open_websocket(
        std::move(actor_id), std::move(*params), std::move(request), sink);
    if (handle) {
      self->handle_ = std::move(*handle);
    } else {
      refused = mask_for_client(handle.error());
    }
  }
  // The client sees a close frame, not a failed upgrade, as from the embedded server: open
  // first, then refuse.
  self->out_.first(wire::ToRivetWebSocketOpen{false});
  self->ready_ = true;
  if (refused) {
    self->send_now(wire::ToRivetWebSocketClose{kCloseError, refused->qualified(), false});
    self->finish();
    co_return;
  }
  while (!self->early_.empty()) {
    auto kind = std::move(self->early_.front());
    self->early_.pop_front();
    if (auto* closing = std::get_if<wire::ToRivetWebSocketClose>(&kind)) {
      self->close_now(closing->code.value_or(kCloseNormal), closing->reason.value_or(""));
      break;
    }
    self->send_now(std::move(kind));
  }
  if (!self->pumping_ && (!self->inbound_.empty() || self->peer_close_)) {
    self->pumping_ = true;
    self->tasks_.spawn(self->strand_, pump(self));
  }
}

void TunnelRawSocket::message(wire::ToEnvoyWebSocketMessage message) {
  asio::post(strand_, [self = shared_from_this(), message = std::move(message)]() mutable {
    if (self->peer_close_) {
      return;
    }
    self->inbound_.push_back(
        WebSocketMessage{std::string(message.data.begin(), message.data.end()), message.binary});
    if (self->handle_ && !self->pumping_) {
      self->pumping_ = true;
      self->tasks_.spawn(self->strand_, pump(self));
    }
  });
}

Task<void> TunnelRawSocket::pump(std::shared_ptr<TunnelRawSocket> self) {
  // The one consumer: frames reach the handler in order, then the client's close.
  while (!self->inbound_.empty()) {
    auto frame = std::move(self->inbound_.front());
    self->inbound_.pop_front();
    co_await self->handle_->push(std::move(frame));
  }
  if (self->peer_close_) {
    auto how = std::move(*self->peer_close_);
    co_await self->handle_->closed(std::move(how));
  }
  self->pumping_ = false;
}

void TunnelRawSocket::client_closed(std::optional<std::uint16_t> code,
                                    std::optional<std::string> reason) {
  asio::post(strand_, [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    if (self->peer_close_) {
      return;
    }
    self->peer_close_ = WebSocketClose{code.value_or(kCloseNoStatus), reason.value_or("")};
    if (!self->out_.over()) {
      // Answered at index 0 with the client's own code and reason, as RivetKit does (§7.6).
      self->out_.first(wire::ToRivetWebSocketClose{code, std::move(reason), false});
      self->finish();
    }
    if (self->handle_ && !self->pumping_) {
      self->pumping_ = true;
      self->tasks_.spawn(self->strand_, pump(self));
    }
  });
}

void TunnelRawSocket::send(std::string data, bool binary) {
  asio::post(strand_, [self = shared_from_this(), data = std::move(data), binary]() mutable {
    wire::ToRivetWebSocketMessage frame{Bytes(data.begin(), data.end()), binary};
    if (!self->ready_) {
      self->early_.emplace_back(std::move(frame));
      return;
    }
    self->send_now(std::move(frame));
  });
}

void TunnelRawSocket::close(std::uint16_t code, std::string reason) {
  asio::post(strand_, [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    if (!self->ready_) {
      self->early_.emplace_back(wire::ToRivetWebSocketClose{code, std::move(reason), false});
      return;
    }
    self->close_now(code, std::move(reason));
  });
}

void TunnelRawSocket::close_now(std::uint16_t code, std::string reason) {
  if (out_.over()) {
    return;
  }
  send_now(wire::ToRivetWebSocketClose{code, reason, false});
  finish();
  // The client's side of the closing handshake does not come back through the tunnel: the
  // handler hears its own close, as the embedded server's peer would echo it.
  if (handle_ && !peer_close_) {
    peer_close_ = WebSocketClose{code, std::move(reason)};
    if (!pumping_) {
      pumping_ = true;
      tasks_.spawn(strand_, pump(shared_from_this()));
    }
  }
}

void TunnelRawSocket::send_now(wire::ToRivetTunnelMessageKind kind) {
  out_.send(std::move(kind));
}

void TunnelRawSocket::finish() {
  out_.end();
}

}  // namespace rivet::server::envoy

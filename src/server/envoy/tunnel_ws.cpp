#include "server/envoy/tunnel_ws.hpp"

#include "server/envoy/tunnel_http.hpp"
#include "server/error_mapping.hpp"
#include "server/server_errors.hpp"
#include "server/subprotocols.hpp"
#include "server/ws_close_codes.hpp"

#include <rivet/core/connection_sink.hpp>

#include <boost/asio/post.hpp>

namespace rivet::server::envoy {
namespace {

namespace asio = boost::asio;

// The runtime's view of the connection. Holds it weakly: the runtime may keep the sink longer.
class TunnelSink final : public ConnectionSink {
 public:
  TunnelSink(std::weak_ptr<TunnelConnection> conn, protocol::Encoding encoding)
      : conn_(std::move(conn)), encoding_(encoding) {}
  void send_event(const std::string& name, const Value& args) override {
    if (auto c = conn_.lock()) {
      c->send_frame(protocol::encode_to_client(protocol::Event{name, args}, encoding_));
    }
  }
  void send_shared_event(const std::shared_ptr<const SharedEvent>& event) override {
    if (auto c = conn_.lock()) {
      c->send_frame(event->encoded(encoding_));
    }
  }
  void close(std::string reason, bool error) override {
    if (auto c = conn_.lock()) {
      c->close(error ? kCloseError : kCloseNormal, std::move(reason));
    }
  }

 private:
  std::weak_ptr<TunnelConnection> conn_;
  protocol::Encoding encoding_;
};

std::string header_of(const wire::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (to_lower(k) == name) {
      return v;
    }
  }
  return {};
}

}  // namespace

bool is_connect_path(std::string_view path) noexcept {
  constexpr std::string_view kConnect = "/connect";
  return path.starts_with(kConnect) &&
         (path.size() == kConnect.size() || path[kConnect.size()] == '?');
}

TunnelConnection::TunnelConnection(ServerContext& ctx, TaskGroup& tasks,
                                   std::shared_ptr<EngineLink> link, wire::MessageId id,
                                   asio::any_io_executor executor, std::function<void()> ended)
    : ctx_(ctx),
      tasks_(tasks),
      strand_(asio::make_strand(std::move(executor))),
      out_(std::move(link), id, std::move(ended)) {}

Task<void> TunnelConnection::open(std::shared_ptr<TunnelConnection> self, ActorIdentity identity,
                                  wire::ToEnvoyWebSocketOpen open) {
  auto protocols = parse_ws_protocols(header_of(open.headers, "sec-websocket-protocol"));
  if (protocols.encoding) {
    auto enc = protocol::parse_encoding(*protocols.encoding);
    if (!enc) {
      self->reject(kCloseUnsupported, "actor.unsupported_websocket_encoding");
      co_return;
    }
    self->encoding_ = *enc;
  }
  if (const auto* opts = self->ctx_.runtime.options_for(identity.name)) {
    self->options_ = *opts;
  }
  auto params = conn_params_of(protocols);
  if (!params) {
    self->reject(kCloseError, params.error().qualified());
    co_return;
  }
  auto sink = std::make_shared<TunnelSink>(self, self->encoding_);
  auto conn = co_await self->ctx_.runtime.connect(identity.actor_id, std::move(*params), sink);
  if (!conn) {
    // The client protocol says why in an Error frame before the close: open, then refuse.
    self->out_.first(wire::ToRivetWebSocketOpen{false});
    self->ready_ = true;
    auto error = is_internal_error(conn.error()) ? mask_for_client(conn.error()) : conn.error();
    self->send_error(error, std::nullopt);
    self->close(kCloseError, error.qualified());
    co_return;
  }
  self->conn_ = std::move(*conn);
  // Open at index 0, then Init first, before any event the connect hooks published.
  self->out_.first(wire::ToRivetWebSocketOpen{false});
  self->ready_ = true;
  self->send_now(wire::ToRivetWebSocketMessage{
      protocol::encode_to_client(protocol::Init{identity.actor_id, self->conn_->id()},
                                 self->encoding_),
      self->encoding_ != protocol::Encoding::Json});
  if (!self->inbound_.empty() && !self->pumping_) {
    self->pumping_ = true;
    self->tasks_.spawn(self->strand_, pump(self));
  }
}

void TunnelConnection::message(wire::ToEnvoyWebSocketMessage message, wire::MessageIndex index) {
  asio::post(strand_, [self = shared_from_this(), message = std::move(message), index]() mutable {
    if (self->out_.over()) {
      return;
    }
    // No ack: the socket is not hibernatable, and the engine refuses acks for such sockets
    // ("cannot ack ws messages, hibernation is not enabled").
    (void)index;
    self->inbound_.push_back(std::move(message));
    if (self->ready_ && !self->pumping_) {
      self->pumping_ = true;
      self->tasks_.spawn(self->strand_, pump(self));
    }
  });
}

Task<void> TunnelConnection::pump(std::shared_ptr<TunnelConnection> self) {
  while (!self->inbound_.empty() && !self->out_.over()) {
    auto frame = std::move(self->inbound_.front());
    self->inbound_.pop_front();
    if (frame.data.size() > self->options_.max_incoming_message_size) {
      // The embedded server cuts such a message off while reading it; here it arrived whole,
      // and the connection ends the same way.
      self->close(kCloseError, rivet::errors::incoming_too_long().qualified());
      break;
    }
    auto message = protocol::decode_to_server(frame.data, self->encoding_);
    if (!message) {
      self->close(kCloseError, "actor.invalid_request");
      break;
    }
    if (auto* action = std::get_if<protocol::ActionRequest>(&*message)) {
      const auto max_in_flight = self->ctx_.limits.max_actions_in_flight;
      if (max_in_flight != 0 && self->in_flight_ >= max_in_flight) {
        // Only this action is refused: the connection and the actions running stay.
        self->ctx_.stats.actions_refused.fetch_add(1, std::memory_order_relaxed);
        self->send_error(errors::too_many_actions_in_flight(max_in_flight), action->id);
        continue;
      }
      // Actions run concurrently; responses leave in completion order, matched by id.
      ++self->in_flight_;
      self->tasks_.spawn(self->strand_, run_action(self, std::move(*action)));
      continue;
    }
    // Subscriptions apply in arrival order.
    auto& sub = std::get<protocol::SubscriptionRequest>(*message);
    auto applied = co_await self->conn_->subscribe(std::move(sub.event_name), sub.subscribe);
    if (!applied) {
      self->close(kCloseError, mask_for_client(applied.error()).qualified());
      break;
    }
  }
  self->pumping_ = false;
}

Task<void> TunnelConnection::run_action(std::shared_ptr<TunnelConnection> self,
                                        protocol::ActionRequest request) {
  auto result = co_await self->conn_->call(std::move(request.name), std::move(request.args));
  --self->in_flight_;
  if (!result) {
    self->send_error(mask_for_client(result.error()), request.id);
    co_return;
  }
  auto bytes = protocol::encode_to_client(protocol::ActionResponse{request.id, std::move(*result)},
                                          self->encoding_);
  if (bytes.size() > self->options_.max_outgoing_message_size) {
    self->send_error(rivet::errors::outgoing_too_long(), request.id);
    co_return;
  }
  self->send_now(
      wire::ToRivetWebSocketMessage{std::move(bytes), self->encoding_ != protocol::Encoding::Json});
}

void TunnelConnection::reject(std::uint16_t code, std::string reason) {
  // Opened, then closed: a close in place of the open fails the client's upgrade instead, and
  // the client would not see the code and reason the embedded server gives it.
  out_.first(wire::ToRivetWebSocketOpen{false});
  out_.next(wire::ToRivetWebSocketClose{code, std::move(reason), false});
  finish();
}

void TunnelConnection::send_error(const Error& e, std::optional<std::uint64_t> action_id) {
  protocol::ErrorMessage message{
      e.group,   e.code,
      e.message, e.metadata.is_null() ? std::nullopt : std::optional<Value>(e.metadata),
      action_id, std::nullopt};
  send_now(wire::ToRivetWebSocketMessage{protocol::encode_to_client(message, encoding_),
                                         encoding_ != protocol::Encoding::Json});
}

void TunnelConnection::send_now(wire::ToRivetTunnelMessageKind kind) {
  out_.send(std::move(kind));
}

void TunnelConnection::send_frame(Bytes data) {
  asio::post(strand_, [self = shared_from_this(), data = std::move(data)]() mutable {
    if (self->ready_) {
      self->send_now(wire::ToRivetWebSocketMessage{std::move(data),
                                                   self->encoding_ != protocol::Encoding::Json});
    }
  });
}

void TunnelConnection::close(std::uint16_t code, std::string reason) {
  asio::post(strand_, [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    if (self->out_.over()) {
      return;
    }
    self->send_now(wire::ToRivetWebSocketClose{code, std::move(reason), false});
    self->finish();
  });
}

void TunnelConnection::client_closed(std::optional<std::uint16_t> code,
                                     std::optional<std::string> reason) {
  asio::post(strand_, [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    if (self->out_.over()) {
      return;
    }
    // Answered at index 0 with the client's own code and reason, as RivetKit does (§7.6).
    self->out_.first(wire::ToRivetWebSocketClose{code, std::move(reason), false});
    self->finish();
  });
}

void TunnelConnection::finish() {
  inbound_.clear();
  if (conn_) {
    tasks_.spawn(strand_, disconnect(shared_from_this()));
  }
  out_.end();
}

Task<void> TunnelConnection::disconnect(std::shared_ptr<TunnelConnection> self) {
  co_await self->conn_->disconnect();
}

}  // namespace rivet::server::envoy

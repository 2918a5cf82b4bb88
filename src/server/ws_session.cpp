// WebSocket sessions: the actor connection protocol on `/connect` (spec §6), and the dispatch
// to raw WebSockets (raw_ws_session.cpp) and structured closes. See ws_session.hpp for the
// concurrency model and the outgoing-queue policy.

#include "server/ws_session.hpp"

#include "server/actor_routes.hpp"
#include "server/error_mapping.hpp"
#include "server/gateway.hpp"
#include "server/gateway_route.hpp"
#include "server/raw_http_route.hpp"
#include "server/server_errors.hpp"
#include "server/sessions.hpp"
#include "server/url_util.hpp"

#include <rivet/protocol/messages.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <deque>
#include <memory>

namespace rivet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// With keep-alive pings Beast pings after half of this idle time and drops the peer after all
// of it without any frame (pongs count).
constexpr auto kIdleTimeout = std::chrono::seconds(30);
// Upstream gateway frame limit; the actor's own (smaller) limit is checked per message.
constexpr std::size_t kMaxFrame = 32 * 1024 * 1024;
// How long a requested close may take before the TCP connection is cut (slow consumers).
constexpr auto kCloseDeadline = std::chrono::seconds(5);

protocol::ErrorMessage error_message(const Error& e, std::optional<std::uint64_t> action_id) {
  return protocol::ErrorMessage{
      .group = e.group,
      .code = e.code,
      .message = e.message,
      .metadata = e.metadata.is_null() ? std::nullopt : std::optional<Value>(e.metadata),
      .action_id = action_id,
      .actor = std::nullopt,
  };
}

std::vector<Header> plain_headers(const WsSession::Request& request) {
  std::vector<Header> out;
  out.reserve(16);
  for (const auto& field : request) {
    out.push_back(Header{to_lower(field.name_string()), std::string(field.value())});
  }
  return out;
}

}  // namespace

websocket::close_reason make_close(std::uint16_t code, std::string reason) {
  websocket::close_reason cr;
  cr.code = code;
  cr.reason = truncate_utf8(std::move(reason), kMaxCloseReason);
  return cr;
}

// -- WsSession: shared parts -------------------------------------------------------------------

namespace {

// Moves the accepted connection onto a socket typed with its strand (the acceptor gave it one;
// the executor is type-erased in beast::tcp_stream).
// Re-homes the accepted socket on a strand of `home` (the actor's context), or of its own
// context when `home` is null.
SessionSocket adopt_socket(beast::tcp_stream stream, asio::io_context* home) {
  auto socket = stream.release_socket();
  const auto ex = socket.get_executor();
  auto& current = static_cast<asio::io_context&>(asio::query(ex, asio::execution::context));
  const auto* strand = ex.target<SessionStrand>();
  SessionSocket out(home != nullptr && home != &current ? asio::make_strand(*home)
                    : strand != nullptr                ? *strand
                                                       : asio::make_strand(current));
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) {
    return out;  // already dead: the handshake fails on the closed socket
  }
  const auto fd = socket.release(ec);
  if (!ec) {
    out.assign(protocol, fd, ec);
  }
  return out;
}

}  // namespace

std::size_t write_frame_header(std::array<std::uint8_t, 10>& out, std::size_t size, bool text) {
  out[0] = static_cast<std::uint8_t>(0x80 | (text ? 0x1 : 0x2));
  if (size < 126) {
    out[1] = static_cast<std::uint8_t>(size);
    return 2;
  }
  if (size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(size >> 8);
    out[3] = static_cast<std::uint8_t>(size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) {
    out[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(size) >> (56 - 8 * i));
  }
  return 10;
}


WsSession::WsSession(ServerContext& ctx, TaskGroup& tasks, beast::tcp_stream stream,
                     asio::io_context* home)
    : ctx_(ctx),
      tasks_(tasks),
      ws_(adopt_socket(std::move(stream), home)),
      close_deadline_(ws_.get_executor()) {}

// Posts from other threads that carry outgoing traffic are counted by the socket's inline gate
// (an inline send must not overtake them); the handler uncounts itself first.
void WsSession::shutdown() {
  ws_.next_layer().note_outside_post();
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    self->ws_.next_layer().outside_post_ran();
    self->request_close(kCloseGoingAway, "ws.going_away");
  });
}

void WsSession::deliver_event(std::string name, Value args) {
  ws_.next_layer().note_outside_post();
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), name = std::move(name), args = std::move(args)]() mutable {
               self->ws_.next_layer().outside_post_ran();
               self->enqueue_event(std::move(name), std::move(args));
             });
}

void WsSession::deliver_shared_event(std::shared_ptr<WsSession> self,
                                     std::shared_ptr<const SharedEvent> event) {
  auto& socket = self->ws_.next_layer();
  // encoding_ and options_ are set before the sink exists and never change afterwards.
  const auto& bytes = event->encoded(self->encoding_);
  if (bytes.size() > self->options_.max_outgoing_message_size) {
    socket.note_outside_post();  // the strand closes the connection (too long)
    after_inline(std::move(self), std::move(event), WsSocket::Inline::refused, {}, 0, 0);
    return;
  }
  // The common case of a fan-out: the session is idle, so the frame goes out from here
  // without a post (WsSocket::send_inline).
  std::array<std::uint8_t, 10> header{};
  const auto header_size =
      write_frame_header(header, bytes.size(), self->encoding_ == protocol::Encoding::Json);
  std::size_t sent = 0;
  const auto result =
      socket.send_inline(asio::buffer(header.data(), header_size), asio::buffer(bytes), sent);
  after_inline(std::move(self), std::move(event), result, header, header_size, sent);
}

void WsSession::after_inline(std::shared_ptr<WsSession> self,
                             std::shared_ptr<const SharedEvent> event, WsSocket::Inline result,
                             std::array<std::uint8_t, 10> header, std::size_t header_size,
                             std::size_t sent) {
  if (result == WsSocket::Inline::sent) {
    return;  // the common case: no strand (executor copy) needed
  }
  auto ex = self->ws_.get_executor();
  switch (result) {
    case WsSocket::Inline::sent:
      return;
    case WsSocket::Inline::partial:
      asio::post(ex, [self = std::move(self), event = std::move(event), header, header_size,
                      sent]() mutable {
        self->ws_.next_layer().outside_post_ran();
        self->finish_inline_tail(std::move(event), header, header_size, sent);
      });
      return;
    case WsSocket::Inline::refused:  // counted as an outside post
      asio::post(ex, [self = std::move(self), event = std::move(event)]() mutable {
        self->ws_.next_layer().outside_post_ran();
        self->enqueue_shared_event(std::move(event));
      });
      return;
  }
}

void WsSession::finish_inline_tail(std::shared_ptr<const SharedEvent> event,
                                   std::array<std::uint8_t, 10> header, std::size_t header_size,
                                   std::size_t sent) {
  tail_event_ = std::move(event);
  tail_header_ = header;
  const std::array<asio::const_buffer, 2> frame{
      asio::const_buffer(tail_header_.data(), header_size),
      asio::buffer(tail_event_->encoded(encoding_))};
  beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(frame);
  rest.consume(sent);
  ws_.next_layer().finish_inline_tail(rest, [self = shared_from_this()](beast::error_code ec) {
    self->tail_event_.reset();
    if (ec) {
      self->dead_ = true;
      self->queue_.clear();
      self->queued_bytes_ = 0;
      return;
    }
    self->pump();
  });
}

void WsSession::deliver_close(std::string reason, bool error) {
  ws_.next_layer().note_outside_post();
  asio::post(ws_.get_executor(), [self = shared_from_this(), reason = std::move(reason), error] {
    self->ws_.next_layer().outside_post_ran();
    self->request_close(error ? kCloseError : kCloseNormal, reason);
  });
}

void WsSession::deliver_frame(std::string data, bool binary) {
  ws_.next_layer().note_outside_post();
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), data = std::move(data), binary]() mutable {
               self->ws_.next_layer().outside_post_ran();
               self->enqueue(Bytes(data.begin(), data.end()), !binary);
             });
}

void WsSession::deliver_frame_close(std::uint16_t code, std::string reason) {
  ws_.next_layer().note_outside_post();
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
               self->ws_.next_layer().outside_post_ran();
               self->request_close(code, std::move(reason));
             });
}

asio::awaitable<void> WsSession::close_now(std::uint16_t code, std::string reason) {
  co_await ws_.async_close(make_close(code, std::move(reason)), kUseTuple);
}

void WsSession::request_close(std::uint16_t code, std::string reason) {
  ws_.next_layer().disarm_inline();  // nothing more goes out inline once a close is asked for
  if (!close_) {
    close_ = make_close(code, std::move(reason));
  }
  if (!deadline_armed_ && !dead_) {
    deadline_armed_ = true;
    close_deadline_.expires_after(kCloseDeadline);
    tasks_.spawn(ws_.get_executor(), enforce_close_deadline(shared_from_this()));
  }
  notify();
}

asio::awaitable<void> WsSession::enforce_close_deadline(std::shared_ptr<WsSession> self) {
  auto [ec] = co_await self->close_deadline_.async_wait(kUseTuple);
  if (!ec && !self->dead_) {
    // The writer is stuck behind a peer that stopped reading: drop the TCP connection; the
    // pending read and write fail and the session ends (onDisconnect runs).
    self->dead_ = true;
    beast::error_code ignored;
    self->ws_.next_layer().close_for_good(ignored);
  }
}

void WsSession::notify() {
  pump();
}

void WsSession::pump() {
  if (!writable_ || writing_ || dead_) {
    return;
  }
  // Shared events while Beast is idle and open: framed here, sent without a handler.
  while (!queue_.empty() && queue_.front().shared && can_send_frame()) {
    current_ = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= current_.bytes(encoding_).size();
    if (!send_current_as_frame()) {
      return;
    }
  }
  if (!queue_.empty()) {
    writing_ = true;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    const auto& bytes = current_.bytes(encoding_);
    queued_bytes_ -= bytes.size();
    ws_.text(current_.text);
    ws_.async_write(
        asio::buffer(bytes),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
    return;
  }
  if (close_ && !closing_) {
    closing_ = true;
    writing_ = true;
    ws_.async_close(*close_, [self = shared_from_this()](beast::error_code) {
      self->writing_ = false;
      self->dead_ = true;
    });
    return;
  }
  arm_if_idle();
}

void WsSession::arm_if_idle() {
  // Only the connection protocol has inline senders (WsSink); raw sockets never arm.
  if (conn_ && writable_ && !writing_ && !dead_ && !close_ && queue_.empty() && ws_.is_open()) {
    ws_.next_layer().arm_inline();
  }
}

bool WsSession::can_send_frame() const {
  return ws_.is_open() && !ws_.next_layer().busy();
}

bool WsSession::send_current_as_frame() {
  const auto& bytes = current_.bytes(encoding_);
  frame_header_size_ = write_frame_header(frame_header_, bytes.size(), current_.text);
  const std::array<asio::const_buffer, 2> frame{
      asio::const_buffer(frame_header_.data(), frame_header_size_), asio::buffer(bytes)};
  if (!ws_.next_layer().send_frames(
          frame, [self = shared_from_this()](beast::error_code ec) { self->on_written(ec); })) {
    writing_ = true;  // the rest goes out asynchronously; on_written continues the chain
    return false;
  }
  current_ = Outgoing{};
  return true;
}

void WsSession::on_written(beast::error_code ec) {
  writing_ = false;
  current_ = Outgoing{};
  if (ec) {
    dead_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    return;
  }
  pump();
}

void WsSession::enqueue(Bytes data, bool text) {
  Outgoing message;
  message.data = std::move(data);
  message.text = text;
  enqueue(std::move(message));
}

void WsSession::enqueue(Outgoing message) {
  if (close_ || dead_) {
    return;
  }
  const auto size = message.bytes(encoding_).size();
  if (queue_.size() >= kMaxQueuedMessages || queued_bytes_ + size > kMaxQueuedBytes) {
    request_close(kCloseError, "message.outgoing_queue_full");
    return;
  }
  queued_bytes_ += size;
  queue_.push_back(std::move(message));
  notify();
}

static asio::awaitable<WsTarget> resolve_ws_target(ServerContext& ctx, const WsSession::Request& request) {
  WsTarget out;
  out.ray_id = make_ray_id();
  const std::string target(request.target());
  out.protocols = parse_ws_protocols(request[http::field::sec_websocket_protocol]);
  auto route = parse_gateway_path(target);
  if (route && !route->has_value()) {
    route = parse_ws_header_route(target, out.protocols);
  }
  if (!route) {
    out.failure = close_reason(route.error(), out.ray_id);
    co_return out;
  }
  if (!route->has_value()) {
    const auto host = request[http::field::host];
    out.failure = close_reason(errors::no_route(host, split_target(target).path), out.ray_id);
    co_return out;
  }
  out.actor_path = (*route)->actor_path;
  auto identity = co_await resolve_actor(ctx, std::move(**route));
  if (!identity) {
    out.failure = close_reason(api_visible_error(identity.error()), out.ray_id);
    co_return out;
  }
  out.identity = std::move(*identity);
  co_return out;
}

asio::awaitable<void> WsSession::run(Request request, WsTarget target) {
  auto self = shared_from_this();
  ws_.set_option(websocket::stream_base::timeout{kHandshakeTimeout, kIdleTimeout, true});
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::sec_websocket_protocol, kWsProtocolStandard);
  }));
  ws_.read_message_max(kMaxFrame);
  auto [accept_ec] = co_await ws_.async_accept(request, kUseTuple);
  if (accept_ec) {
    co_return;
  }

  // Errors after the upgrade are close frames (the client cannot read failed-upgrade bodies).
  if (!target.identity) {
    co_await close_now(kCloseError, target.failure);
    co_return;
  }
  const auto path = split_target(target.actor_path).path;
  if (ctx_.draining.load()) {
    // The server is shutting down: a retryable reason keeps reconnecting clients trying
    // (conformance note 61) until a restarted server accepts them.
    co_await close_now(kCloseGoingAway, "ws.going_away");
  } else if (path == "/connect") {
    co_await serve_connect(std::move(*target.identity), std::move(target.protocols));
  } else if (path == "/inspector/connect") {
    co_await close_now(kCloseError, "inspector.not_enabled");
  } else {
    // Every other path is a raw WebSocket for the actor's onWebSocket (spec §6.1, §7).
    co_await serve_raw(std::move(*target.identity), std::move(target.protocols),
                       raw_websocket_request(target.actor_path, plain_headers(request)));
  }
  close_deadline_.cancel();
}

// -- connection protocol -----------------------------------------------------------------------

void WsSession::enqueue_event(std::string name, Value args) {
  auto bytes =
      protocol::encode_to_client(protocol::Event{std::move(name), std::move(args)}, encoding_);
  if (bytes.size() > options_.max_outgoing_message_size) {
    request_close(kCloseError, rivet::errors::outgoing_too_long().qualified());
    return;
  }
  enqueue(std::move(bytes), encoding_ == protocol::Encoding::Json);
}

void WsSession::enqueue_shared_event(std::shared_ptr<const SharedEvent> event) {
  if (close_ || dead_) {
    return;
  }
  if (event->encoded(encoding_).size() > options_.max_outgoing_message_size) {
    request_close(kCloseError, rivet::errors::outgoing_too_long().qualified());
    return;
  }
  const bool text = encoding_ == protocol::Encoding::Json;
  if (writable_ && !writing_ && queue_.empty() && can_send_frame()) {
    // The common case of a fan-out: nothing queued, so the event goes out at once.
    current_.shared = std::move(event);
    current_.text = text;
    if (send_current_as_frame()) {
      arm_if_idle();
    }
    return;
  }
  Outgoing message;
  message.shared = std::move(event);
  message.text = text;
  enqueue(std::move(message));
}

asio::awaitable<void> WsSession::serve_connect(ActorIdentity identity, WsProtocols protocols) {
  auto self = shared_from_this();
  if (protocols.encoding) {
    auto enc = protocol::parse_encoding(*protocols.encoding);
    if (!enc) {
      co_await close_now(kCloseUnsupported, "actor.unsupported_websocket_encoding");
      co_return;
    }
    encoding_ = *enc;
  }
  if (const auto* opts = ctx_.engine.options_for(identity.name)) {
    options_ = *opts;
  }
  Value params = nullptr;
  if (protocols.conn_params) {
    auto decoded = decode_ws_conn_params(*protocols.conn_params);
    if (!decoded) {
      co_await close_now(kCloseError, decoded.error().qualified());
      co_return;
    }
    params = std::move(*decoded);
  }

  auto sink = std::make_shared<WsSink>(weak_from_this());
  auto conn = co_await ctx_.engine.connect(identity.actor_id, std::move(params), sink);
  if (!conn) {
    // Connect-hook errors reach the client with their raw message (spec §6.2); internal
    // failures stay masked.
    auto error = is_internal_error(conn.error()) ? mask_for_client(conn.error()) : conn.error();
    auto bytes = protocol::encode_to_client(error_message(error, std::nullopt), encoding_);
    ws_.text(encoding_ == protocol::Encoding::Json);
    co_await ws_.async_write(asio::buffer(bytes), kUseTuple);
    co_await close_now(kCloseError, error.qualified());
    co_return;
  }
  conn_ = std::move(*conn);

  // Init goes first even if the actor already pushed events from onConnect.
  auto init = protocol::encode_to_client(protocol::Init{identity.actor_id, conn_->id()}, encoding_);
  queued_bytes_ += init.size();
  Outgoing first;
  first.data = std::move(init);
  first.text = encoding_ == protocol::Encoding::Json;
  queue_.push_front(std::move(first));

  ctx_.stats.ws_connections_opened.fetch_add(1, std::memory_order_relaxed);
  ctx_.stats.ws_connections_active.fetch_add(1, std::memory_order_relaxed);
  writable_ = true;
  pump();
  co_await read_loop();
  notify();
  co_await conn_->disconnect();
  ctx_.stats.ws_connections_active.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> WsSession::read_loop() {
  auto self = shared_from_this();
  while (!dead_) {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_.async_read(buffer, kUseTuple);
    if (ec) {
      // Peer closed, timed out, or our own close handshake finished.
      dead_ = true;
      break;
    }
    if (n > options_.max_incoming_message_size) {
      request_close(kCloseError, rivet::errors::incoming_too_long().qualified());
      break;
    }
    const auto data = buffer.data();
    auto message = protocol::decode_to_server(
        protocol::ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()), encoding_);
    if (!message) {
      request_close(kCloseError, "actor.invalid_request");
      break;
    }
    if (auto* action = std::get_if<protocol::ActionRequest>(&*message)) {
      // Actions run concurrently; responses go out in completion order, matched by id.
      tasks_.spawn(ws_.get_executor(), run_action(self, conn_, std::move(*action)));
    } else {
      // Applied inline, in arrival order. A denied subscription (canSubscribe) closes the
      // connection with the error's group.code (auth.forbidden).
      auto& sub = std::get<protocol::SubscriptionRequest>(*message);
      auto applied = co_await conn_->subscribe(std::move(sub.event_name), sub.subscribe);
      if (!applied) {
        request_close(kCloseError, mask_for_client(applied.error()).qualified());
        break;
      }
    }
  }
}

asio::awaitable<void> WsSession::run_action(std::shared_ptr<WsSession> self,
                                            std::shared_ptr<ConnectionHandle> conn,
                                            protocol::ActionRequest request) {
  auto result = co_await conn->call(std::move(request.name), std::move(request.args));
  const auto enc = self->encoding_;
  const bool text = enc == protocol::Encoding::Json;
  if (!result) {
    auto masked = mask_for_client(result.error());
    self->enqueue(protocol::encode_to_client(error_message(masked, request.id), enc), text);
    co_return;
  }
  auto bytes =
      protocol::encode_to_client(protocol::ActionResponse{request.id, std::move(*result)}, enc);
  if (bytes.size() > self->options_.max_outgoing_message_size) {
    bytes = protocol::encode_to_client(
        error_message(rivet::errors::outgoing_too_long(), request.id), enc);
  }
  self->enqueue(std::move(bytes), text);
}

namespace {

asio::awaitable<void> serve_ws_session(std::shared_ptr<WsSession> session, SessionRegistry& sessions,
                                       WsSession::Request request, WsTarget target) {
  const auto id = sessions.add(session);
  co_await session->run(std::move(request), std::move(target));
  sessions.remove(id);
}

}  // namespace

asio::awaitable<void> run_ws_session(ServerContext& ctx, TaskGroup& tasks,
                                     SessionRegistry& sessions, beast::tcp_stream stream,
                                     http::request<http::string_body> request) {
  // The route is resolved before the handshake so that the socket can move to the execution
  // context of the actor's strand: then every action, reply and event of this connection runs on
  // one thread. Resolution errors still reach the client as close frames after the handshake.
  auto target = co_await resolve_ws_target(ctx, request);
  asio::io_context* home = nullptr;
  if (target.identity) {
    home = &static_cast<asio::io_context&>(
        asio::query(ctx.engine.executor_for(target.identity->actor_id), asio::execution::context));
  }
  const auto* here = &asio::query(stream.get_executor(), asio::execution::context);
  auto session = std::make_shared<WsSession>(ctx, tasks, std::move(stream), home);
  if (home != nullptr && home != here) {
    tasks.spawn(session->executor(),
                serve_ws_session(session, sessions, std::move(request), std::move(target)));
    co_return;
  }
  co_await serve_ws_session(std::move(session), sessions, std::move(request), std::move(target));
}

}  // namespace rivet::server

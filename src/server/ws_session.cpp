// A WebSocket upgrade (run_ws_session): the route is resolved, the socket moves to its actor's
// execution context, the handshake completes, and the socket's WsWriter is handed to the
// protocol of the path: the actor connection protocol on `/connect`, else a raw WebSocket.
// Errors after the upgrade are close frames (the client cannot read failed-upgrade bodies).

#include "server/actor_connect_session.hpp"
#include "server/error_mapping.hpp"
#include "server/gateway.hpp"
#include "server/raw_request.hpp"
#include "server/raw_websocket_session.hpp"
#include "server/route_decision.hpp"
#include "server/server_errors.hpp"
#include "server/sessions.hpp"
#include "server/url_util.hpp"
#include "server/ws_close_codes.hpp"
#include "server/ws_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rivet::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

using Request = http::request<http::string_body>;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// With keep-alive pings Beast pings after half of this idle time and drops the peer after all
// of it without any frame (pongs count).
constexpr auto kIdleTimeout = std::chrono::seconds(30);

/// The route of an upgrade request, resolved before the handshake.
struct WsTarget {
  std::string ray_id;
  WsProtocols protocols;
  std::string actor_path;
  std::optional<ActorIdentity> identity;  // empty: `failure` is the close reason
  std::string failure;
};

std::vector<Header> plain_headers(const Request& request) {
  std::vector<Header> out;
  out.reserve(16);
  for (const auto& field : request) {
    out.push_back(Header{to_lower(field.name_string()), std::string(field.value())});
  }
  return out;
}

// Re-homes the accepted socket on a strand of `home` (the actor's context), or of its own
// context when `home` is null: a socket typed with its strand (beast::tcp_stream erases it).
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

asio::awaitable<WsTarget> resolve_ws_target(ServerContext& ctx, const Request& request) {
  WsTarget out;
  out.ray_id = make_ray_id();
  const std::string target(request.target());
  out.protocols = parse_ws_protocols(request[http::field::sec_websocket_protocol]);
  auto route = decide_ws_route(target, out.protocols);
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

// The handshake, then the protocol of the path.
asio::awaitable<void> accept_and_serve(ServerContext& ctx, TaskGroup& tasks,
                                       std::shared_ptr<WsWriter> writer, Request request,
                                       WsTarget target) {
  auto& ws = writer->stream();
  ws.set_option(websocket::stream_base::timeout{kHandshakeTimeout, kIdleTimeout, true});
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::sec_websocket_protocol, kWsProtocolStandard);
  }));
  // Message sizes are bounded by the protocols' reads (ws_read.hpp), which close with a reason;
  // Beast's own limit would close first, without one.
  ws.read_message_max(0);
  auto [accept_ec] = co_await ws.async_accept(request, kUseTuple);
  if (accept_ec) {
    co_return;
  }
  if (!target.identity) {
    co_await writer->close_at_once(kCloseError, target.failure);
    co_return;
  }
  const auto path = split_target(target.actor_path).path;
  if (ctx.draining.load()) {
    // The server is shutting down: a retryable reason keeps reconnecting clients trying
    // (conformance note 61) until a restarted server accepts them.
    co_await writer->close_at_once(kCloseGoingAway, "ws.going_away");
  } else if (path == "/connect") {
    auto session = std::make_shared<ActorConnectSession>(ctx, tasks, writer);
    co_await session->serve(std::move(*target.identity), std::move(target.protocols));
  } else if (path == "/inspector/connect") {
    co_await writer->close_at_once(kCloseError, "inspector.not_enabled");
  } else {
    // Every other path is a raw WebSocket for the actor's onWebSocket (spec §6.1, §7).
    RawWebSocketSession session(ctx, writer);
    co_await session.serve(std::move(*target.identity), std::move(target.protocols),
                           raw_websocket_request(target.actor_path, plain_headers(request)));
  }
  writer->cancel_close_deadline();
}

// `slot` counts the connection until the session ends.
asio::awaitable<void> serve_registered(ServerContext& ctx, TaskGroup& tasks,
                                       SessionRegistry& sessions, std::shared_ptr<WsWriter> writer,
                                       Request request, WsTarget target,
                                       [[maybe_unused]] CountedSlot slot) {
  const auto id = sessions.add(writer);
  co_await accept_and_serve(ctx, tasks, writer, std::move(request), std::move(target));
  sessions.remove(id);
}

}  // namespace

asio::awaitable<void> run_ws_session(ServerContext& ctx, TaskGroup& tasks,
                                     SessionRegistry& sessions, beast::tcp_stream stream,
                                     Request request, CountedSlot slot) {
  // The route is resolved before the handshake so that the socket can move to the execution
  // context of the actor's strand: then every action, reply and event of this connection runs on
  // one thread. Resolution errors still reach the client as close frames after the handshake.
  auto target = co_await resolve_ws_target(ctx, request);
  asio::io_context* home = nullptr;
  if (target.identity) {
    home = &static_cast<asio::io_context&>(
        asio::query(ctx.runtime.executor_for(target.identity->actor_id), asio::execution::context));
  }
  const auto* here = &asio::query(stream.get_executor(), asio::execution::context);
  auto writer = std::make_shared<WsWriter>(tasks, adopt_socket(std::move(stream), home));
  if (home != nullptr && home != here) {
    tasks.spawn(writer->executor(),
                serve_registered(ctx, tasks, sessions, writer, std::move(request),
                                 std::move(target), std::move(slot)));
    co_return;
  }
  co_await serve_registered(ctx, tasks, sessions, std::move(writer), std::move(request),
                            std::move(target), std::move(slot));
}

}  // namespace rivet::server

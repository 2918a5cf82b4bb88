#pragma once
/// Socket sessions (private to the server module; Beast stays out of public headers).

#include "server/server_context.hpp"
#include "server/session_registry.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace rivet::server {

/// Serves HTTP/1.1 keep-alive requests on `socket` (whose executor is the connection's strand)
/// until the peer closes, a timeout of ctx.limits passes or the server stops; hands WebSocket
/// upgrades to run_ws_session on the same strand. `slot` counts the connection while it lives.
boost::asio::awaitable<void> run_http_session(ServerContext& ctx, TaskGroup& tasks,
                                              SessionRegistry& sessions,
                                              boost::asio::ip::tcp::socket socket,
                                              CountedSlot slot);

/// A connection beyond ServerOptions::max_connections: reads its request's headers (briefly),
/// answers `503 guard.too_many_connections` (`limit` in the metadata) and closes.
boost::asio::awaitable<void> run_refused_session(ServerContext& ctx,
                                                 boost::asio::ip::tcp::socket socket,
                                                 std::size_t limit, CountedSlot refusing);

/// Completes the WebSocket upgrade in `request` (always answering `Sec-WebSocket-Protocol:
/// rivet`), then serves the actor connection protocol, or closes with a structured reason.
boost::asio::awaitable<void> run_ws_session(
    ServerContext& ctx, TaskGroup& tasks, SessionRegistry& sessions,
    boost::beast::tcp_stream stream,
    boost::beast::http::request<boost::beast::http::string_body> request, CountedSlot slot);

}  // namespace rivet::server

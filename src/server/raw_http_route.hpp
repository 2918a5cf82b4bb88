#pragma once
/// Raw HTTP and raw WebSocket requests for the actor's onRequest / onWebSocket (spec §5.4, §7,
/// conformance notes 53, 65): building the core's RawRequest from the transport-neutral request,
/// and the response back. Pure functions, except handle_raw_http which calls the runtime.

#include "server/http_types.hpp"
#include "server/server_context.hpp"

#include <rivet/core/runtime.hpp>
#include <rivet/core/raw_http.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace rivet::server {

/// The client's original URL for raw fetches made with a URL or Request (removed before the
/// actor sees the headers).
inline constexpr std::string_view kOriginalUrlHeader = "x-rivet-internal-original-request-url";

/// `/request`, `/request/...` or `/request?...`.
[[nodiscard]] bool is_request_route(std::string_view actor_path) noexcept;

/// What onRequest sees for `actor_path` (a request route): the `/request` prefix removed
/// (`/request` -> `/`, `/request/x?y` -> path `/x`, query `y`); `url` is the original URL header
/// when present (path and query then come from it), else `http://127.0.0.1` + path + query.
[[nodiscard]] RawRequest raw_http_request(std::string_view actor_path, HttpRequest request);

/// What onWebSocket sees: GET of the whole actor path (the `/websocket` prefix stays, as
/// upstream), its query, and the upgrade request's headers.
[[nodiscard]] RawRequest raw_websocket_request(std::string_view actor_path,
                                               std::vector<Header> headers);

/// The handler's response as sent: framing headers (content-length, transfer-encoding,
/// connection, keep-alive, upgrade) are dropped because the server frames the body itself;
/// a status outside 200-599 (or 1xx) becomes 500.
[[nodiscard]] HttpResponse http_from_raw(RawResponse response);

/// Serves a request route for a resolved actor: conn params from `x-rivet-conn-params`
/// (invalid JSON -> 400 masked internal error, as for actions), then Runtime::handle_request.
/// Errors (connect hooks, handler throws, timeout) are framework error responses.
[[nodiscard]] Task<HttpResponse> handle_raw_http(ServerContext& ctx, ActorIdentity identity,
                                                 std::string actor_path, HttpRequest request);

}  // namespace rivet::server

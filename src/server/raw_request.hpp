#pragma once
/// What an actor's onRequest / onWebSocket sees of a request (spec §5.4, §7, conformance notes
/// 53, 65): the core's RawRequest built from the transport-neutral request, and the response
/// back. Pure functions (kept apart from handle_raw_http, which needs the runtime, so that the
/// fuzz targets link them alone).

#include "server/http_types.hpp"

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

}  // namespace rivet::server

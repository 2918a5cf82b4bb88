#pragma once
/// Top-level HTTP routing (spec §1): the dashboard's files under /ui, gateway paths, then header
/// routing, then the management API. Adds x-rivet-ray-id to every response, and CORS to all but
/// the dashboard's. Which of these answers is decide_route() (route_decision.hpp).

#include "server/http_types.hpp"
#include "server/server_context.hpp"

namespace rivet::server {

/// Largest HTTP request body accepted (guard.invalid_request_body, 413, beyond).
inline constexpr std::size_t kMaxHttpBody = 20 * 1024 * 1024;

[[nodiscard]] Task<HttpResponse> handle_http(ServerContext& ctx, HttpRequest request);

/// A gateway-stage error: JSON body regardless of the request encoding, gateway status table.
[[nodiscard]] HttpResponse gateway_error_response(const Error& error);

}  // namespace rivet::server

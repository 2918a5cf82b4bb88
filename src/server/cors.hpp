#pragma once
/// CORS headers (spec §1, conformance note 8). The official client fetches with
/// `credentials: "include"`, so the Origin is echoed (never `*` when an Origin is present) and
/// credentials are allowed. Preflights are answered without touching any actor.

#include "server/http_types.hpp"

#include <vector>

namespace rivet::server {

/// Headers for a gateway preflight (OPTIONS) response, sent with status 204.
[[nodiscard]] std::vector<Header> gateway_preflight_headers(const HttpRequest& request);

/// Headers added to every non-preflight gateway response.
[[nodiscard]] std::vector<Header> gateway_cors_headers(const HttpRequest& request);

/// Management API: mirror origin, method and headers; allow credentials. `preflight` adds the
/// method/header/max-age mirrors.
[[nodiscard]] std::vector<Header> management_cors_headers(const HttpRequest& request,
                                                          bool preflight);

/// True for an OPTIONS request carrying Access-Control-Request-Method (a CORS preflight).
[[nodiscard]] bool is_preflight(const HttpRequest& request) noexcept;

}  // namespace rivet::server

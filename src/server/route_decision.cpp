#include "server/route_decision.hpp"

#include "server/cors.hpp"
#include "server/static_files.hpp"
#include "server/url_util.hpp"

namespace rivet::server {

RouteDecision decide_route(const HttpRequest& request, bool serves_site) {
  RouteDecision out;
  // The dashboard's files: same origin as the API it calls, so no CORS headers.
  const auto path = split_target(request.target).path;
  if (is_ui_path(path)) {
    out.kind = RouteKind::Ui;
    return out;
  }
  auto gateway = parse_gateway_path(request.target);
  if (gateway && !gateway->has_value()) {
    gateway = parse_header_route(request);
  }

  // The optional page at `/` (rivet-demo's chat): only reads, only paths the API does not use,
  // never a request the gateway routes by its headers (x-rivet-target: actor, any path).
  const bool read = request.method == "GET" || request.method == "HEAD";
  const bool routed = !gateway || gateway->has_value();
  if (serves_site && read && !routed && is_site_path(path)) {
    out.kind = RouteKind::Site;
    return out;
  }
  if (routed) {
    // Preflights never touch an actor, not even a malformed route's.
    if (is_preflight(request)) {
      out.kind = RouteKind::GatewayPreflight;
    } else if (!gateway) {
      out.kind = RouteKind::GatewayError;
      out.error = gateway.error();
    } else {
      out.kind = RouteKind::Gateway;
      out.gateway = std::move(**gateway);
    }
    return out;
  }
  out.kind = is_preflight(request) ? RouteKind::ManagementPreflight : RouteKind::Management;
  return out;
}

Result<std::optional<GatewayRoute>> decide_ws_route(std::string_view target,
                                                    const WsProtocols& protocols) {
  auto route = parse_gateway_path(target);
  if (route && !route->has_value()) {
    route = parse_ws_header_route(target, protocols);
  }
  return route;
}

}  // namespace rivet::server

#pragma once
/// Which part of the server answers a request, decided from the request alone (spec §1): the
/// dashboard's files, the optional site at `/`, the gateway (by path or by headers) or the
/// management API. Pure, so that the router's choice is unit-tested and fuzzed without a server;
/// router.cpp and ws_session.cpp then only act on the decision.

#include "server/gateway_route.hpp"
#include "server/http_types.hpp"
#include "server/subprotocols.hpp"

#include <rivet/common/error.hpp>

#include <optional>
#include <string_view>

namespace rivet::server {

enum class RouteKind {
  Ui,                   // GET /ui/...: serve_ui, no CORS
  Site,                 // a read of a site path (only when a site is served): serve_site
  GatewayPreflight,     // OPTIONS on a gateway route: 204, never touches an actor
  GatewayError,         // a malformed gateway route: `error`, gateway status table
  Gateway,              // `gateway` names the actor and the path it sees
  ManagementPreflight,  // OPTIONS on anything else
  Management,           // the management API (which answers 404 for unknown paths)
};

struct RouteDecision {
  RouteKind kind = RouteKind::Management;
  std::optional<GatewayRoute> gateway;  // RouteKind::Gateway only
  std::optional<Error> error;           // RouteKind::GatewayError only
};

/// The route of an HTTP request. `serves_site`: whether the server has a site at `/`
/// (ServerOptions::site_dir set).
[[nodiscard]] RouteDecision decide_route(const HttpRequest& request, bool serves_site);

/// The route of a WebSocket upgrade to `target`: the gateway path, else the subprotocol routing
/// of parse_ws_header_route. nullopt: no route (guard.no_route).
[[nodiscard]] Result<std::optional<GatewayRoute>> decide_ws_route(std::string_view target,
                                                                  const WsProtocols& protocols);

}  // namespace rivet::server

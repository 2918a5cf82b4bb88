#include "server/router.hpp"

#include "server/actor_routes.hpp"
#include "server/cors.hpp"
#include "server/error_mapping.hpp"
#include "server/gateway.hpp"
#include "server/inspector_route.hpp"
#include "server/management_api.hpp"
#include "server/route_decision.hpp"
#include "server/static_files.hpp"

#include <random>

namespace rivet::server {
namespace {

constexpr unsigned kNoContent = 204;

void add_headers(HttpResponse& response, const std::vector<Header>& headers) {
  for (const auto& h : headers) {
    response.set(h.name, h.value);
  }
}

// The gateway removes its routing headers before the actor sees the request.
void strip_routing_headers(HttpRequest& request) {
  std::erase_if(request.headers, [](const Header& h) {
    return h.name == "x-rivet-target" || h.name == "x-rivet-actor" || h.name == "x-rivet-token";
  });
}

Task<HttpResponse> handle_gateway(ServerContext& ctx, GatewayRoute route, HttpRequest request) {
  auto cors = gateway_cors_headers(request);
  HttpResponse response;
  if (is_inspector_path(route.actor_path)) {
    // The inspector checks its token before the actor is resolved (or woken).
    strip_routing_headers(request);
    response = co_await handle_inspector(ctx, std::move(route), std::move(request));
    add_headers(response, cors);
    co_return response;
  }
  auto actor_path = route.actor_path;
  auto identity = co_await resolve_actor(ctx, std::move(route));
  if (!identity) {
    response = gateway_error_response(identity.error());
  } else {
    strip_routing_headers(request);
    response = co_await handle_actor_request(ctx, std::move(*identity), std::move(actor_path),
                                             std::move(request));
  }
  add_headers(response, cors);
  co_return response;
}

}  // namespace

std::string make_ray_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  auto a = rng();
  auto b = rng();
  for (int i = 0; i < 16; ++i) {
    out[i] = kHex[(a >> (i * 4)) & 0xF];
    out[16 + i] = kHex[(b >> (i * 4)) & 0xF];
  }
  return out;
}

HttpResponse gateway_error_response(const Error& error) {
  HttpResponse r;
  r.status = error_status(error, ErrorSurface::Gateway);
  r.set("content-type", "application/json");
  r.body = error_json_body(api_visible_error(error));
  return r;
}

Task<HttpResponse> handle_http(ServerContext& ctx, HttpRequest request) {
  auto ray_id = make_ray_id();
  auto route = decide_route(request, !ctx.site_dir.empty());
  HttpResponse response;
  switch (route.kind) {
    case RouteKind::Ui:
      response = serve_ui(ctx.ui_dir, request);
      break;
    case RouteKind::Site:
      response = serve_site(ctx.site_dir, request);
      break;
    case RouteKind::GatewayPreflight:
      response.status = kNoContent;
      add_headers(response, gateway_preflight_headers(request));
      break;
    case RouteKind::GatewayError:
      response = gateway_error_response(*route.error);
      add_headers(response, gateway_cors_headers(request));
      break;
    case RouteKind::Gateway:
      response = co_await handle_gateway(ctx, std::move(*route.gateway), std::move(request));
      break;
    case RouteKind::ManagementPreflight:
      response.status = kNoContent;
      add_headers(response, management_cors_headers(request, true));
      break;
    case RouteKind::Management: {
      auto cors = management_cors_headers(request, false);
      response = co_await handle_management(ctx, std::move(request));
      add_headers(response, cors);
      break;
    }
  }
  response.set("x-rivet-ray-id", std::move(ray_id));
  co_return response;
}

}  // namespace rivet::server

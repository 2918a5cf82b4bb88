#include "server/router.hpp"

#include "server/actor_routes.hpp"
#include "server/cors.hpp"
#include "server/error_mapping.hpp"
#include "server/gateway.hpp"
#include "server/gateway_route.hpp"
#include "server/inspector_route.hpp"
#include "server/management_api.hpp"
#include "server/static_files.hpp"
#include "server/url_util.hpp"

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
  HttpResponse response;

  // The dashboard's files: same origin as the API it calls, so no CORS headers.
  const auto path = split_target(request.target).path;
  if (is_ui_path(path)) {
    response = serve_ui(ctx.ui_dir, request);
    response.set("x-rivet-ray-id", std::move(ray_id));
    co_return response;
  }
  auto gateway = parse_gateway_path(request.target);
  if (gateway && !gateway->has_value()) {
    gateway = parse_header_route(request);
  }

  // The optional page at `/` (rivet-demo's chat): only reads, only paths the API does not use,
  // never a request the gateway routes by its headers (x-rivet-target: actor, any path).
  const bool read = request.method == "GET" || request.method == "HEAD";
  const bool routed = !gateway || gateway->has_value();
  if (!ctx.site_dir.empty() && read && !routed && is_site_path(path)) {
    response = serve_site(ctx.site_dir, request);
    response.set("x-rivet-ray-id", std::move(ray_id));
    co_return response;
  }

  if (!gateway || gateway->has_value()) {
    // Gateway (path or header routed). Preflights never touch an actor.
    if (is_preflight(request)) {
      response.status = kNoContent;
      add_headers(response, gateway_preflight_headers(request));
    } else if (!gateway) {
      response = gateway_error_response(gateway.error());
      add_headers(response, gateway_cors_headers(request));
    } else {
      response = co_await handle_gateway(ctx, std::move(**gateway), std::move(request));
    }
  } else if (is_preflight(request)) {
    response.status = kNoContent;
    add_headers(response, management_cors_headers(request, true));
  } else {
    auto cors = management_cors_headers(request, false);
    response = co_await handle_management(ctx, std::move(request));
    add_headers(response, cors);
  }
  response.set("x-rivet-ray-id", std::move(ray_id));
  co_return response;
}

}  // namespace rivet::server

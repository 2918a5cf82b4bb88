// The router's choice (server/route_decision.hpp). Input: a request (fuzz_text.hpp format).
// Invariants: the dashboard takes exactly its paths, whatever the headers; the site takes only
// reads of its paths that nothing else routes, and serving a site changes nothing else; a
// gateway decision carries the route the gateway parsers give (path first, then headers) and
// an error only with a guard error; preflights never reach an actor; the management API gets
// only what no gateway parser claims.
#include "server/route_decision.hpp"
#include "server/static_files.hpp"
#include "server/url_util.hpp"

#include "fuzz_check.hpp"
#include "fuzz_text.hpp"

#include <string>

namespace {

using namespace rivet::server;
using rivet::fuzz::fail;

// What the two gateway parsers say, path first: error, no route, or a route.
rivet::Result<std::optional<GatewayRoute>> gateway_of(const HttpRequest& request) {
  auto by_path = parse_gateway_path(request.target);
  if (by_path && !by_path->has_value()) {
    return parse_header_route(request);
  }
  return by_path;
}

bool same_route(const GatewayRoute& a, const GatewayRoute& b) {
  return a.token == b.token && a.skip_ready_wait == b.skip_ready_wait &&
         a.actor_path == b.actor_path && a.target.index() == b.target.index() &&
         (a.target.index() != 0 || std::get<DirectTarget>(a.target) == std::get<DirectTarget>(b.target));
}

void check(const HttpRequest& request, const RouteDecision& d, bool site, const std::string& input) {
  const auto path = split_target(request.target).path;
  const bool preflight = request.method == "OPTIONS";
  const bool read = request.method == "GET" || request.method == "HEAD";
  if ((d.kind == RouteKind::Ui) != is_ui_path(path)) {
    fail("dashboard decision differs from is_ui_path", input);
  }
  if (d.gateway.has_value() != (d.kind == RouteKind::Gateway) ||
      d.error.has_value() != (d.kind == RouteKind::GatewayError)) {
    fail("decision carries a route or an error it should not", input);
  }
  if (d.kind == RouteKind::Ui) {
    return;
  }
  const auto gateway = gateway_of(request);
  const bool routed = !gateway || gateway->has_value();
  switch (d.kind) {
    case RouteKind::Site:
      if (!site || !read || routed || !is_site_path(path)) {
        fail("site decision for a request that is not the site's", input);
      }
      return;
    case RouteKind::GatewayPreflight:
    case RouteKind::ManagementPreflight:
      if (!preflight || (d.kind == RouteKind::GatewayPreflight) != routed) {
        fail("preflight decision for the wrong request or route", input);
      }
      return;
    case RouteKind::GatewayError:
      if (preflight || gateway || d.error->group != "guard" ||
          d.error->qualified() != gateway.error().qualified()) {
        fail("gateway error decision differs from the parsers", input);
      }
      return;
    case RouteKind::Gateway:
      if (preflight || !gateway || !gateway->has_value() || !same_route(*d.gateway, **gateway) ||
          d.gateway->actor_path.empty() || d.gateway->actor_path.front() != '/') {
        fail("gateway decision differs from the parsers", input);
      }
      return;
    case RouteKind::Management:
      if (preflight || routed || (site && read && is_site_path(path))) {
        fail("management decision for a request someone else routes", input);
      }
      return;
    case RouteKind::Ui:
      return;
  }
  fail("unknown route kind", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(rivet::fuzz::as_text(data, size));
  const auto request = rivet::fuzz::parse_request(input);
  const auto with_site = decide_route(request, true);
  const auto without_site = decide_route(request, false);
  check(request, with_site, true, input);
  check(request, without_site, false, input);
  if (with_site.kind != without_site.kind &&
      !(with_site.kind == RouteKind::Site && without_site.kind == RouteKind::Management)) {
    fail("serving a site changes a decision other than the site's", input);
  }
  return 0;
}
